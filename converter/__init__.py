"""Keras models -> TensorFlow.js graph models + one manifest, for the site.

    python -m converter [--models-dir models] [--out site/models]

See :mod:`converter.convert` for the route (Keras -> SavedModel -> tfjs graph
model), the weight-quantisation rule and the manifest layout. The model test
vectors that every conversion invalidates are rewritten by
``python tests/vectors/make_vectors.py models`` (``make convert`` runs both).
"""
