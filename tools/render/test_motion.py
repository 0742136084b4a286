#!/usr/bin/env python3
"""Checks of the motion model (no Blender): `python3 tools/render/test_motion.py` (or pytest)."""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motion  # noqa: E402


def dist(a, b):
    return math.dist(a, b)


class MotionTest(unittest.TestCase):
    def setUp(self):
        self.L, self.m, self.seq = motion.sequence(fps=30)

    def test_segment_lengths_are_constant(self):
        L = self.L
        for _, j, _ in self.seq:
            for s in ("R", "L"):
                self.assertAlmostEqual(dist(j[s + "_ankle"], j[s + "_knee"]),
                                       math.hypot(L["shank"], L["knee_half_width"] - L["ankle_half_width"]), places=4)
            # Sagittal lengths on the mid-plane copies.
            self.assertAlmostEqual(dist(j["mid_hip"], j["L1"]), L["lumbar"], places=4)
            self.assertAlmostEqual(dist(j["L1"], j["mid_shoulder"]), L["thoracic"], places=4)
            self.assertAlmostEqual(dist(j["mid_shoulder"], j["bar"]), L["arm"], places=4)
            knee = (j["R_knee"][0], j["R_knee"][2])
            hip = (j["R_hip"][0], j["R_hip"][2])
            self.assertAlmostEqual(dist(knee, hip), L["thigh"], places=4)

    def test_bar_on_floor_at_setup_and_high_at_lockout(self):
        phases = {met["phase"]: met for _, _, met in self.seq}
        self.assertAlmostEqual(self.seq[0][2]["bar_height_m"], motion.PLATE_RADIUS_M, places=4)
        self.assertGreater(phases["lockout"]["bar_height_m"], 0.7)
        self.assertGreater(phases["lockout"]["knee_angle_deg"], 175)
        self.assertLess(abs(phases["lockout"]["torso_angle_from_vertical_deg"]), 6)
        for _, _, met in self.seq:
            self.assertGreaterEqual(met["bar_height_m"], motion.PLATE_RADIUS_M - 1e-9)

    def _with(self, fault):
        return motion.sequence(faults=[fault], fps=30)[2]

    def test_faults_change_their_variable_only_inside_the_span(self):
        base = self.seq
        cases = [
            ({"code": "DL001", "start_s": 0.0, "end_s": 0.35, "size": 0.09}, "bar_x_minus_midfoot_m", 0.08),
            ({"code": "DL002", "start_s": 0.5, "end_s": 1.2, "size": 30}, "lumbar_flexion_deg", 29),
            ({"code": "DL005", "start_s": 1.45, "end_s": 1.85, "size": 15}, "lean_back_deg", 14),
        ]
        for fault, key, at_least in cases:
            seq = self._with(fault)
            inside = [abs(s[2][key] - b[2][key]) for s, b in zip(seq, base) if fault["start_s"] < s[0] < fault["end_s"]]
            outside = [abs(s[2][key] - b[2][key]) for s, b in zip(seq, base)
                       if s[0] < fault["start_s"] - 1e-9 or s[0] > fault["end_s"] + 1e-9]
            self.assertGreater(max(inside), at_least, fault["code"])
            self.assertEqual(max(outside, default=0.0), 0.0, fault["code"])

    def test_hips_rise_early_raises_hips_more_than_shoulders(self):
        p0 = self.m["lead_in_s"]
        f = {"code": "DL003", "start_s": p0, "end_s": p0 + 0.5, "size": 10}
        seq = self._with(f)
        i0 = int(p0 * 30)
        i1 = int((p0 + 0.3) * 30)
        hip_rise = seq[i1][2]["hip_height_m"] - seq[i0][2]["hip_height_m"]
        sh_rise = seq[i1][2]["shoulder_height_m"] - seq[i0][2]["shoulder_height_m"]
        self.assertGreater(hip_rise - sh_rise, 0.05)
        self.assertLess(seq[i1][2]["bar_height_m"] - motion.PLATE_RADIUS_M, 0.03)


if __name__ == "__main__":
    unittest.main()
