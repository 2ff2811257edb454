#!/usr/bin/env bash
# One-step setup: system packages (Tesseract, what Qt needs for a real window,
# fonts for the benchmark), a virtualenv in .venv, and phiscrub with every engine.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  tesseract-ocr tesseract-ocr-eng            # the Tesseract engine
  xvfb xauth                                 # headless X server for the app's screenshot test
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1
  libglib2.0-0 libfontconfig1 libdbus-1-3    # Qt's xcb platform plugin
  fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-urw-base35
  fonts-dkg-handwriting fonts-comic-neue fonts-breip   # fonts for drawn test images and the benchmark
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.phiscrub-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[gui,easyocr,dev]"
  touch "$stamp"
fi
echo "setup: ready"
