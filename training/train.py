"""Stage 3: training. Fits the talk's autoencoder and the learned codec, splits
each into encoder and decoder, and writes models/<name>/ whole (see artifacts).

Each model folder holds: encoder.keras, decoder.keras, codec.json (what the
codec needs besides the networks), history.json, loss.png,
reconstructions.png and metrics.json. A run keeps a checkpoint per epoch in
runs/<name>/ so ``--resume`` continues where an interruption stopped it.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from aec import atomic
from aec.levels import FIRST_MODEL_ID
from aec.pixels import round_half_up, to_float, to_pixels
from training import layers  # noqa: F401  (registers the custom layers: loading a codec folder needs them)


def describe_device() -> str:
    """Which device Keras trains on, in words (printed at the start of training)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        devices = jax.devices()
        return f"jax on {devices[0].platform.upper()} ({', '.join(str(d) for d in devices)})"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"tensorflow on {'GPU (' + ', '.join(g.name for g in gpus) + ')' if gpus else 'CPU'}"
    return backend


def use_every_device() -> int:
    """Train data parallel on every visible accelerator (keras.distribution:
    the weights on each device, each batch split between them) when JAX sees
    more than one device; otherwise on one device as before (TensorFlow always:
    Keras' distribution API is JAX's). Returns the number of devices used."""
    if keras.backend.backend() != "jax":
        return 1
    devices = keras.distribution.list_devices()
    if len(devices) < 2:
        return 1
    if keras.distribution.distribution() is None:
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        print(f"data parallel on {len(devices)} devices: {', '.join(devices)}", flush=True)
    return len(devices)


class Checkpoint(keras.callbacks.Callback):
    """After every epoch: the whole model (with optimizer state) and the history
    so far, each written atomically, so --resume can continue."""

    def __init__(self, run_dir: Path, history: dict, plan: dict):
        super().__init__()
        self.run_dir, self.history, self.plan = run_dir, history, plan

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        with atomic.atomic_path(self.run_dir / "checkpoint.keras") as tmp:
            self.model.save(tmp)
        atomic.write_json(self.run_dir / "state.json",
                             {"epoch": epoch + 1, "history": self.history, "plan": self.plan})


def _fit(name, build, x_train, x_val, *, plan, runs_dir, resume, y_train=None, y_val=None,
         extra_callbacks=(), verbose=1):
    """Shared training loop: fresh or resumed, checkpointed each epoch.
    ``plan`` ({"epochs", "batch_size"}) is saved with the checkpoint; a resumed
    run continues the saved plan."""
    devices = use_every_device()  # before any weights exist: they are made for the device mesh
    if devices > 1:  # every batch, the last one too, must split evenly over the devices
        if plan["batch_size"] % devices:
            raise SystemExit(f"error: batch size {plan['batch_size']} does not split over {devices} devices")
        x_train, y_train, x_val, y_val = (None if a is None else a[:len(a) - len(a) % devices]
                                          for a in (x_train, y_train, x_val, y_val))
    run_dir = Path(runs_dir) / name
    state_path = run_dir / "state.json"
    history, start = {}, 0
    if resume and state_path.exists() and (run_dir / "checkpoint.keras").exists():
        state = json.loads(state_path.read_text())
        model = keras.saving.load_model(run_dir / "checkpoint.keras")
        history, start = state["history"], state["epoch"]
        plan.update(state["plan"])
        print(f"[{name}] resuming from epoch {start} of {plan['epochs']} ({run_dir})", flush=True)
    else:
        if resume:
            print(f"[{name}] nothing to resume in {run_dir}: starting fresh", flush=True)
        model = build()
    run_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    if start < plan["epochs"]:
        model.fit(x_train, y_train, epochs=plan["epochs"], initial_epoch=start, batch_size=plan["batch_size"],
                  validation_data=(x_val, y_val), shuffle=True, verbose=verbose,
                  callbacks=[*extra_callbacks, Checkpoint(run_dir, history, plan)])
    seconds = time.time() - t0
    print(f"[{name}] trained {len(history.get('loss', [])) - start} epochs in {seconds:.1f} s on {describe_device()}", flush=True)
    return model, history, seconds


# ---------------------------------------------------------------- plots

def plot_loss(history: dict, path, title: str, keys=("loss", "val_loss")) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for key, label in zip(keys, ("training", "validation")):
        if key in history:
            ax.plot(range(1, len(history[key]) + 1), history[key], label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def plot_grid(rows, labels, path, title: str) -> None:
    """Rows of 28x28 uint8 images: originals on top, reconstructions below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(rows[0])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.0 + 0.4), dpi=100, squeeze=False)
    for r, (images, label) in enumerate(zip(rows, labels)):
        for c in range(n):
            ax = axes[r][c]
            ax.imshow(images[c], cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


# ---------------------------------------------------------------- the talk's network

def train_talk(x_train, x_test, out_dir, runs_dir, *, epochs=50, batch_size=128, resume=False, verbose=1):
    from aec import codec
    from training import metrics, networks
    from aec.pixels import TALK_LATENT_BITS
    from training.talk_model import LATENT_SHAPE, build_talk_autoencoder, latent_scale, split

    xf, xtf = to_float(x_train), to_float(x_test)
    model, history, seconds = _fit("talk", build_talk_autoencoder, xf, xtf, y_train=xf, y_val=xtf,
                                   plan={"epochs": epochs, "batch_size": batch_size}, runs_dir=runs_dir,
                                   resume=resume, verbose=verbose)
    encoder, decoder = split(model)
    val_bce = float(model.evaluate(xtf, xtf, batch_size=1000, verbose=0))
    scale = latent_scale(encoder.predict(xf, batch_size=1000, verbose=0))
    out = Path(out_dir) / "talk"
    with atomic.staged_folder(out) as stage:
        encoder.save(stage / "encoder.keras")
        decoder.save(stage / "decoder.keras")
        codec.write_config(stage, {"model_id": 0, "latent_scale": scale, "latent_shape": list(LATENT_SHAPE),
                                   "latent_bits": TALK_LATENT_BITS})
        talk = networks.keras_talk(stage)
        float_rec = to_pixels(decoder.predict(encoder.predict(xtf, batch_size=1000, verbose=0),
                                             batch_size=1000, verbose=0))
        files = talk.compress_digits(x_test)
        decoded = talk.decompress_digits(files)
        sizes = np.array([len(f) for f in files])
        result = {
            "model": "talk", "parameters": int(model.count_params()), "epochs": len(history.get("loss", [])),
            "train_seconds_last_run": round(seconds, 1), "device": describe_device(),
            "test_digits": int(len(x_test)),
            "val_loss_bce": val_bce,
            "psnr_float_latents": metrics.mean_psnr(x_test, float_rec),
            "psnr_8bit_latents": metrics.mean_psnr(x_test, decoded),
            "latent_values": 128, "ratio_by_value_count": 784 / 128,
            "bytes_per_digit": float(sizes.mean()), "bytes_min": int(sizes.min()), "bytes_max": int(sizes.max()),
            "compression_ratio_real_bytes": 784 / float(sizes.mean()),
        }
        atomic.write_json(stage / "history.json", history)
        atomic.write_json(stage / "metrics.json", result)
        plot_loss(history, stage / "loss.png", "The talk's autoencoder: binary cross-entropy")
        plot_grid([x_test[:10], decoded[:10]], ["original", "8-bit latents"], stage / "reconstructions.png",
                  f"The talk's network: {result['bytes_per_digit']:.0f} bytes, {result['psnr_8bit_latents']:.1f} dB")
    print(f"[talk] {json.dumps(result)}", flush=True)
    return result


# ---------------------------------------------------------------- the judge

def train_classifier(x_train, y_train, x_test, y_test, out_dir, *, epochs=4, seed=0, verbose=1):
    """The small CNN that tells whether a reconstructed digit is still that digit."""
    from training import classifier

    t0 = time.time()
    model = classifier.train_classifier(x_train, y_train, epochs=epochs, validation_data=(x_test, y_test),
                                        seed=seed, verbose=verbose)
    seconds = time.time() - t0
    folder = Path(out_dir) / "classifier"
    classifier.save_classifier(model, folder / "classifier.keras")
    result = {"model": "classifier", "epochs": epochs, "test_digits": int(len(x_test)),
              "test_accuracy": classifier.accuracy(model, x_test, y_test),
              "train_seconds_last_run": round(seconds, 1), "device": describe_device()}
    atomic.write_json(folder / "metrics.json", result)
    print(f"[classifier] {json.dumps(result)}", flush=True)
    return result


# ---------------------------------------------------------------- the learned codec

class Schedule(keras.callbacks.Callback):
    """Cosine learning rate from ``peak`` to ``peak/100`` over the planned epochs,
    and an optional time budget (a lent GPU's minutes): after the second epoch
    it shortens the plan to what fits, so the rate still decays to the end.
    The rate is a function of the step, so --resume keeps it."""

    def __init__(self, peak, plan, steps_per_epoch, max_seconds=None):
        super().__init__()
        self.peak, self.plan, self.steps_per_epoch, self.max_seconds = peak, plan, steps_per_epoch, max_seconds
        self.start = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        t = min(1.0, step / (self.plan["epochs"] * self.steps_per_epoch))
        self.model.optimizer.learning_rate = self.peak * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t)))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if not self.max_seconds or epoch < 1:
            return
        per_epoch = time.time() - self.epoch_start
        fits = epoch + 1 + int((self.max_seconds - (time.time() - self.start)) / per_epoch)
        if fits < self.plan["epochs"]:
            print(f"time budget: {fits} epochs fit in {self.max_seconds:.0f} s, not {self.plan['epochs']}", flush=True)
            self.plan["epochs"] = max(fits, epoch + 1)
        if epoch + 1 >= self.plan["epochs"]:
            self.model.stop_training = True


def choose_levels(trainer, x_check, shipped):
    """Indices of the trained levels to ship: ``shipped`` consecutive ones,
    starting at the first whose digits still come out legible (>= 22 dB) in
    at least ~7 bytes. Measured with the ideal code length on ``x_check``
    (training digits, so the test set stays unseen) plus ~1.5 bytes of header,
    termination and byte rounding."""
    from training import metrics
    from aec.codec import level_input

    L = len(trainer.lambdas)
    originals = to_pixels(x_check)
    estimates = []
    for level in range(L):
        onehot = level_input(level + 1, L, len(x_check))
        z = round_half_up(trainer.encoder.predict([x_check, onehot], batch_size=1024, verbose=0)).astype(np.float32)
        bits = keras.ops.convert_to_numpy(trainer.prior.bits(z.reshape(len(z), -1), onehot))
        x_hat = to_pixels(trainer.decoder.predict([z, onehot], batch_size=1024, verbose=0))
        psnr = metrics.mean_psnr(originals, x_hat)
        estimates.append({"lambda": trainer.lambdas[level], "bytes": float(bits.mean() / 8 + 1.5), "psnr": psnr})
        print(f"[codec] trained level lambda={trainer.lambdas[level]:g}: ~{estimates[-1]['bytes']:.1f} B, "
              f"{psnr:.2f} dB", flush=True)
    return pick_levels(estimates, shipped), estimates


LEGIBLE_PSNR = 22.0  # dB: below this a digit is hard to read
MIN_BYTES = 7.0      # smaller files than this are not worth a level of their own


def pick_levels(estimates, shipped):
    """The rule of ``choose_levels``: ``shipped`` consecutive levels from the first
    legible one of at least MIN_BYTES (the first level when none is), moved
    down so that ``shipped`` levels fit."""
    L = len(estimates)
    first = next((i for i, e in enumerate(estimates) if e["bytes"] >= MIN_BYTES and e["psnr"] >= LEGIBLE_PSNR), 0)
    first = max(0, min(first, L - shipped))
    return list(range(first, min(L, first + shipped)))


def train_codec(x_train, x_test, out_dir, runs_dir, *, epochs=95, batch_size=128, resume=False, seed=0,
                learning_rate=1e-3, lambdas=None, max_seconds=None, steps_per_execution=1, verbose=1):
    from training.codec_model import SHIPPED_LEVELS, TRAIN_LAMBDAS, build_codec, select_levels

    lambdas = tuple(lambdas or TRAIN_LAMBDAS)
    xf, xtf = to_float(x_train), to_float(x_test)
    plan = {"epochs": epochs, "batch_size": batch_size}
    schedule = Schedule(learning_rate, plan, math.ceil(len(xf) / batch_size), max_seconds)
    trainer, history, seconds = _fit(
        "codec", lambda: build_codec(lambdas, seed=seed, learning_rate=learning_rate,
                                     steps_per_execution=steps_per_execution)[1], xf, xtf,
        plan=plan, runs_dir=runs_dir, resume=resume, verbose=verbose, extra_callbacks=[schedule])
    chosen, estimates = choose_levels(trainer, xf[-2000:], SHIPPED_LEVELS)
    parts = select_levels(trainer, chosen)
    base_tables = [parts.prior.coding_tables(level) for level in range(parts.num_levels)]
    result = {
        "model": "codec", "epochs": len(history.get("loss", [])), "device": describe_device(),
        "train_seconds_last_run": round(seconds, 1),
        "parameters": {"encoder": int(parts.encoder.count_params()), "decoder": int(parts.decoder.count_params()),
                       "prior": int(parts.prior.count_params())},
        "trained_levels": estimates, "shipped_trained_levels": chosen,
    }
    config = {"levels": parts.num_levels, "lambdas": list(parts.lambdas), "latent_shape": list(parts.latent_shape),
              "first_model_id": FIRST_MODEL_ID["codec"]}
    return _write_codec(Path(out_dir) / "codec", parts.encoder, parts.decoder, config, base_tables,
                        x_train, x_test, result, history)


def train_lowrate(x_train, x_test, out_dir, runs_dir, *, epochs=None, batch_size=128, resume=False, seed=0,
                  learning_rate=1e-3, max_seconds=None, verbose=1, folder="lowrate"):
    """A global-latent codec (training/lowrate_model.py, NETWORKS[folder]: "lowrate" or "mid")
    -> models/<folder>: every trained level shipped, as the file model ids
    aec.levels.FIRST_MODEL_ID[folder].. (codec.json's first_model_id)."""
    from training.lowrate_model import NETWORKS, build_lowrate, round_to_float16

    net = NETWORKS[folder]
    xf, xtf = to_float(x_train), to_float(x_test)
    plan = {"epochs": epochs or net.epochs, "batch_size": batch_size}
    schedule = Schedule(learning_rate, plan, math.ceil(len(xf) / batch_size), max_seconds)
    trainer, history, seconds = _fit(
        folder, lambda: build_lowrate(net.lambdas, net.latents, net.filters, seed=seed, learning_rate=learning_rate,
                                      dense_channels=net.dense_channels, name=folder)[1], xf, xtf,
        plan=plan, runs_dir=runs_dir, resume=resume, verbose=verbose, extra_callbacks=[schedule])
    if net.float16_weights:  # before the tables and the measurements: these are the shipped weights
        round_to_float16(trainer.encoder, trainer.decoder)
    L = len(trainer.lambdas)
    result = {"model": folder, "epochs": len(history.get("loss", [])), "device": describe_device(),
              "train_seconds_last_run": round(seconds, 1),
              "parameters": {"encoder": int(trainer.encoder.count_params()),
                             "decoder": int(trainer.decoder.count_params()),
                             "prior": int(trainer.prior.count_params())}}
    config = {"levels": L, "lambdas": list(trainer.lambdas), "latent_shape": list(trainer.encoder.output.shape[1:]),
              "first_model_id": FIRST_MODEL_ID[folder]}
    return _write_codec(Path(out_dir) / folder, trainer.encoder, trainer.decoder, config,
                        [trainer.prior.coding_tables(level) for level in range(L)], x_train, x_test, result, history)


def fit_codec_tables(models_dir, x_train, x_test):
    """Refit the cluster tables of a trained codec (models/codec) in place: the
    last step of ``train_codec``, in minutes instead of an hour of training."""
    from aec import codec
    from aec.tables import TableSet

    folder = Path(models_dir) / "codec"
    config = codec.read_config(folder)
    tables = config.pop("tables")
    base_tables = [TableSet.from_json(tables[str(level)]).clusters[0] for level in range(1, config["levels"] + 1)]
    result = json.loads((folder / "metrics.json").read_text())
    history = json.loads((folder / "history.json").read_text())
    return _write_codec(folder, keras.saving.load_model(folder / "encoder.keras"),
                        keras.saving.load_model(folder / "decoder.keras"), config, base_tables,
                        x_train, x_test, result, history, networks_from=folder)


def _write_codec(out, encoder, decoder, config, base_tables, x_train, x_test, result, history,
                 networks_from=None):
    """Fit each level's cluster tables on the training digits, then write the
    codec folder (networks, codec.json, measurements on ``x_test``, plots).
    ``networks_from``: a folder whose .keras files are these networks, copied
    as they are (saving again would change the files' bytes, not the weights)."""
    import shutil

    from aec import codec
    from training import metrics, networks
    from training.entropy_model import fit_level_tables, tables_json_bytes

    with atomic.staged_folder(out) as stage:
        for name, model in (("encoder.keras", encoder), ("decoder.keras", decoder)):
            if networks_from:
                shutil.copyfile(Path(networks_from) / name, stage / name)
            else:
                model.save(stage / name)
        learned = codec.LearnedCodec(encoder, decoder, {}, config["latent_shape"], num_levels=len(base_tables))
        tables = {}
        for level, base in enumerate(base_tables, start=1):
            t0 = time.time()
            fitted = fit_level_tables(learned.encode_symbols(x_train, level), base)
            tables[str(level)] = fitted.to_json()
            print(f"[{out.name}] level {level}: {len(fitted)} clusters of tables ({tables_json_bytes(fitted):,} bytes of JSON) "
                  f"fitted in {time.time() - t0:.0f} s", flush=True)
        codec.write_config(stage, {**config, "tables": tables}, compact=True)
        learned = networks.keras_codec(stage)
        per_level, rows, labels = [], [x_test[:10]], ["original"]
        for model_id in learned.model_ids:
            files = learned.compress_digits(x_test, model_id)
            decoded = learned.decompress_digits(files)
            sizes = np.array([len(f) for f in files])
            level = model_id - learned.first_model_id + 1  # the network's level (codec.json's first_model_id)
            per_level.append({"level": level, "lambda": config["lambdas"][level - 1],
                              "bytes_per_digit": float(sizes.mean()), "bytes_p50": float(np.median(sizes)),
                              "psnr": metrics.mean_psnr(x_test, decoded)})
            rows.append(decoded[:10])
            labels.append(f"level {level}\n{sizes.mean():.1f} B")
        result = {**result, "test_digits": int(len(x_test)), "levels": per_level}
        atomic.write_json(stage / "history.json", history)
        atomic.write_json(stage / "metrics.json", result)
        plot_loss(history, stage / "loss.png", "Learned codec: bits + λ·SSE (mean over levels)")
        plot_grid(rows, labels, stage / "reconstructions.png", "Learned codec, every quality level")
    for row in per_level:
        print(f"[{out.name}] level {row['level']}: {row['bytes_per_digit']:.1f} B, {row['psnr']:.2f} dB", flush=True)
    return result
