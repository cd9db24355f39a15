# One image for the whole project: it serves the built site (the default
# command) and runs `make test`, `make train` and `make notebook` inside.
#
#   docker build -t aec .                                  # CPU, on debian:bookworm
#   docker build --build-arg GPU=1 -t aec-gpu .            # TensorFlow with CUDA (its pip wheels)
#   docker build --build-arg BASE=my.registry/debian:bookworm -t aec .
#   docker build --secret id=ca,src=/path/to/ca-bundle.crt -t aec .   # behind a TLS-intercepting proxy
#   docker run --rm -p 8000:8000 aec                       # the site on http://localhost:8000
#   docker run --rm -v /path/to/mnist:/shared/datasets/mnist:ro aec make test
#   docker run --rm --gpus all -v /path/to/mnist:/shared/datasets/mnist:ro aec-gpu make train
#
# BASE: any Debian bookworm-like image with apt (the default is Docker's
# official Debian image; `make image-test` uses a debootstrapped one).
# The CA bundle (optional) is trusted by pip, npm and Keras' MNIST download in
# the steps that reach the internet (tools/with-ca); it is never stored in a layer.
# MNIST: the Makefile looks in ../shared/datasets/mnist, i.e. /shared/datasets/mnist
# here; without it Keras downloads MNIST. `make site` below runs the notebook
# (a small training run) so that its page has outputs; with no MNIST at build
# time the page says so and the image still builds.
ARG BASE=debian:bookworm
FROM ${BASE}
ARG GPU=0

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1
# chromium (+ libatomic1 for Playwright's driver): the browser tests;
# dataset-fashion-mnist: the evaluation's second data set.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates python3 python3-venv make nodejs npm chromium libatomic1 dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY tools/with-ca tools/
# Node 20 or newer (the JavaScript tests need it; bookworm's nodejs is 18): the
# official build as the npm registry ships it, ahead of Debian's on the PATH.
RUN --mount=type=secret,id=ca,target=/run/host-ca.crt \
    if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then \
      tools/with-ca npm install -g --no-audit --no-fund \
        "node-linux-$(dpkg --print-architecture | sed 's/amd64/x64/')@20"; \
    fi \
 && node --version

# Dependencies first, in layers of their own: editing the code does not reinstall TensorFlow.
COPY pyproject.toml package.json package-lock.json ./
RUN --mount=type=secret,id=ca,target=/run/host-ca.crt \
    python3 -m venv .venv \
 && tools/with-ca .venv/bin/pip install -q --upgrade pip \
 && .venv/bin/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
      print(*p['dependencies'], *p['optional-dependencies']['dev'], sep='\n')" \
      > /tmp/requirements.txt \
 && if [ "$GPU" = 1 ]; then sed -i 's/^tensorflow==/tensorflow[and-cuda]==/' /tmp/requirements.txt; fi \
 && tools/with-ca .venv/bin/pip install -q -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt
RUN --mount=type=secret,id=ca,target=/run/host-ca.crt \
    tools/with-ca npm ci --no-audit --no-fund \
 && touch node_modules/.installed

COPY . .
RUN --mount=type=secret,id=ca,target=/run/host-ca.crt \
    tools/with-ca make site \
 && rm -rf /root/.cache

EXPOSE 8000
CMD [".venv/bin/python", "-m", "http.server", "8000", "--bind", "0.0.0.0", "--directory", "build/site"]
