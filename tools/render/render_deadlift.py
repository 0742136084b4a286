"""Render a synthetic deadlift clip with exact ground truth. Runs inside Blender (3.4), headless:

    blender -b --factory-startup --python tools/render/render_deadlift.py -- \
        --config tools/render/configs/clean_cam15.json --out /tmp/render_test

Writes OUT/<name>.mp4 (H.264, yuv420p, CRF 23), OUT/<name>_gt.json and, with --keep-frames, the
PNG frames under OUT/<name>_frames/. See tools/render/README.md for the config keys and the JSON.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import time

import bpy
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Matrix, Quaternion, Vector

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motion  # noqa: E402

DEFAULT_CONFIG = {
    "name": "deadlift",
    "width": 640,
    "height": 360,
    "fps": 30,
    "duration_s": None,
    "camera": {"yaw_deg": 15.0, "height_m": 0.95, "distance_m": 4.6, "lens_mm": 40.0,
               "target_x_m": -0.05, "target_z_m": 0.85},
    "body": {},
    "colours": {"skin": [0.80, 0.58, 0.45], "shirt": [0.70, 0.08, 0.08], "shorts": [0.08, 0.10, 0.25],
                "shoes": [0.12, 0.13, 0.16], "socks": [0.85, 0.85, 0.85], "hair": [0.10, 0.07, 0.05],
                "soles": [0.90, 0.90, 0.88]},
    "motion": {},
    "faults": [],
    "scene": {"floor": [0.22, 0.22, 0.23], "platform": [0.45, 0.32, 0.20], "wall": [0.62, 0.63, 0.65],
              "wall_distance_m": 2.5, "background": [0.55, 0.56, 0.58]},
    "render": {"engine": "BLENDER_WORKBENCH", "aa": "5", "shadows": True, "cavity": True,
               "crf": 23, "max_frames": None},
}

GT_JOINTS = ["shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index", "ear", "eye"]
GT_CENTRAL = ["nose", "crown", "bar", "L1"]
# Shirt-covered beads that draw the back's surface along the spine curve.
SPINE_BEADS = 9
PLATE_Y = 0.68          # centre of the big plate from the bar's middle (m)
PLATE_THICK = 0.055


def merge(a, b):
    out = dict(a)
    for k, v in (b or {}).items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def parse_args():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    args = {"config": None, "out": "render-out", "keep_frames": False, "max_frames": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--config":
            args["config"] = argv[i + 1]; i += 2
        elif a == "--out":
            args["out"] = argv[i + 1]; i += 2
        elif a == "--max-frames":
            args["max_frames"] = int(argv[i + 1]); i += 2
        elif a == "--keep-frames":
            args["keep_frames"] = True; i += 1
        else:
            raise SystemExit(f"render_deadlift.py: unknown argument {a!r}")
    return args


# ---------------------------------------------------------------- scene building helpers

_MATS = {}


def mat(name, rgb):
    key = (name, tuple(rgb))
    if key not in _MATS:
        m = bpy.data.materials.new(name)
        m.diffuse_color = (rgb[0], rgb[1], rgb[2], 1.0)
        m.roughness = 0.6
        _MATS[key] = m
    return _MATS[key]


def _finish(obj, material, parent):
    obj.data.materials.clear()
    obj.data.materials.append(material)
    for p in obj.data.polygons:
        p.use_smooth = True
    if parent is not None:
        obj.parent = parent
    return obj


def ellipsoid(parent, loc, radii, material, seg=20, rings=10):
    bpy.ops.mesh.primitive_uv_sphere_add(segments=seg, ring_count=rings, radius=1.0, location=(0, 0, 0))
    o = bpy.context.active_object
    o.scale = radii
    o.location = loc
    return _finish(o, material, parent)


def capsule(parent, z0, z1, r0, r1, material, x=0.0, y=0.0):
    """Tapered capsule along the parent's local z from z0 (radius r0) to z1 (radius r1)."""
    bpy.ops.mesh.primitive_cone_add(vertices=20, radius1=r0, radius2=r1, depth=z1 - z0,
                                    location=(x, y, (z0 + z1) / 2), end_fill_type='NOTHING')
    _finish(bpy.context.active_object, material, parent)
    ellipsoid(parent, (x, y, z0), (r0, r0, r0), material, 16, 8)
    ellipsoid(parent, (x, y, z1), (r1, r1, r1), material, 16, 8)


def cylinder_y(parent, loc, radius, depth, material, vertices=40):
    bpy.ops.mesh.primitive_cylinder_add(vertices=vertices, radius=radius, depth=depth, location=loc,
                                        rotation=(math.pi / 2, 0, 0))
    o = bpy.context.active_object
    o.data.materials.append(material)
    if parent is not None:
        o.parent = parent
    return o


def empty(name):
    o = bpy.data.objects.new(name, None)
    bpy.context.scene.collection.objects.link(o)
    o.rotation_mode = 'QUATERNION'
    return o


def frame_quat(direction):
    """Rotation whose local z is `direction` and whose local y is as close to world +y as possible."""
    z = Vector(direction).normalized()
    y = Vector((0.0, 1.0, 0.0))
    y = (y - z * y.dot(z))
    if y.length < 1e-6:
        y = Vector((1.0, 0.0, 0.0))
    y.normalize()
    x = y.cross(z)
    return Matrix((x, y, z)).transposed().to_quaternion()


# ---------------------------------------------------------------- the lifter

def build_lifter(L, col):
    skin = mat("skin", col["skin"])
    shirt = mat("shirt", col["shirt"])
    shorts = mat("shorts", col["shorts"])
    shoes = mat("shoes", col["shoes"])
    socks = mat("socks", col["socks"])
    hair = mat("hair", col["hair"])
    soles = mat("soles", col["soles"])
    white = mat("eye_white", [0.95, 0.95, 0.95])
    dark = mat("pupil", [0.05, 0.04, 0.04])
    lips = mat("lips", [0.55, 0.25, 0.22])
    H = L["height_m"]
    k = H / 1.78
    E = {}
    for side in ("R", "L"):
        foot = E[side + "_foot"] = empty(side + "_foot")
        fb, ff = L["foot_back"], L["foot_front"]
        ah = L["ankle_h"]
        # Low shoe: upper (dark) over a light sole; the ankle joint sits at the top of the shoe's collar.
        ellipsoid(foot, ((ff - fb) / 2, 0, 0.05 - ah), ((ff + fb) / 2 + 0.008, 0.048 * k, 0.042 * k), shoes)
        ellipsoid(foot, (-0.01, 0, 0.06 - ah), (0.06 * k, 0.045 * k, 0.045 * k), shoes)   # heel counter
        ellipsoid(foot, ((ff - fb) / 2, 0, 0.014 - ah), ((ff + fb) / 2 + 0.018, 0.054 * k, 0.016), soles)
        shank = E[side + "_shank"] = empty(side + "_shank")
        capsule(shank, 0.0, L["shank"], 0.038 * k, 0.052 * k, skin)
        ellipsoid(shank, (-0.018 * k, 0, 0.62 * L["shank"]), (0.055 * k, 0.052 * k, 0.12 * k), skin)
        ellipsoid(shank, (0.006, 0, 0.0), (0.03 * k, 0.044 * k, 0.028 * k), skin)  # malleoli
        capsule(shank, -0.015, 0.035 * k, 0.043 * k, 0.041 * k, socks)
        ellipsoid(shank, (0.045 * k, 0, L["shank"] - 0.005), (0.028 * k, 0.04 * k, 0.035 * k), skin)  # kneecap
        thigh = E[side + "_thigh"] = empty(side + "_thigh")
        capsule(thigh, 0.0, L["thigh"], 0.054 * k, 0.085 * k, skin)
        ellipsoid(thigh, (0.01 * k, 0, 0.45 * L["thigh"]), (0.072 * k, 0.07 * k, 0.16 * k), skin)
        capsule(thigh, 0.45 * L["thigh"], L["thigh"], 0.075 * k, 0.092 * k, shorts)
        ua = E[side + "_upper_arm"] = empty(side + "_upper_arm")
        capsule(ua, 0.0, L["upper_arm"], 0.05 * k, 0.04 * k, skin)
        capsule(ua, 0.0, 0.42 * L["upper_arm"], 0.06 * k, 0.054 * k, shirt)
        fa = E[side + "_forearm"] = empty(side + "_forearm")
        capsule(fa, 0.0, L["forearm"], 0.042 * k, 0.03 * k, skin)
        hand = E[side + "_hand"] = empty(side + "_hand")
        ellipsoid(hand, (0, 0, L["hand"] * 0.8), (0.042 * k, 0.05 * k, 0.05 * k), skin)

    pelvis = E["pelvis"] = empty("pelvis")
    ellipsoid(pelvis, (-0.02 * k, 0, 0.02 * k), (0.125 * k, 0.175 * k, 0.13 * k), shorts)
    ellipsoid(pelvis, (-0.02 * k, 0, 0.75 * L["lumbar"]), (0.11 * k, 0.145 * k, 0.14 * k), shirt)
    chest = E["chest"] = empty("chest")
    ellipsoid(chest, (0.01 * k, 0, 0.5 * L["thoracic"]), (0.11 * k, 0.165 * k, 0.6 * L["thoracic"]), shirt)
    # The back's surface: beads along a smooth spine curve from the hips through L1 to the
    # shoulders (see pose_figure). A neutral back is then a straight line, and lumbar flexion a
    # smooth hump rather than a kink between two rigid shells.
    for i in range(SPINE_BEADS):
        bead = E[f"spine{i}"] = empty(f"spine{i}")
        ellipsoid(bead, (-0.012 * k, 0, 0), (0.108 * k, 0.15 * k, 0.075 * k), shirt, 16, 8)
    for s in (-1, 1):
        ellipsoid(chest, (-0.005 * k, s * L["shoulder_half_width"] * 0.95, L["thoracic"] - 0.01),
                  (0.06 * k, 0.065 * k, 0.06 * k), shirt)
    neck = E["neck"] = empty("neck")
    capsule(neck, 0.0, L["neck"] + 0.02, 0.052 * k, 0.048 * k, skin)
    head = E["head"] = empty("head")
    hh = L["head"]
    ellipsoid(head, (0.06 * hh, 0, 0.55 * hh), (0.095 * k, 0.078 * k, 0.118 * k), skin, 24, 12)
    ellipsoid(head, (0.0, 0, 0.68 * hh), (0.1 * k, 0.083 * k, 0.1 * k), hair, 24, 12)   # hair cap, back/top
    ellipsoid(head, (0.35 * hh, 0, 0.28 * hh), (0.055 * k, 0.06 * k, 0.045 * k), skin)  # jaw/chin
    for s in (-1, 1):
        ellipsoid(head, (0.40 * hh, s * 0.032 * k, 0.55 * hh), (0.012, 0.016, 0.01), white, 12, 6)
        ellipsoid(head, (0.415 * hh, s * 0.032 * k, 0.55 * hh), (0.006, 0.008, 0.008), dark, 10, 5)
        ellipsoid(head, (0.41 * hh, s * 0.032 * k, 0.62 * hh), (0.006, 0.02, 0.004), hair, 10, 5)  # brow
        ellipsoid(head, (-0.02 * hh, s * 0.078 * k, 0.50 * hh), (0.018, 0.01, 0.03), skin, 12, 6)  # ear
    ellipsoid(head, (0.46 * hh, 0, 0.45 * hh), (0.018, 0.014, 0.028), skin, 12, 6)   # nose
    ellipsoid(head, (0.42 * hh, 0, 0.34 * hh), (0.01, 0.025, 0.006), lips, 12, 6)    # mouth
    return E


def build_scene(cfg):
    sc = cfg["scene"]
    bpy.ops.mesh.primitive_plane_add(size=30, location=(0, 0, 0))
    bpy.context.active_object.data.materials.append(mat("floor", sc["floor"]))
    bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 0.01))
    plat = bpy.context.active_object
    plat.scale = (2.0, 3.0, 0.02)
    plat.data.materials.append(mat("platform", sc["platform"]))
    bpy.ops.mesh.primitive_plane_add(size=30, location=(0, sc["wall_distance_m"], 5),
                                     rotation=(math.pi / 2, 0, 0))
    bpy.context.active_object.data.materials.append(mat("wall", sc["wall"]))
    # Barbell
    bar = empty("barbell")
    steel = mat("steel", [0.6, 0.6, 0.62])
    black = mat("plate", [0.04, 0.04, 0.045])
    hub = mat("hub", [0.75, 0.75, 0.78])
    cylinder_y(bar, (0, 0, 0), motion.BAR_RADIUS_M, 2.2, steel, 16)
    for s in (-1, 1):
        cylinder_y(bar, (0, s * PLATE_Y, 0), motion.PLATE_RADIUS_M, PLATE_THICK, black)
        cylinder_y(bar, (0, s * (PLATE_Y + PLATE_THICK / 2 + 0.001), 0), 0.05, 0.004, hub, 24)
        cylinder_y(bar, (0, s * (PLATE_Y + 0.06), 0), 0.2, 0.045, black)
        cylinder_y(bar, (0, s * 0.62, 0), 0.03, 0.05, steel, 16)  # inner collar
        cylinder_y(bar, (0, s * 0.85, 0), 0.025, 0.35, steel, 16)  # sleeve
    return bar


def setup_camera(cfg):
    c = cfg["camera"]
    yaw = math.radians(c["yaw_deg"])
    target = Vector((c["target_x_m"], 0.0, c["target_z_m"]))
    pos = Vector((target.x + c["distance_m"] * math.sin(yaw), -c["distance_m"] * math.cos(yaw), c["height_m"]))
    cam_data = bpy.data.cameras.new("cam")
    cam_data.lens = c["lens_mm"]
    cam_data.sensor_width = 36.0
    cam_data.sensor_fit = 'HORIZONTAL'
    cam = bpy.data.objects.new("cam", cam_data)
    bpy.context.scene.collection.objects.link(cam)
    cam.location = pos
    cam.rotation_mode = 'QUATERNION'
    cam.rotation_quaternion = (target - pos).to_track_quat('-Z', 'Y')
    bpy.context.scene.camera = cam
    return cam


def setup_render(cfg):
    s = bpy.context.scene
    r = cfg["render"]
    s.render.engine = r["engine"]
    s.render.resolution_x = cfg["width"]
    s.render.resolution_y = cfg["height"]
    s.render.resolution_percentage = 100
    s.render.image_settings.file_format = 'PNG'
    s.render.image_settings.color_mode = 'RGB'
    s.view_settings.view_transform = 'Standard'
    if r["engine"] == "BLENDER_WORKBENCH":
        d = s.display
        d.shading.light = 'STUDIO'
        d.shading.color_type = 'MATERIAL'
        d.shading.show_shadows = bool(r["shadows"])
        d.shading.show_cavity = bool(r["cavity"])
        d.render_aa = str(r["aa"])
    if s.world is None:
        s.world = bpy.data.worlds.new("world")
    s.world.color = cfg["scene"]["background"]


# ---------------------------------------------------------------- per frame

def place(obj, origin, direction=None):
    obj.location = Vector(origin)
    obj.rotation_quaternion = frame_quat(direction) if direction is not None else Quaternion()


def pose_figure(E, bar_obj, j):
    V = lambda n: Vector(j[n])  # noqa: E731
    for s in ("R", "L"):
        place(E[s + "_foot"], V(s + "_ankle"))
        place(E[s + "_shank"], V(s + "_ankle"), V(s + "_knee") - V(s + "_ankle"))
        place(E[s + "_thigh"], V(s + "_knee"), V(s + "_hip") - V(s + "_knee"))
        place(E[s + "_upper_arm"], V(s + "_shoulder"), V(s + "_elbow") - V(s + "_shoulder"))
        place(E[s + "_forearm"], V(s + "_elbow"), V(s + "_wrist") - V(s + "_elbow"))
        place(E[s + "_hand"], V(s + "_wrist"), V(s + "_hand") - V(s + "_wrist"))
    place(E["pelvis"], V("mid_hip"), V("L1") - V("mid_hip"))
    place(E["chest"], V("L1"), V("mid_shoulder") - V("L1"))
    # Quadratic Bezier hip -> shoulder whose midpoint is L1.
    p0, p2 = V("mid_hip"), V("mid_shoulder")
    c = 2 * V("L1") - (p0 + p2) / 2
    for i in range(SPINE_BEADS):
        t = 0.12 + 0.8 * i / (SPINE_BEADS - 1)
        point = (1 - t) ** 2 * p0 + 2 * t * (1 - t) * c + t * t * p2
        tangent = 2 * (1 - t) * (c - p0) + 2 * t * (p2 - c)
        place(E[f"spine{i}"], point, tangent)
    place(E["neck"], V("mid_shoulder"), V("head_base") - V("mid_shoulder"))
    place(E["head"], V("head_base"), V("crown") - V("head_base"))
    bar_obj.location = V("bar")


def hidden_by_barbell(scene, deps, cam, p, bar_obj):
    """True when the first surface on the camera's ray to joint p belongs to the barbell."""
    origin = cam.matrix_world.translation
    d = Vector(p) - origin
    hit, _loc, _n, _i, obj, _m = scene.ray_cast(deps, origin, d.normalized(), distance=d.length)
    return bool(hit and obj is not None and obj.parent is bar_obj)


def project(scene, cam, p):
    v = world_to_camera_view(scene, cam, Vector(p))
    return [round(v.x * scene.render.resolution_x, 2), round((1.0 - v.y) * scene.render.resolution_y, 2)]


def main():
    args = parse_args()
    cfg = DEFAULT_CONFIG
    if args["config"]:
        with open(args["config"]) as fh:
            cfg = merge(DEFAULT_CONFIG, json.load(fh))
    name = cfg["name"]
    out_dir = os.path.abspath(args["out"])
    frames_dir = os.path.join(out_dir, name + "_frames")
    os.makedirs(frames_dir, exist_ok=True)

    L, m, seq = motion.sequence(cfg["body"], cfg["motion"], cfg["faults"], cfg["fps"], cfg["duration_s"])
    max_frames = args["max_frames"] or cfg["render"].get("max_frames")
    if max_frames:
        seq = seq[:max_frames]

    bpy.ops.wm.read_factory_settings(use_empty=True)
    _MATS.clear()
    scene = bpy.context.scene
    setup_render(cfg)
    E = build_lifter(L, cfg["colours"])
    bar_obj = build_scene(cfg)
    cam = setup_camera(cfg)

    frames = []
    t0 = time.time()
    for i, (t, j, met) in enumerate(seq):
        pose_figure(E, bar_obj, j)
        bpy.context.view_layer.update()
        scene.render.filepath = os.path.join(frames_dir, f"f_{i:05d}.png")
        bpy.ops.render.render(write_still=True)
        px, world = {}, {}
        hidden = []
        deps = bpy.context.evaluated_depsgraph_get()
        for s in ("R", "L"):
            for n in GT_JOINTS:
                px[f"{s}_{n}"] = project(scene, cam, j[f"{s}_{n}"])
                world[f"{s}_{n}"] = [round(c, 4) for c in j[f"{s}_{n}"]]
                if hidden_by_barbell(scene, deps, cam, j[f"{s}_{n}"], bar_obj):
                    hidden.append(f"{s}_{n}")
        for n in GT_CENTRAL:
            px[n] = project(scene, cam, j[n])
            world[n] = [round(c, 4) for c in j[n]]
        b = Vector(j["bar"])
        pc = b + Vector((0.0, -PLATE_Y, 0.0))
        px["plate_center"] = project(scene, cam, pc)
        world["plate_center"] = [round(c, 4) for c in pc]
        top = project(scene, cam, pc + Vector((0, 0, motion.PLATE_RADIUS_M)))
        bot = project(scene, cam, pc - Vector((0, 0, motion.PLATE_RADIUS_M)))
        plate_r = math.hypot(top[0] - bot[0], top[1] - bot[1]) / 2
        up = project(scene, cam, b + Vector((0, 0, 0.5)))
        dn = project(scene, cam, b - Vector((0, 0, 0.5)))
        cm_per_px = 100.0 / math.hypot(up[0] - dn[0], up[1] - dn[1])
        frames.append({"frame": i, "t": round(t, 4), "px": px, "world": world, "metrics": met,
                       "hidden_by_barbell": hidden,
                       "plate_radius_px": round(plate_r, 2), "cm_per_px": round(cm_per_px, 4)})
        print(f"render_deadlift: frame {i + 1}/{len(seq)}", flush=True)
    secs = (time.time() - t0) / max(1, len(seq))

    mp4 = os.path.join(out_dir, name + ".mp4")
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-framerate", str(cfg["fps"]),
                    "-i", os.path.join(frames_dir, "f_%05d.png"), "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-crf", str(cfg["render"]["crf"]), "-movflags", "+faststart", mp4], check=True)

    faults = []
    for f in cfg["faults"]:
        faults.append({"code": f["code"], "fault": motion.FAULT_NAMES.get(f["code"], f["code"]),
                       "start_s": f["start_s"], "end_s": f["end_s"], "t_start": f["start_s"], "t_end": f["end_s"],
                       "size": f["size"], "unit": motion.FAULT_UNITS.get(f["code"], ""), "note": f.get("note", "")})
    f0 = frames[0]
    gt = {
        "schema": "liftform.synthetic_gt/v1",
        "clip": name,
        "video": os.path.basename(mp4),
        "fps": cfg["fps"], "width": cfg["width"], "height": cfg["height"],
        "camera_yaw_deg": cfg["camera"]["yaw_deg"],
        "camera": cfg["camera"],
        "n_frames": len(frames),
        "body_height_m": L["height_m"],
        "cm_per_px": f0["cm_per_px"],
        "plate_diameter_mm": 2000 * motion.PLATE_RADIUS_M,
        "near_side": "R",
        "faults": faults,
        "frames": frames,
        "render_seconds_per_frame": round(secs, 3),
        "config": cfg,
        "segments_m": {k: round(v, 4) for k, v in L.items()},
        "motion": m,
    }
    with open(os.path.join(out_dir, name + "_gt.json"), "w") as fh:
        json.dump(gt, fh, separators=(",", ":"))
    if not args["keep_frames"]:
        shutil.rmtree(frames_dir)
    print(f"render_deadlift: wrote {mp4} ({len(frames)} frames, {secs:.2f} s/frame)", flush=True)


if __name__ == "__main__":
    main()
