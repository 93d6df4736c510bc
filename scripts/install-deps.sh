#!/usr/bin/env bash
# Installs zerolm's build dependencies from Debian 12 / Ubuntu packages.
set -euo pipefail
packages=(cmake ninja-build g++
          libtorch-dev libtbb-dev libeigen3-dev libyaml-cpp-dev catch2 libcli11-dev libfmt-dev
          nlohmann-json3-dev libsqlite3-dev libbenchmark-dev
          libopenmpi-dev openmpi-bin  # distributed search (optional at build time)
          libopenblas0-pthread  # Debian's LibTorch calls the system BLAS: OpenBLAS, not the reference one
          python3  # tests build hostile inputs and damaged run stores with the standard library
          python3-torch python3-numpy python3-yaml  # the export tests: exported modules in stock PyTorch
          python3-pandas  # the csv export read back by pandas.read_csv
          python3-dev python3-pybind11 python3-pytest  # the Python package (engine/python) and its tests
          python3-matplotlib)  # docs/PYTHON.md's walkthrough plots, run as a test
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run apt-get update
run apt-get install -y --no-install-recommends "${packages[@]}"
# The sanitizer build and libFuzzer (scripts/check-sanitizers.sh): clang and its
# runtime libraries (one package on Debian 12, part of clang's own on older Ubuntu).
run apt-get install -y --no-install-recommends clang libclang-rt-dev ||
  run apt-get install -y --no-install-recommends clang
# The report test opens the HTML reports in headless Chromium (Debian: chromium;
# Ubuntu ships it as chromium-browser); without either it is skipped, not failed.
run apt-get install -y --no-install-recommends chromium ||
  run apt-get install -y --no-install-recommends chromium-browser ||
  echo "install-deps: no Chromium package; the report_chromium test will be skipped" >&2
