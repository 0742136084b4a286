"""Post-process a tf2onnx result into the shipped form.

* fp16 weight storage: tf2onnx folds MediaPipe's fp16->fp32 DEQUANTIZE ops into fp32 constants,
  doubling the file size. Every fp32 initializer with at least 64 elements whose values all survive
  a round trip through fp16 unchanged is stored as an fp16 initializer `<name>_fp16`, followed by a
  node `<name>_cast` (Cast to float) that recreates `<name>`. The values are unchanged (lossless);
  ONNX Runtime folds the Casts away when it creates a session.
* I/O names: the TFLite names (`input_1`, `Identity`, `Identity_1`, ...) are replaced by the names
  in spec.MODELS, matched by the order of the TFLite subgraph outputs.
* The model is validated with onnx.checker (full_check, i.e. including shape inference).

usage: python finalize_onnx.py KEY SOURCE.tflite RAW.onnx OUT.onnx   (KEY: a key of spec.MODELS)
"""

import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from spec import MODELS, tflite_io_names

MIN_ELEMENTS = 64
PRODUCER_SUFFIX = "+fp16weights"


def fp16_exact(values):
    return np.array_equal(values.astype(np.float16).astype(np.float32), values)


def store_weights_as_fp16(graph):
    """Swap eligible fp32 initializers for fp16 ones (same position) plus leading Cast nodes."""
    initializers, casts = [], []
    for init in graph.initializer:
        values = numpy_helper.to_array(init)
        if init.data_type == TensorProto.FLOAT and values.size >= MIN_ELEMENTS and fp16_exact(values):
            half = numpy_helper.from_array(values.astype(np.float16), f"{init.name}_fp16")
            initializers.append(half)
            casts.append(
                helper.make_node(
                    "Cast", [half.name], [init.name], name=f"{init.name}_cast", to=TensorProto.FLOAT
                )
            )
        else:
            initializers.append(init)
    nodes = casts + list(graph.node)
    graph.ClearField("initializer")
    graph.initializer.extend(initializers)
    graph.ClearField("node")
    graph.node.extend(nodes)
    return len(casts), len(initializers)


def rename_values(graph, mapping):
    """Rename tensors everywhere they are referenced (nodes, graph I/O, value_info)."""
    for node in graph.node:
        for field in (node.input, node.output):
            for i, name in enumerate(field):
                if name in mapping:
                    field[i] = mapping[name]
    for info in list(graph.input) + list(graph.output) + list(graph.value_info):
        if info.name in mapping:
            info.name = mapping[info.name]


def io_mapping(key, tflite_path, graph):
    spec = MODELS[key]
    tfl_inputs, tfl_outputs = tflite_io_names(tflite_path)
    if len(tfl_inputs) != 1 or len(tfl_outputs) != len(spec["outputs"]):
        sys.exit(f"{tflite_path}: unexpected I/O {tfl_inputs} -> {tfl_outputs}")
    mapping = {tfl_inputs[0]: spec["input"]}
    mapping.update(zip(tfl_outputs, spec["outputs"]))
    onnx_io = {v.name for v in graph.input} | {v.name for v in graph.output}
    if onnx_io != set(mapping):
        sys.exit(f"ONNX graph I/O {sorted(onnx_io)} does not match TFLite I/O {sorted(mapping)}")
    return mapping


def describe(model):
    def shape(info):
        return [d.dim_value or d.dim_param for d in info.type.tensor_type.shape.dim]

    for info in model.graph.input:
        print(f"  input  {info.name:16s} {shape(info)}")
    for info in model.graph.output:
        print(f"  output {info.name:16s} {shape(info)}")
    ops = sorted({n.op_type for n in model.graph.node})
    opsets = [(o.domain or "ai.onnx", o.version) for o in model.opset_import]
    print(f"  IR {model.ir_version}, opsets {opsets}, ops {ops}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("key", choices=sorted(MODELS))
    parser.add_argument("tflite", help="the TFLite file the ONNX came from (for output order)")
    parser.add_argument("raw", help="tf2onnx output")
    parser.add_argument("out")
    args = parser.parse_args()

    model = onnx.load(args.raw)
    mapping = io_mapping(args.key, args.tflite, model.graph)
    converted, total = store_weights_as_fp16(model.graph)
    rename_values(model.graph, mapping)
    model.producer_name += PRODUCER_SUFFIX
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.out)
    print(f"finalize: {args.out}: {converted} of {total} initializers stored as fp16; renamed {mapping}")
    describe(model)


if __name__ == "__main__":
    main()
