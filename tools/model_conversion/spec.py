"""Interface description of the three BlazePose models, shared by the conversion helpers.

`outputs` lists the ONNX output names in the order of the TFLite subgraph outputs
(TFLite calls them Identity, Identity_1, ...). The single input is renamed to `input`.
`input_range` is the value range of the normalised NHWC RGB input tensor.
"""

MODELS = {
    "detector": {
        "onnx": "blazepose_detector.onnx",
        "input": "input",
        "outputs": ["regressors", "classificators"],
        "input_range": (-1.0, 1.0),
    },
    "landmark_full": {
        "onnx": "blazepose_landmark_full.onnx",
        "input": "input",
        "outputs": ["landmarks", "pose_flag", "segmentation", "heatmap", "world_landmarks"],
        "input_range": (0.0, 1.0),
    },
    "landmark_heavy": {
        "onnx": "blazepose_landmark_heavy.onnx",
        "input": "input",
        "outputs": ["landmarks", "pose_flag", "segmentation", "heatmap", "world_landmarks"],
        "input_range": (0.0, 1.0),
    },
}


def tflite_io_names(path):
    """Return (input names, output names) of a .tflite file's main subgraph, in declared order."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(path)
    graph = model.subgraphs[0]

    def name(index):
        raw = graph.tensors[int(index)].name
        return raw.decode() if isinstance(raw, bytes) else raw

    return [name(i) for i in graph.inputs], [name(i) for i in graph.outputs]
