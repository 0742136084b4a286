"""Planar deadlift motion model (pure Python, no numpy: it runs inside Blender's Python too).

World frame (metres): x forward (the lifter faces +x), y to the lifter's left, z up. The right ankle
is at (0, -stance, ankle_h); the mid-foot (heel-toe midpoint) is at x = MIDFOOT_X.

The model is sagittal (x-z) with mirrored left/right copies at fixed y offsets:
  ankle fixed -> shank (angle from vertical) -> knee -> thigh -> hip
  hip -> lower trunk -> L1 -> upper trunk -> shoulder (two-segment trunk, lumbar flexion between)
  shoulder -> straight arms -> hands on the bar.
Per frame the driving variables are the bar's height and horizontal position, the shank angle,
the shoulders' horizontal offset from the bar, lumbar flexion and a lean-back angle. The shoulder is
placed at arm's length above the bar, the knee from the shank angle, the hip by two-circle IK
(thigh from the knee, trunk chord from the shoulder; the solution behind the knee-shoulder line).

Faults (``code``, ``start_s``, ``end_s``, ``size``) add a smooth bump (raised-cosine ramps of
``ramp_s`` at both ends) to one variable:
  DL001 bar in front of mid-foot      bar x += size (m)            (give it a setup span)
  DL002 rounded lower back            lumbar flexion += size (deg)
  DL003 hips rise early               shank angle -= size (deg) while the bar stays down (pull start)
  DL004 bar drift                     bar x += size (m)            (give it a pull span)
  DL005 hyperextension at lockout     lean back += size (deg), lumbar flexion -= size/2 (deg)
  DL006 squatted setup                shank angle += size (deg), shoulder offset -= size/300 (m)
"""

import math

# Segment lengths as fractions of body height (Drillis & Contini), overridable per body.
DEFAULT_BODY = {
    "height_m": 1.78,
    "ankle_h": 0.039,
    "shank": 0.246,
    "thigh": 0.245,
    "trunk": 0.288,        # hip joint -> shoulder joint, standing
    "lumbar_frac": 0.42,   # hip -> L1 share of the trunk
    "neck": 0.052,         # shoulder line -> head base (C7 to skull base)
    "head": 0.13,          # chin to crown
    "upper_arm": 0.186,
    "forearm": 0.146,
    "hand": 0.045,         # wrist -> bar axis (grip centre)
    "hip_half_width": 0.052,
    "shoulder_half_width": 0.105,
    "knee_half_width": 0.066,
    "ankle_half_width": 0.078,
    "grip_half_width": 0.135,
    "foot_back": 0.04,     # heel behind the ankle
    "foot_front": 0.11,    # toe in front of the ankle
}

PLATE_RADIUS_M = 0.225
BAR_RADIUS_M = 0.014

FAULT_NAMES = {
    "DL001": "bar_not_over_midfoot_at_setup",
    "DL002": "rounded_lower_back",
    "DL003": "hips_rise_before_bar_leaves_floor",
    "DL004": "bar_drifts_forward",
    "DL005": "hyperextension_at_lockout",
    "DL006": "squatted_setup",
}
FAULT_UNITS = {"DL001": "m", "DL002": "deg", "DL003": "deg", "DL004": "m", "DL005": "deg", "DL006": "deg"}

DEFAULT_MOTION = {
    "reps": 1,
    "lead_in_s": 0.4,      # set position held at the bottom before the first pull
    "pull_s": 1.0,
    "lockout_s": 0.5,
    "lower_s": 1.0,
    "rest_s": 0.5,         # at the bottom between reps (and after the last)
    "setup_shank_deg": 14.0,
    "setup_shoulder_offset_m": 0.05,
    "lockout_shoulder_offset_m": -0.07,
    "setup_bar_x_m": 0.0,  # relative to mid-foot
    "lockout_bar_x_m": 0.03,
    "knee_pass_u": 0.45,   # pull progress at which the shins are vertical
    "ramp_s": 0.15,
}


def body_lengths(body):
    b = dict(DEFAULT_BODY)
    b.update(body or {})
    h = b["height_m"]
    out = {k: (v * h if k not in ("height_m", "lumbar_frac") else v) for k, v in b.items()}
    out["arm"] = out["upper_arm"] + out["forearm"] + out["hand"]
    out["lumbar"] = out["trunk"] * b["lumbar_frac"]
    out["thoracic"] = out["trunk"] - out["lumbar"]
    return out


def midfoot_x(L):
    return (L["foot_front"] - L["foot_back"]) / 2.0


def smoothstep(u):
    u = min(1.0, max(0.0, u))
    return u * u * (3.0 - 2.0 * u)


def window(t, start, end, ramp):
    """0 outside [start, end], 1 inside with raised-cosine ramps of `ramp` s inside the span's ends."""
    if t < start or t > end:
        return 0.0
    ramp = max(1e-6, min(ramp, (end - start) / 2.0))
    a = min(1.0, (t - start) / ramp, (end - t) / ramp)
    return 0.5 - 0.5 * math.cos(math.pi * a)


def rep_schedule(m):
    """List of (pull_start, pull_end, lock_end, lower_end) per rep, and the clip duration."""
    reps = []
    t = m["lead_in_s"]
    for _ in range(int(m["reps"])):
        p0 = t
        p1 = p0 + m["pull_s"]
        l1 = p1 + m["lockout_s"]
        d1 = l1 + m["lower_s"]
        reps.append((p0, p1, l1, d1))
        t = d1 + m["rest_s"]
    return reps, t


def progress(t, reps):
    """Pull progress u in [0, 1] (0 = bar on the floor, 1 = lockout) and the phase name."""
    for p0, p1, l1, d1 in reps:
        if t < p0:
            return 0.0, "setup"
        if t < p1:
            return smoothstep((t - p0) / (p1 - p0)), "pull"
        if t < l1:
            return 1.0, "lockout"
        if t < d1:
            return smoothstep(1.0 - (t - l1) / (d1 - l1)), "lowering"
    return 0.0, "setup"


def circle_hip(K, S, r1, r2):
    """Point at r1 from K and r2 from S (2D x-z), on the side behind the K->S line (smaller x)."""
    dx, dz = S[0] - K[0], S[1] - K[1]
    d = math.hypot(dx, dz)
    if d >= r1 + r2 - 1e-9:
        f = r1 / (r1 + r2)
        return (K[0] + dx * f, K[1] + dz * f), False
    a = (r1 * r1 - r2 * r2 + d * d) / (2 * d)
    h = math.sqrt(max(0.0, r1 * r1 - a * a))
    mx, mz = K[0] + dx * a / d, K[1] + dz * a / d
    # perpendicular pointing backward (rotate K->S by +90 deg in x-z: (-dz, dx) points back for an upward line)
    px, pz = -dz / d, dx / d
    return (mx + px * h, mz + pz * h), True


def rot2(v, deg):
    """Rotate a 2D (x, z) vector by deg (positive = forward tilt of an upward vector, i.e. toward +x)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    # upward (0,1) rotated by +deg -> (sin, cos)
    return (v[0] * c + v[1] * s, -v[0] * s + v[1] * c)


def pose_at(t, L, m, faults):
    """All joint positions (world, metres) at time t, plus metrics. Returns dict name -> (x, y, z)."""
    reps, _ = rep_schedule(m)
    u, phase = progress(t, reps)
    mf = midfoot_x(L)
    ankle = (0.0, L["ankle_h"])
    floor_bar_z = PLATE_RADIUS_M
    # Lockout bar height: standing shoulder height minus the arm, 5 mm short of straight.
    o_lock = m["lockout_shoulder_offset_m"]
    sh_x_lock = mf + m["lockout_bar_x_m"] + o_lock
    reach = L["thigh"] + L["trunk"] - 0.0005
    lock_sh_z = L["ankle_h"] + L["shank"] + math.sqrt(reach ** 2 - sh_x_lock ** 2)
    lock_bar_z = lock_sh_z - math.sqrt(L["arm"] ** 2 - o_lock ** 2)

    knee_u = m["knee_pass_u"]
    shank_deg = m["setup_shank_deg"] * (1.0 - smoothstep(u / knee_u))
    bar_z = floor_bar_z + (lock_bar_z - floor_bar_z) * u
    bar_x = mf + m["setup_bar_x_m"] + (m["lockout_bar_x_m"] - m["setup_bar_x_m"]) * smoothstep(u)
    off = m["setup_shoulder_offset_m"] + (o_lock - m["setup_shoulder_offset_m"]) * smoothstep(u)
    flex = 0.0
    lean = 0.0
    ramp = m["ramp_s"]
    for f in faults:
        wn = window(t, f["start_s"], f["end_s"], f.get("ramp_s", ramp))
        w = wn * f["size"]
        if w == 0.0:
            continue
        c = f["code"]
        if c in ("DL001", "DL004"):
            bar_x += w
        elif c == "DL002":
            flex += w
        elif c == "DL003":
            # The bar is held down (its rise is delayed) while the knees extend: hips rise alone.
            bar_z = floor_bar_z + (bar_z - floor_bar_z) * (1.0 - wn)
            shank_deg = max(0.0, shank_deg - w)
        elif c == "DL005":
            lean += w
            flex -= w / 2.0
        elif c == "DL006":
            shank_deg += w
            off -= w / 300.0

    knee = (ankle[0] + L["shank"] * math.sin(math.radians(shank_deg)),
            ankle[1] + L["shank"] * math.cos(math.radians(shank_deg)))
    shoulder = (bar_x + off, bar_z + math.sqrt(max(1e-6, L["arm"] ** 2 - off ** 2)))
    a, b = L["lumbar"], L["thoracic"]
    fr = math.radians(flex)
    chord = math.sqrt(a * a + b * b + 2 * a * b * math.cos(fr))
    hip, reachable = circle_hip(knee, shoulder, L["thigh"], chord)
    if not reachable:
        # Straight chain: hip on the line, shoulder pulled onto the chord's length, bar hangs from it.
        dx, dz = shoulder[0] - knee[0], shoulder[1] - knee[1]
        d = math.hypot(dx, dz)
        shoulder = (hip[0] + dx / d * chord, hip[1] + dz / d * chord)
    # L1: lower trunk leaves the chord by angle beta toward the back when flexed (rounding bulges back).
    cdx, cdz = (shoulder[0] - hip[0]) / chord, (shoulder[1] - hip[1]) / chord
    beta = math.degrees(math.asin(max(-1.0, min(1.0, b * math.sin(fr) / chord)))) if chord > 0 else 0.0
    # Rotating the chord direction backward (negative deg) puts L1 behind the chord for flexion.
    ldir = rot2((cdx, cdz), -beta)
    l1 = (hip[0] + ldir[0] * a, hip[1] + ldir[1] * a)
    if lean:
        # Lean back: the trunk (L1, shoulder) turns backward about the hip ...
        l1 = _rot_about(l1, hip, -lean)
        shoulder = _rot_about(shoulder, hip, -lean)
    # Arms hang straight from the shoulder to the bar, keeping the pre-lean arm direction.
    adx, adz = bar_x - (bar_x + off), bar_z - (bar_z + math.sqrt(max(1e-6, L["arm"] ** 2 - off ** 2)))
    an = math.hypot(adx, adz)
    bar = (shoulder[0] + adx / an * L["arm"], shoulder[1] + adz / an * L["arm"])
    if lean:
        # ... and the hips push forward so that the bar stays against the thighs; the knee follows
        # by 2-link IK from the fixed ankle (soft knees), lowering the hips if out of reach.
        dx = bar_x - bar[0]
        reach = L["shank"] + L["thigh"] - 0.001
        nhx = hip[0] + dx
        dz = 0.0
        if math.hypot(nhx - ankle[0], hip[1] - ankle[1]) > reach:
            dz = ankle[1] + math.sqrt(max(0.0, reach ** 2 - (nhx - ankle[0]) ** 2)) - hip[1]
        hip, l1, shoulder, bar = [(p[0] + dx, p[1] + dz) for p in (hip, l1, shoulder, bar)]
        kk, _ = circle_hip(hip, ankle, L["thigh"], L["shank"])  # side: in front of the hip->ankle line
        knee = kk
    if bar[1] < floor_bar_z:
        bar = (bar[0], floor_bar_z)
    arm_vec = (bar[0] - shoulder[0], bar[1] - shoulder[1])
    an = math.hypot(*arm_vec)
    ua = (arm_vec[0] / an, arm_vec[1] / an)
    wrist2 = (bar[0] - ua[0] * L["hand"], bar[1] - ua[1] * L["hand"])

    # Neck and head follow the upper trunk, turned back toward vertical (the lifter looks ahead-down).
    tdx, tdz = shoulder[0] - l1[0], shoulder[1] - l1[1]
    tn = math.hypot(tdx, tdz)
    tdir = (tdx / tn, tdz / tn)
    trunk_deg = math.degrees(math.atan2(tdir[0], tdir[1]))
    head_up = rot2((0.0, 1.0), trunk_deg * 0.75)
    neck_base = shoulder
    head_base = (neck_base[0] + (tdir[0] * 0.6 + head_up[0] * 0.4) * L["neck"],
                 neck_base[1] + (tdir[1] * 0.6 + head_up[1] * 0.4) * L["neck"])
    fwd = (head_up[1], -head_up[0])  # head's forward (x for an upright head)
    hh = L["head"]

    def hp(up, fw):
        return (head_base[0] + head_up[0] * up * hh + fwd[0] * fw * hh,
                head_base[1] + head_up[1] * up * hh + fwd[1] * fw * hh)

    ear2 = hp(0.42, -0.05)
    eye2 = hp(0.55, 0.42)
    nose2 = hp(0.42, 0.52)
    crown2 = hp(1.0, 0.0)
    head_c2 = hp(0.55, 0.08)

    j = {}

    def put(name, p2, y):
        j[name] = (p2[0], y, p2[1])

    for side, s in (("R", -1.0), ("L", 1.0)):
        put(side + "_ankle", ankle, s * L["ankle_half_width"])
        put(side + "_heel", (ankle[0] - L["foot_back"], 0.03), s * L["ankle_half_width"])
        put(side + "_foot_index", (ankle[0] + L["foot_front"], 0.025), s * (L["ankle_half_width"] + 0.015))
        put(side + "_knee", knee, s * L["knee_half_width"])
        put(side + "_hip", hip, s * L["hip_half_width"])
        put(side + "_shoulder", shoulder, s * L["shoulder_half_width"])
        gw = L["grip_half_width"]
        sw = L["shoulder_half_width"]
        put(side + "_wrist", wrist2, s * gw)
        put(side + "_hand", bar, s * gw)
        # Elbow: on the straight arm, the upper-arm length from the shoulder (3D straight line).
        f = L["upper_arm"] / L["arm"]
        put(side + "_elbow", (shoulder[0] + (bar[0] - shoulder[0]) * f, shoulder[1] + (bar[1] - shoulder[1]) * f),
            s * (sw + (gw - sw) * f))
        put(side + "_ear", ear2, s * 0.075 * L["height_m"] / 1.78)
        put(side + "_eye", eye2, s * 0.032 * L["height_m"] / 1.78)
    put("nose", nose2, 0.0)
    put("crown", crown2, 0.0)
    put("head_center", head_c2, 0.0)
    put("head_base", head_base, 0.0)
    put("L1", l1, 0.0)
    put("mid_hip", hip, 0.0)
    put("mid_shoulder", shoulder, 0.0)
    put("bar", bar, 0.0)

    knee_angle = _angle(hip, knee, ankle)
    metrics = {
        "phase": phase,
        "pull_progress": round(u, 4),
        "bar_height_m": round(bar[1], 4),
        "bar_x_minus_midfoot_m": round(bar[0] - mf, 4),
        "hip_height_m": round(hip[1], 4),
        "shoulder_height_m": round(shoulder[1], 4),
        "lumbar_flexion_deg": round(flex, 2),
        "lean_back_deg": round(lean, 2),
        "torso_angle_from_vertical_deg": round(math.degrees(math.atan2(shoulder[0] - hip[0], shoulder[1] - hip[1])), 2),
        "knee_angle_deg": round(knee_angle, 2),
        "shank_angle_deg": round(shank_deg, 2),
    }
    return j, metrics


def _rot_about(p, c, deg):
    v = rot2((p[0] - c[0], p[1] - c[1]), deg)
    return (c[0] + v[0], c[1] + v[1])


def _angle(a, b, c):
    v1 = (a[0] - b[0], a[1] - b[1])
    v2 = (c[0] - b[0], c[1] - b[1])
    d = (v1[0] * v2[0] + v1[1] * v2[1]) / (math.hypot(*v1) * math.hypot(*v2))
    return math.degrees(math.acos(max(-1.0, min(1.0, d))))


def sequence(body=None, motion=None, faults=None, fps=30.0, duration_s=None):
    """Per-frame joints and metrics: list of (t, joints, metrics). Duration defaults to the reps' own."""
    L = body_lengths(body)
    m = dict(DEFAULT_MOTION)
    m.update(motion or {})
    faults = list(faults or [])
    _, dur = rep_schedule(m)
    if duration_s is not None:
        dur = duration_s
    n = max(1, int(round(dur * fps)))
    out = []
    for i in range(n):
        t = i / fps
        j, met = pose_at(t, L, m, faults)
        out.append((t, j, met))
    return L, m, out


if __name__ == "__main__":
    import json
    import sys
    L, m, seq = sequence(faults=[{"code": "DL002", "start_s": 0.6, "end_s": 1.4, "size": 30}])
    for t, j, met in seq[:: max(1, len(seq) // 12)]:
        print(f"t={t:5.2f} {met['phase']:8s} bar_z={met['bar_height_m']:.3f} hip_z={met['hip_height_m']:.3f} "
              f"sh_z={met['shoulder_height_m']:.3f} torso={met['torso_angle_from_vertical_deg']:6.1f} "
              f"knee={met['knee_angle_deg']:6.1f} flex={met['lumbar_flexion_deg']:.1f}")
    json.dump({"n": len(seq)}, sys.stdout)
    print()
