# One entry point for people and CI. `make serve` and `make test` set up
# everything they need (.venv, node_modules, chromium) on a fresh machine.

PY      := .venv/bin/python
PIP     := .venv/bin/pip
# Offline MNIST: the four IDX .gz files. Beside a checkout of this project the
# team keeps them in ../shared/datasets/mnist; elsewhere Keras downloads MNIST.
export MNIST_DIR ?= $(wildcard $(abspath ../shared/datasets/mnist))
export TF_CPP_MIN_LOG_LEVEL ?= 2
export NO_MKDOCS_2_WARNING ?= 1
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Where `make train` reads and writes; override for a quick end-to-end check, e.g.
#   make train MODELS_DIR=/tmp/m RESULTS_DIR=/tmp/m/results SITE_MODELS_DIR=/tmp/m/site VECTORS_DIR=/tmp/m \
#              RUNTIME_MODELS_DIR=/tmp/m/runtime RUNS_DIR=/tmp/m/runs \
#              TRAIN_ARGS="--epochs 1 --limit 1000" EVAL_ARGS="--limit 1000 --no-fashion --browser-digits 20" \
#              CONVERT_ARGS="--eval-digits 1000"
# RUNS_DIR holds the checkpoints and the unfinished run's state (runs/pipeline.json):
# `make train` again continues that run; FRESH=1 starts afresh.
MODELS_DIR      ?= models
RESULTS_DIR     ?= site/results
SITE_MODELS_DIR ?= site/models
VECTORS_DIR     ?= tests/vectors
# The runtime models the aec package ships (the converter's LiteRT export; evaluate measures them).
RUNTIME_MODELS_DIR ?= aec/models
RUNS_DIR        ?= runs
TRAIN_ARGS      ?=
EVAL_ARGS       ?=
CONVERT_ARGS    ?=
FRESH           ?=
# `make image`: the Docker image's name, the engine, and extra build options,
# e.g. IMAGE_ARGS="--build-arg GPU=1" or "--secret id=ca,src=/path/to/ca-bundle.crt".
IMAGE           ?= aec
DOCKER          ?= docker
IMAGE_ARGS      ?=

.PHONY: setup serve site test test-py test-js test-train train evaluate convert vectors bench audit clean chromium fashion-mnist \
        notebook jupyter image image-test

setup: .venv/.installed node_modules/.installed

# The package (aec, editable) with the development set (the `dev` extra); training/,
# converter/ and tools/ import from this checkout through a .pth file (the wheel ships aec only).
.venv/.installed: pyproject.toml
	python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'aec-checkout.pth').write_text('$(CURDIR)\n')"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# The evaluation's second test set (training/data.py: FASHION_MNIST_DIR); evaluate skips it when absent.
fashion-mnist:
	@test -d /usr/share/datasets/fashion-mnist || test -n "$$FASHION_MNIST_DIR" \
	  || ($(SUDO) apt-get update && $(SUDO) apt-get install -y dataset-fashion-mnist) \
	  || echo "no Fashion-MNIST: evaluate reports MNIST only"

# The site with the committed pre-trained models, on http://127.0.0.1:8000
serve: setup
	.venv/bin/mkdocs serve -a 127.0.0.1:8000

site: setup
	.venv/bin/mkdocs build --strict

# Every test but the whole tiny `make train` (test-train: about 21 min here, too long for CI).
test: setup chromium notebook
	$(PY) -m pytest -q -m "not slow" --durations=20
	node --test tests/js/

test-py: setup
	$(PY) -m pytest -q -m "not browser and not slow"

# The whole tiny `make train`, killed after its first stage and run again (tests/test_pipeline.py).
test-train: setup
	$(PY) -m pytest -q -m slow

test-js: setup
	node --test tests/js/

# The walkthrough notebook, run top to bottom with its small setting into
# build/notebook/ (the site's notebook page shows that copy).
notebook: setup
	$(PY) theme/notebook.py

# The notebook in JupyterLab, with the data folder above (MNIST_DIR). In the
# Docker image: JUPYTER_ARGS="--ip 0.0.0.0 --allow-root --no-browser".
JUPYTER_ARGS ?=
jupyter: setup
	.venv/bin/jupyter lab $(JUPYTER_ARGS) notebooks/talk-walkthrough.ipynb

# One image that serves the site and runs make test / make train (see Dockerfile).
image:
	$(DOCKER) build $(IMAGE_ARGS) -t $(IMAGE) .

# The image built and tested without a Docker engine: podman's chroot build on
# a debootstrapped Debian base, then make test inside (tools/image_test.sh).
image-test:
	tools/image_test.sh

# Rebuild every shipped model, then the exports (TF.js for the site, LiteRT for the package),
# the evaluation of what the package runs and the vectors: one stage after another (training/pipeline.py: `python -m training pipeline --list`),
# resumable: run again after an interruption, it skips the finished stages.
train: setup fashion-mnist
	$(PY) -m training pipeline --models-dir $(MODELS_DIR) --results-dir $(RESULTS_DIR) \
	  --site-models-dir $(SITE_MODELS_DIR) --vectors-dir $(VECTORS_DIR) \
	  --runtime-models-dir $(RUNTIME_MODELS_DIR) --runs-dir $(RUNS_DIR) \
	  --train-args='$(TRAIN_ARGS)' --eval-args='$(EVAL_ARGS)' --convert-args='$(CONVERT_ARGS)' $(if $(filter-out 0,$(FRESH)),--fresh)

evaluate: setup fashion-mnist
	$(PY) -m training evaluate --models-dir $(MODELS_DIR) --codecs-dir $(RUNTIME_MODELS_DIR) --results-dir $(RESULTS_DIR) --site-models-dir $(SITE_MODELS_DIR)

convert: setup
	$(PY) -m converter --models-dir $(MODELS_DIR) --out $(SITE_MODELS_DIR) --runtime-out $(RUNTIME_MODELS_DIR)
	$(PY) tests/vectors/make_vectors.py models bits search --models-dir $(MODELS_DIR) --site-models $(SITE_MODELS_DIR) \
	  --codecs-dir $(RUNTIME_MODELS_DIR) --out $(VECTORS_DIR)

# Every shared Python/JavaScript test vector (tests/vectors/), from one tool.
vectors: setup
	$(PY) tests/vectors/make_vectors.py --out $(VECTORS_DIR)

# Throughput and browser timings: prints tables, asserts nothing.
bench: setup chromium
	@command -v cwebp >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y webp)
	$(PY) -m training bench
	$(PY) tests/bench_browser.py

# Lighthouse (mobile preset, median of 3 runs) and axe-core on every page: prints a table, asserts nothing.
audit: setup chromium
	$(PY) tests/audit.py

clean:
	rm -rf build runs .pytest_cache .hypothesis
