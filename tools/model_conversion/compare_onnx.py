"""Numeric comparison of a converted ONNX model against a reference ONNX model and/or the source TFLite.

Inputs used:
* `--random N` uniform random tensors in the model's input range (seeds 0..N-1);
* each `--image`: for the detector, the photo letterboxed (aspect kept, centred, black border)
  to 224x224 and scaled to [-1, 1]; for a landmark model, the 256x256 rotated ROI crop that
  MediaPipe's rules give from the best detector anchor (needs `--detector`), scaled to [0, 1].
  Without `--detector` the landmark model gets the letterboxed photo instead.

The candidate and reference ONNX run in ONNX Runtime (CPU); the TFLite file in tf.lite.Interpreter
with its default (XNNPACK) kernels. Prints the max absolute difference of every output per input,
and optionally writes everything as JSON.

usage: python compare_onnx.py KEY CANDIDATE.onnx [--reference REF.onnx] [--tflite SRC.tflite]
                              [--detector DET.onnx] [--image IMG ...] [--random 3] [--json OUT]
"""

import argparse
import hashlib
import json
import math
import os
import warnings

import numpy as np
import onnxruntime as ort

from spec import MODELS, tflite_io_names

# tf.lite.Interpreter still works in TF 2.21; its deprecation notice is just noise here.
warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter is deprecated")

DET_SIZE, LM_SIZE = 224, 256


# ----------------------------------------------------------------------------- runners

class OnnxRunner:
    def __init__(self, path):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.outputs = [o.name for o in self.session.get_outputs()]

    def __call__(self, x):
        return dict(zip(self.outputs, self.session.run(None, {self.input: x})))


class TfliteRunner:
    def __init__(self, path, key):
        import tensorflow as tf

        _, tfl_outputs = tflite_io_names(path)
        names = dict(zip(tfl_outputs, MODELS[key]["outputs"]))
        self.interp = tf.lite.Interpreter(model_path=path)
        self.interp.allocate_tensors()
        self.input = self.interp.get_input_details()[0]["index"]
        self.outputs = [(names[d["name"]], d["index"]) for d in self.interp.get_output_details()]

    def __call__(self, x):
        self.interp.set_tensor(self.input, x)
        self.interp.invoke()
        return {name: self.interp.get_tensor(index).copy() for name, index in self.outputs}


# ----------------------------------------------------------------------------- real inputs

def load_rgb(path):
    import tensorflow as tf

    data = tf.io.read_file(path)
    return tf.io.decode_image(data, channels=3, expand_animations=False).numpy()


def letterbox(rgb, size):
    """Scale the whole image into size x size, aspect kept, centred, zero border. Returns uint8-range floats."""
    import tensorflow as tf

    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    resized = tf.image.resize(rgb.astype(np.float32), (nh, nw), method="bilinear").numpy()
    out = np.zeros((size, size, 3), np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = resized
    return out


def detector_tensor(rgb):
    return (letterbox(rgb, DET_SIZE) / 127.5 - 1.0)[None].astype(np.float32)


def ssd_anchor_centres():
    """Centres of the 2254 SSD anchors (strides 8,16,32,32,32; 2 anchors per layer and cell)."""
    strides = [8, 16, 32, 32, 32]
    centres = []
    for stride in sorted(set(strides)):
        per_cell = 2 * strides.count(stride)
        grid = math.ceil(DET_SIZE / stride)
        for y in range(grid):
            for x in range(grid):
                centres.extend([((x + 0.5) / grid, (y + 0.5) / grid)] * per_cell)
    return np.array(centres, np.float32)


def roi_from_detector(rgb, detector):
    """Rotated square ROI (cx, cy, side, rotation) from the highest-scoring anchor (no NMS)."""
    h, w = rgb.shape[:2]
    out = detector(detector_tensor(rgb))
    best = int(np.argmax(out["classificators"][0, :, 0]))
    anchor = ssd_anchor_centres()[best]
    raw = out["regressors"][0, best] / DET_SIZE
    s = max(h, w)
    pad = np.array([(1 - w / s) / 2, (1 - h / s) / 2])
    points = []
    for k in (0, 1):  # keypoint 0: hip centre, keypoint 1: full-body scale/rotation point
        p = raw[4 + 2 * k:6 + 2 * k] + anchor
        p = (p - pad) / (1 - 2 * pad)
        points.append(p * (w, h))
    (x0, y0), (x1, y1) = points
    rotation = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    rotation = (rotation + math.pi) % (2 * math.pi) - math.pi
    side = 2 * math.hypot(x1 - x0, y1 - y0) * 1.25
    return x0, y0, side, rotation


def roi_crop(rgb, roi):
    """256x256 bilinear crop of a rotated square, edge pixels replicated (approximately)."""
    import tensorflow as tf

    cx, cy, side, rot = roi
    c, s, k = math.cos(rot), math.sin(rot), side / LM_SIZE
    # output (u, v) -> input (x, y) = centre + R(rot) * ((u, v) * k - side / 2)
    transform = [
        c * k, -s * k, cx - c * side / 2 + s * side / 2,
        s * k, c * k, cy - s * side / 2 - c * side / 2,
        0.0, 0.0,
    ]
    image = tf.constant(rgb[None].astype(np.float32))
    crop = tf.raw_ops.ImageProjectiveTransformV3(
        images=image,
        transforms=tf.constant([transform], tf.float32),
        output_shape=tf.constant([LM_SIZE, LM_SIZE], tf.int32),
        fill_value=tf.constant(0.0),
        interpolation="BILINEAR",
        fill_mode="NEAREST",
    )
    return crop.numpy()[0]


# ----------------------------------------------------------------------------- graph structure

def graph_signature(path):
    """Name-independent description of an ONNX graph.

    Every tensor gets a hash built from what computes it: initializers from dtype, shape and
    values; node outputs from op type, attributes and the hashes of the node's inputs. Two graphs
    with equal signatures compute the same function with the same weights, whatever their
    internal tensor and node names.
    """
    import onnx
    from onnx import AttributeProto, numpy_helper

    def digest(*parts):
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    graph = onnx.load(path).graph
    sig = {"": "absent"}
    for init in graph.initializer:
        values = numpy_helper.to_array(init)
        sig[init.name] = digest("init", init.data_type, tuple(init.dims),
                                hashlib.sha256(values.tobytes()).hexdigest())
    for info in graph.input:
        sig.setdefault(info.name, digest("input", info.name, info.type.SerializeToString()))
    nodes = []
    for node in graph.node:  # ONNX requires topological order
        attrs = []
        for attr in sorted(node.attribute, key=lambda a: a.name):
            if attr.type == AttributeProto.TENSOR:
                t = attr.t
                value = (t.data_type, tuple(t.dims), numpy_helper.to_array(t).tobytes())
            else:
                value = onnx.helper.get_attribute_value(attr)
            attrs.append((attr.name, repr(value)))
        node_sig = digest(node.domain, node.op_type, tuple(attrs), tuple(sig[i] for i in node.input))
        nodes.append(node_sig)
        for index, name in enumerate(node.output):
            sig[name] = digest(node_sig, index)
    outputs = [(o.name, o.type.SerializeToString(), sig[o.name]) for o in graph.output]
    return {"nodes": sorted(nodes), "outputs": outputs, "initializers": len(graph.initializer)}


def compare_structure(candidate, reference):
    a, b = graph_signature(candidate), graph_signature(reference)
    if a == b:
        return f"identical up to internal names ({len(a['nodes'])} nodes, {a['initializers']} initializers)"
    common = len(set(a["nodes"]) & set(b["nodes"]))
    return (f"DIFFERENT: {len(a['nodes'])} vs {len(b['nodes'])} nodes, {common} node signatures in common, "
            f"outputs {'equal' if a['outputs'] == b['outputs'] else 'differ'}")


# ----------------------------------------------------------------------------- main

def max_abs(a, b):
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("key", choices=sorted(MODELS))
    parser.add_argument("candidate")
    parser.add_argument("--reference", help="reference ONNX (e.g. the shipped models/ file)")
    parser.add_argument("--tflite", help="source TFLite file")
    parser.add_argument("--detector", help="detector ONNX used to find ROIs for landmark models")
    parser.add_argument("--image", action="append", default=[])
    parser.add_argument("--random", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    spec = MODELS[args.key]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    candidate = OnnxRunner(args.candidate)
    if candidate.outputs != spec["outputs"] or candidate.input != spec["input"]:
        raise SystemExit(f"unexpected I/O names {candidate.input} -> {candidate.outputs}")
    against = {}
    if args.reference:
        against["onnx_ref"] = OnnxRunner(args.reference)
    if args.tflite:
        against["tflite"] = TfliteRunner(args.tflite, args.key)
    if not against:
        raise SystemExit("nothing to compare against: give --reference and/or --tflite")

    shape = candidate.session.get_inputs()[0].shape
    lo, hi = spec["input_range"]
    cases = []
    for seed in range(args.random):
        x = np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)
        cases.append((f"random{seed}", "random", x))
    detector = OnnxRunner(args.detector) if args.detector else None
    for path in args.image:
        rgb = load_rgb(path)
        name = os.path.splitext(os.path.basename(path))[0]
        if args.key == "detector":
            cases.append((f"{name}_letterbox", "real", detector_tensor(rgb)))
        elif detector is not None:
            crop = roi_crop(rgb, roi_from_detector(rgb, detector))
            cases.append((f"{name}_roi", "real", (crop / 255.0)[None].astype(np.float32)))
        else:
            cases.append((f"{name}_letterbox", "real", (letterbox(rgb, LM_SIZE) / 255.0)[None].astype(np.float32)))

    results = {"model": args.key, "candidate": args.candidate, "cases": {}, "summary": {}}
    for case, kind, x in cases:
        got = candidate(x)
        row = {}
        for label, runner in against.items():
            want = runner(x)
            row[label] = {name: max_abs(got[name], want[name]) for name in spec["outputs"]}
            for name, diff in row[label].items():
                key = f"{label}/{kind}/{name}"
                results["summary"][key] = max(results["summary"].get(key, 0.0), diff)
        results["cases"][case] = row

    print(f"compare: {args.key}: max |candidate - X| per output")
    for label in against:
        print(f"  vs {label}:")
        for kind in ("random", "real"):
            vals = [f"{n}={results['summary'][f'{label}/{kind}/{n}']:.3g}" for n in spec["outputs"]
                    if f"{label}/{kind}/{n}" in results["summary"]]
            if vals:
                count = sum(1 for _, k, _ in cases if k == kind)
                print(f"    {kind:6s} ({count}): " + ", ".join(vals))
    if args.reference:
        results["structure_vs_reference"] = compare_structure(args.candidate, args.reference)
        print(f"  graph structure vs onnx_ref: {results['structure_vs_reference']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
