#!/usr/bin/env bash
# The isolated environment for lerobot, the test client of our LeRobot v3 export: lerobot 0.4.4
# pins torch < 2.11, torchvision < 0.26, diffusers < 0.36 and av < 16, which clash with the
# project's pins, so it lives in a venv of its own, created once and cached (about 8 GB: PyPI's
# torch 2.9.1 is a CUDA build; it runs on the CPU). Prints the environment's python.
set -euo pipefail
VENV="${LEROBOT_VENV:-$HOME/.cache/physai/lerobot-venv}"
if [ ! -f "$VENV/.installed" ]; then
  python3 -m venv "$VENV" >&2
  # torch and torchvision as a pair of matching versions: PyPI's torchvision does not load beside
  # another torch ("operator torchvision::nms does not exist").
  "$VENV/bin/pip" install -q torch==2.9.1 torchvision==0.24.1 >&2
  "$VENV/bin/pip" install -q lerobot==0.4.4 torch==2.9.1 torchvision==0.24.1 >&2
  touch "$VENV/.installed"
fi
echo "$VENV/bin/python"
