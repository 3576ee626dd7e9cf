#!/usr/bin/env bash
# The benchmarks compare against the plain ffmpeg CLI; install it from the OS packages.
set -euo pipefail
if command -v ffmpeg >/dev/null; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
