"""Keras models -> TensorFlow.js graph models + one manifest, for the site.

    python -m converter [--models-dir models] [--out site/models] [--vectors-dir tests/vectors]

See :mod:`converter.convert` for the route (Keras -> SavedModel -> tfjs graph
model), the weight-quantisation rule and the manifest layout, and
:mod:`converter.make_model_vectors` for the Python/JavaScript test vectors that
every conversion regenerates.
"""
