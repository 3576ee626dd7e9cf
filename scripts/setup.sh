#!/usr/bin/env bash
# Create the project's virtual environment and install everything it needs. Idempotent.
#   scripts/setup.sh VENV_DIR [extras]
# - torch: the CPU build where there is no NVIDIA GPU (a plain `pip install torch` would pull
#   gigabytes of CUDA wheels), the CUDA build from PyPI where there is one.
# - Java: installed from the OS packages if missing (the Spark jobs need a JVM).
# - Chromium (dev set-up only): from the OS packages if missing, for the UI test.
# - No model weights are downloaded, ever: the Cosmos backends load local directories.
set -euo pipefail
VENV=${1:-.venv}
EXTRAS=${2:-}
PYTHON=${PYTHON:-python3}
TORCH_VERSION=2.13.0

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  command -v apt-get >/dev/null || { log "no apt-get: install $* yourself"; return 1; }
  as_root apt-get update -qq >/dev/null 2>&1 || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v java >/dev/null 2>&1; then
  log "installing Java (for Spark)"
  apt_install default-jre-headless || log "warning: Java not installed; the Spark jobs will not run"
fi

# The UI test drives the system Chromium through Playwright (no browser is downloaded).
if [[ "$EXTRAS" == *dev* ]] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  log "installing Chromium (for the UI test)"
  apt_install chromium || log "warning: Chromium not installed; tests/test_ui.py will fail (set FACTORY_CHROMIUM to a Chromium binary)"
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip -q --disable-pip-version-check)

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    log "NVIDIA GPU found: installing torch $TORCH_VERSION (CUDA build)"
    "${PIP[@]}" install "torch==$TORCH_VERSION"
  else
    log "no GPU: installing torch $TORCH_VERSION (CPU build)"
    "${PIP[@]}" install "torch==$TORCH_VERSION+cpu" 2>/dev/null \
      || "${PIP[@]}" install "torch==$TORCH_VERSION+cpu" --extra-index-url https://download.pytorch.org/whl/cpu
  fi
fi

log "installing the factory${EXTRAS:+ with [$EXTRAS]}"
"${PIP[@]}" install -e ".${EXTRAS:+[$EXTRAS]}" 2>&1 | grep -v "^WARNING: Location" || true
"$VENV/bin/python" -c "import dagster, deltalake, av, scenedetect, cv2, pybullet, great_expectations, torch" \
  || { log "error: the environment is incomplete"; exit 1; }
log "ready: $VENV"
