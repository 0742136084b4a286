"""Turn the sparse (DENSIFY) constant weights of a TFLite model into plain dense constants.

MediaPipe's pose_detection.tflite stores some fp16 conv weights in TFLite's sparse format and
expands them at run time with DENSIFY ops. tf2onnx cannot read such tensors, so before conversion:

1. the model is run once in the TFLite interpreter with the reference kernels only (no XNNPACK
   delegate: XNNPACK consumes the DENSIFY ops itself and their outputs are never written) and with
   every intermediate tensor preserved;
2. each DENSIFY op's dense output is read back and written into the buffer of its sparse input
   tensor, whose sparsity metadata is removed;
3. the DENSIFY ops are deleted and their consumers read the (now dense) input tensor directly.

The result is checked to give bit-identical outputs to the original on a random input.

usage: python densify_tflite.py SRC.tflite DST.tflite
"""

import argparse
import sys
import warnings

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

# tf.lite.Interpreter still works in TF 2.21; its deprecation notice is just noise here.
warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter is deprecated")

REFERENCE_KERNELS = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def opcode_of(model, op):
    code = model.operatorCodes[op.opcodeIndex]
    # Newer schemas keep small codes in deprecatedBuiltinCode and large ones in builtinCode.
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def evaluated_tensors(path, tensor_ids):
    """Values of the given tensors after one reference-kernel run on a zero input."""
    interp = tf.lite.Interpreter(
        model_path=path,
        experimental_op_resolver_type=REFERENCE_KERNELS,
        experimental_preserve_all_tensors=True,
    )
    interp.allocate_tensors()
    for detail in interp.get_input_details():
        interp.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interp.invoke()
    return {t: interp.get_tensor(t).copy() for t in tensor_ids}


def run_outputs(path, x, resolver=None):
    kwargs = {"model_path": path}
    if resolver is not None:
        kwargs["experimental_op_resolver_type"] = resolver
    interp = tf.lite.Interpreter(**kwargs)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]


def densify(src, dst):
    model = flatbuffer_utils.read_model(src)
    if len(model.subgraphs) != 1:
        sys.exit(f"{src}: expected one subgraph, found {len(model.subgraphs)}")
    graph = model.subgraphs[0]

    # (sparse const input tensor, dense output tensor) of every DENSIFY op
    pairs = [
        (int(op.inputs[0]), int(op.outputs[0]))
        for op in graph.operators
        if opcode_of(model, op) == schema.BuiltinOperator.DENSIFY
    ]
    if not pairs:
        sys.exit(f"{src}: no DENSIFY ops found")

    dense_values = evaluated_tensors(src, [out for _, out in pairs])

    replacement = {}
    for sparse_id, dense_id in pairs:
        tensor = graph.tensors[sparse_id]
        value = dense_values[dense_id]
        if tensor.type != schema.TensorType.FLOAT16 or value.dtype != np.float16:
            sys.exit(f"tensor {sparse_id}: expected fp16 weights, got {tensor.type} / {value.dtype}")
        if tuple(value.shape) != tuple(int(d) for d in tensor.shape):
            sys.exit(f"tensor {sparse_id}: dense shape {value.shape} != declared {list(tensor.shape)}")
        if not np.any(value):
            sys.exit(f"tensor {sparse_id}: densified weights are all zero (delegate interfered?)")
        model.buffers[tensor.buffer].data = np.frombuffer(value.tobytes(), dtype=np.uint8)
        tensor.sparsity = None
        replacement[dense_id] = sparse_id

    graph.operators = [
        op for op in graph.operators if opcode_of(model, op) != schema.BuiltinOperator.DENSIFY
    ]
    for op in graph.operators:
        op.inputs = [replacement.get(int(t), int(t)) for t in op.inputs]
    graph.outputs = [replacement.get(int(t), int(t)) for t in graph.outputs]

    flatbuffer_utils.write_model(model, dst)
    print(f"densify: {src}: replaced {len(pairs)} DENSIFY ops -> {dst}")


def verify(src, dst):
    shape = tf.lite.Interpreter(model_path=src).get_input_details()[0]["shape"]
    x = np.random.default_rng(20261121).uniform(-1.0, 1.0, shape).astype(np.float32)
    worst = 0.0
    for label, resolver in (("reference kernels", REFERENCE_KERNELS), ("default (XNNPACK)", None)):
        a = run_outputs(src, x, resolver)
        b = run_outputs(dst, x, resolver)
        diffs = [float(np.max(np.abs(p - q))) for p, q in zip(a, b)]
        print(f"densify: max |original - densified| with {label}: {diffs}")
        worst = max(worst, *diffs)
    if worst != 0.0:
        sys.exit("densify: densified model is not bit-identical to the original")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("dst")
    args = parser.parse_args()
    densify(args.src, args.dst)
    verify(args.src, args.dst)


if __name__ == "__main__":
    main()
