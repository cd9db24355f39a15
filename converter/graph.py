"""One Keras network -> a TF.js graph model, and that graph back into TensorFlow
(converter/convert.py measures every weight format with it).

Route: Keras model -> ``model.export()`` (a TF SavedModel; needs the TensorFlow
backend) -> ``tensorflowjs.converters.convert_tf_saved_model`` -> a graph model
(model.json + weight shards) that the browser loads with ``tf.loadGraphModel``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# tensorflowjs imports tensorflow_decision_forests, whose welcome message does
# `import IPython` when stdout is not a terminal (pytest, make): not installed.
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402

DTYPES = ("float32", "float16", "float16-kernels", "uint8")
QUANTISATION = {"float32": None, "float16": {"float16": "*"}, "uint8": {"uint8": "*"}}
# float16-kernels: float16 for the tensors of at least this many values (kernels), float32
# for the rest (biases, gains, and the scalars of GELU's tanh formula, whose float16
# rounding moved a pixel of the low-rate decoder by 2 grey levels, where float16 kernels moved none by more than 1).
KERNEL_MIN_VALUES = 256
OUTPUT_KEY = "output_0"  # the signature key model.export() gives the single output


class ConversionError(Exception):
    """Something the person running the conversion must fix (one line)."""


# ---------------------------------------------------------------------------
# conversion and loading back
# ---------------------------------------------------------------------------

def export_saved_model(model, folder) -> None:
    if keras.backend.backend() != "tensorflow":
        raise ConversionError("the converter needs the TensorFlow backend (KERAS_BACKEND=tensorflow)")
    model.export(str(folder), format="tf_saved_model", verbose=False)


def convert_saved_model(saved_model, out, dtype: str, float32_export=None) -> None:
    """One weight format; ``float32_export``: the float32 conversion's folder, before
    compact_model_json (float16-kernels takes the names of its big tensors from it)."""
    import tensorflowjs as tfjs

    quantisation = QUANTISATION.get(dtype)
    if dtype == "float16-kernels":
        spec = json.loads((Path(float32_export) / "model.json").read_text())
        quantisation = {"float16": [w["name"] for group in spec["weightsManifest"] for w in group["weights"]
                                    if int(np.prod(w["shape"])) >= KERNEL_MIN_VALUES]}
    tfjs.converters.convert_tf_saved_model(str(saved_model), str(out), quantization_dtype_map=quantisation)


def compact_model_json(folder) -> None:
    """Shorten the graph's node names (n0, n1, ...) and drop the JSON whitespace.

    The converter keeps TF's scoped names ("StatefulPartitionedCall/talk_decoder_1/
    dec_up1_1/Repeat_1/strided_slice_2/stack"), which made model.json several times
    larger than the weights of the small networks. Names only link nodes, weights
    and the signature, so all three are renamed together; placeholders keep their
    names (they are the signature's inputs). Graphs with functions keep their names.
    A Const node whose value is in the weight shards also loses its attributes:
    tfjs maps no attribute of Const (value and dtype come from the weights
    manifest), and :class:`GraphRunner` puts them back for TensorFlow.
    """
    path = Path(folder) / "model.json"
    spec = json.loads(path.read_text())
    topology = spec["modelTopology"]
    in_weights = {w["name"] for group in spec["weightsManifest"] for w in group["weights"]}
    for node in topology["node"]:
        if node["op"] == "Const" and node["name"] in in_weights:
            node.pop("attr", None)
    if not topology.get("library"):
        names = {}
        for node in topology["node"]:
            names[node["name"]] = node["name"] if node["op"] == "Placeholder" else f"n{len(names)}"
        if len(set(names.values())) != len(names):
            raise ConversionError(f"{path}: an input is named like a generated node name (n<number>)")

        def rename(ref: str) -> str:  # "name", "name:1" or "^name"
            ctrl, ref = ("^", ref[1:]) if ref.startswith("^") else ("", ref)
            base, colon, port = ref.partition(":")
            return ctrl + names[base] + colon + port

        for node in topology["node"]:
            node["name"] = names[node["name"]]
            if "input" in node:
                node["input"] = [rename(r) for r in node["input"]]
        for group in spec["weightsManifest"]:
            for w in group["weights"]:
                w["name"] = names[w["name"]]
        for io in spec["signature"].values():
            for info in io.values():
                info["name"] = rename(info["name"])
    path.write_text(json.dumps(spec, separators=(",", ":")))


def folder_bytes(folder) -> int:
    return sum(p.stat().st_size for p in Path(folder).iterdir() if p.is_file())


class GraphRunner:
    """A converted graph model run by TensorFlow in Python, with the weights the
    browser gets (read back from the shards and dequantised by tensorflowjs).

    ``predict`` has the Keras signature the codec classes use, so
    ``TalkCodec(GraphRunner(...), ...)`` runs the real codec on the export.
    """

    def __init__(self, folder, input_names):
        import tensorflow as tf
        from google.protobuf import json_format
        from tensorflowjs import read_weights

        folder = Path(folder)
        spec = json.loads((folder / "model.json").read_text())
        graph_def = json_format.ParseDict(spec["modelTopology"], tf.compat.v1.GraphDef())
        weights = {w["name"]: w["data"] for group in read_weights.read_weights(spec["weightsManifest"], str(folder))
                   for w in group}
        # A fused op's bias and other args may come as [1, 1, 1, C] (the graph model's
        # own folding): TF.js broadcasts them, TensorFlow's CPU kernel (without
        # oneDNN's rewrite, which depends on the machine) wants them 1-D.
        fused_args = {name.split(":")[0] for node in graph_def.node if node.op.startswith("_Fused")
                      for name in node.input[2:]}
        for node in graph_def.node:  # the converter stripped the values of these Const nodes
            if node.name in weights:
                value = weights[node.name]
                tensor = tf.make_tensor_proto(value.reshape(-1) if node.name in fused_args else value)
                node.attr["value"].tensor.CopyFrom(tensor)
                node.attr["dtype"].type = tensor.dtype
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.graph_util.import_graph_def(graph_def, name="")
        self.session = tf.compat.v1.Session(graph=self.graph)
        self.feeds = [spec["signature"]["inputs"][name]["name"] for name in input_names]
        self.fetch = spec["signature"]["outputs"][OUTPUT_KEY]["name"]

    def predict(self, inputs, batch_size=1024, verbose=0):
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        n = len(inputs[0])
        parts = [self.session.run(self.fetch, {f: x[i:i + batch_size] for f, x in zip(self.feeds, inputs)})
                 for i in range(0, n, batch_size)]
        return np.concatenate(parts)

    def close(self):
        self.session.close()
