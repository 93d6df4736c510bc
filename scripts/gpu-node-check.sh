#!/usr/bin/env bash
# Build and check zerolm on an offline GPU node (../shared/device/README.md):
# the dependencies travel as Debian packages in .devdeps/ and are unpacked into
# /opt/deps, LibTorch comes from the node's pip torch. Logs go to $1 (default
# gpu-logs/): build, the gpu tests, compute-sanitizer, the whole suite, the
# kernel benchmark and a sampled-mode search on the GPU.
set -uo pipefail
logs=${1:-gpu-logs}
mkdir -p "$logs" /opt/deps
for f in .devdeps/*.deb; do dpkg -x "$f" /opt/deps; done
export CMAKE_PREFIX_PATH=/opt/deps/usr:$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
export LD_LIBRARY_PATH=/opt/deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
step() { echo "=== $* ($(date +%T))"; }
{
  step nvidia-smi; nvidia-smi
  step configure
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 || exit 1
  step build
  cmake --build build-gpu -j 16 -- -k 0 2>&1 | grep -v '^\[' || true
  test -x build-gpu/zerolm || { echo "build failed"; exit 1; }
} 2>&1 | tee "$logs/build.log"
{
  step gpu tests; ctest --test-dir build-gpu --output-on-failure -L gpu
  step memcheck; compute-sanitizer --tool memcheck --error-exitcode 9 build-gpu/tests/zerolm_gpu_tests
  step racecheck; compute-sanitizer --tool racecheck --error-exitcode 9 build-gpu/tests/zerolm_gpu_tests
} 2>&1 | tee "$logs/gpu-tests.log"
{
  step kernels benchmark; build-gpu/zerolm bench --suite kernels --seconds 2
  step sampled search on the GPU
  rm -rf /tmp/gpu-search
  build-gpu/zerolm search experiments/gpt2-lts.yaml --set device=cuda --set search.max_evaluations=20000 --out /tmp/gpu-search
  rm -rf /tmp/gpu-search-f
  build-gpu/zerolm search experiments/flexibert-trained.yaml --set device=cuda --set proxy.mode=sampled --set search.max_evaluations=20000 --out /tmp/gpu-search-f
} 2>&1 | tee "$logs/bench.log"
{
  step whole suite; ctest --test-dir build-gpu --output-on-failure -j 8 -LE gpu
} 2>&1 | tee "$logs/ctest.log"
