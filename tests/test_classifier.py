"""Small CNN classifier (training/classifier.py): tiny smoke test, not the real training."""

import os
from pathlib import Path

import numpy as np

from training import classifier as clf

MNIST_DIR = os.environ.get("MNIST_DIR", "/work/shared/datasets/mnist")


def _digits(n=500):
    if Path(MNIST_DIR).is_dir():
        from training.data import load_mnist

        (x, y), _ = load_mnist(MNIST_DIR)
        return x[:n], y[:n]
    rng = np.random.default_rng(0)  # no data: random images, still exercises the code
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def test_build_train_predict_save_load(tmp_path):
    x, y = _digits(500)
    model = clf.build_classifier()
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, 10)
    model = clf.train_classifier(x, y, epochs=1, batch_size=64, model=model, verbose=0)
    assert set(model.history_) >= {"loss", "accuracy"}
    assert model.epoch_seconds_ > 0

    labels, conf = clf.predict_digits(model, x[:20])
    assert labels.shape == (20,) and conf.shape == (20,)
    assert labels.dtype.kind == "i" and ((labels >= 0) & (labels < 10)).all()
    assert ((conf > 0) & (conf <= 1)).all()
    # float input in [0, 1] with a channel axis is the same digit after 8-bit rounding
    labels_f, conf_f = clf.predict_digits(model, x[:20, :, :, None] / 255.0)
    np.testing.assert_array_equal(labels, labels_f)
    np.testing.assert_allclose(conf, conf_f, rtol=1e-5)
    acc = clf.accuracy(model, x[:100], y[:100])
    assert 0.0 <= acc <= 1.0

    path = tmp_path / "sub" / "classifier.keras"
    assert clf.save_classifier(model, path) == path
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["classifier.keras"]  # no temp file left
    loaded = clf.load_or_train(path)  # exists: loads, does not train
    labels2, conf2 = clf.predict_digits(loaded, x[:20])
    np.testing.assert_array_equal(labels, labels2)
    np.testing.assert_allclose(conf, conf2, rtol=1e-5, atol=1e-6)
