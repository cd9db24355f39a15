"""The shipped networks, run by LiteRT (``ai-edge-litert``): no TensorFlow, Keras or JAX
at run time. Chosen by measurement (README, "Runtime"): it imports in 0.2 s and 36 MB,
where TensorFlow took 5-6 s and 800 MB to run networks of about 150k weights.

The converter (converter/runtime.py) writes, per network folder:

* ``encoder.tflite``, signature ``encode``: ``image`` (BATCH,28,28,1) [, ``level`` (BATCH,L)] -> ``latents``;
* ``decoder.tflite``, signature ``decode``: ``symbols`` (BATCH, ...) [, ``level``] -> ``image``, and for a
  learned codec also ``sse_and_gradient``: one digit's squared error against ``target`` and its
  gradient with respect to the symbols (aec/search.py ranks its moves by them).

The batch is fixed (:class:`Network` pads the last one): the codec's decoder ran 3.5x faster so
than the same graph exported with a batch of any size (batches of 64, this 2-core machine;
README, "Tried and dropped").

A :class:`Network` has the ``predict`` the codec classes call (Keras's signature), so
training can hand them Keras models instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from aec.errors import ModelsError

# Digits per network call, fixed in the export (converter/runtime.py). Between 16 and 256 the
# throughput was the same within the noise here; 32 keeps a single digit's call small.
BATCH = 32
PREDICT_BATCH = BATCH
ENCODER_FILE, DECODER_FILE = "encoder.tflite", "decoder.tflite"
ENCODE, DECODE, SSE_AND_GRADIENT = "encode", "decode", "sse_and_gradient"
THREADS = min(4, os.cpu_count() or 1)


class Network:
    """One signature of a ``.tflite`` file, with Keras's ``predict``: ``inputs`` is one
    array or a list in the order of ``input_names``. The file is opened on first use, so
    loading every model costs nothing until one of them runs."""

    def __init__(self, path, signature: str, input_names, output_name: str):
        self.path, self.signature = Path(path), signature
        self.input_names, self.output_name = tuple(input_names), output_name
        self._runner = None
        if not self.path.is_file():
            raise ModelsError(f"{self.path}: no such network file")

    def runner(self, signature=None):
        if self._runner is None:
            self._interpreter = _interpreter(self.path)
            self._runner = self._interpreter.get_signature_runner(self.signature)
            batch = self._runner.get_input_details()[self.input_names[0]]["shape_signature"][0]
            self.fixed_batch = int(batch) if batch > 0 else None  # an export of one batch size: pad to it
        return self._runner if signature is None else self._interpreter.get_signature_runner(signature)

    def predict(self, inputs, batch_size: int = PREDICT_BATCH, verbose=0) -> np.ndarray:
        run = self.runner()
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        inputs = [np.ascontiguousarray(x, np.float32) for x in inputs]
        n, step = len(inputs[0]), self.fixed_batch or batch_size
        parts = []
        for i in range(0, n, step):
            chunk = [x[i:i + step] for x in inputs]
            m = len(chunk[0])
            if self.fixed_batch and m < step:
                chunk = [np.concatenate([c, np.zeros((step - m, *c.shape[1:]), np.float32)]) for c in chunk]
            parts.append(run(**dict(zip(self.input_names, chunk)))[self.output_name][:m])
        return np.concatenate(parts) if parts else np.zeros((0,), np.float32)


class Decoder(Network):
    """A learned codec's decoder: ``predict`` and the search's ``sse_and_gradient``."""

    def __init__(self, path):
        super().__init__(path, DECODE, ("symbols", "level"), "image")
        self._grad = None

    def sse_and_gradient(self, symbols, level_onehot, target):
        """Per digit: SSE of the decoded image against ``target`` (B,28,28,1), and its
        gradient with respect to ``symbols`` (B, ...). The export takes one digit at a
        time (its shapes are static, so the gradient needs only LiteRT's built-in ops)."""
        if self._grad is None:
            self._grad = self.runner(SSE_AND_GRADIENT)
        sse = np.zeros(len(symbols), np.float32)
        grad = np.zeros(np.shape(symbols), np.float32)
        for i in range(len(symbols)):
            out = self._grad(symbols=np.asarray(symbols[i:i + 1], np.float32),
                             level=np.asarray(level_onehot[i:i + 1], np.float32),
                             target=np.asarray(target[i:i + 1], np.float32))
            sse[i], grad[i] = out["sse"][0], out["gradient"][0]
        return sse, grad


def _interpreter(path: Path):
    """LiteRT's interpreter for a file, with its start-up line ("Created TensorFlow Lite
    XNNPACK delegate") kept off standard error: the command's stderr is for problems."""
    from ai_edge_litert.interpreter import Interpreter

    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        interpreter = Interpreter(model_path=str(path), num_threads=THREADS)
        interpreter.allocate_tensors()  # the delegate is made (and says so) here
        return interpreter
    except (ValueError, RuntimeError) as e:  # LiteRT's words for a damaged or foreign file
        lines = str(e).strip().splitlines()
        raise ModelsError(f"{path}: cannot load this network ({lines[0] if lines else type(e).__name__})") from None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_talk(folder) -> tuple[Network, Network]:
    """The talk's encoder and decoder (no level input)."""
    folder = Path(folder)
    return (Network(folder / ENCODER_FILE, ENCODE, ("image",), "latents"),
            Network(folder / DECODER_FILE, DECODE, ("latents",), "image"))


def load_learned(folder) -> tuple[Network, Decoder]:
    """A learned codec's encoder and decoder (with the one-hot level input)."""
    folder = Path(folder)
    return Network(folder / ENCODER_FILE, ENCODE, ("image", "level"), "latents"), Decoder(folder / DECODER_FILE)
