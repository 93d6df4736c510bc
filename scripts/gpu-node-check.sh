#!/usr/bin/env bash
# Build and check zerolm on an offline GPU node (../shared/device/README.md):
# the dependencies travel as Debian packages in .devdeps/ (OpenMPI included) and
# are unpacked into /opt/deps, LibTorch comes from the node's pip torch. Logs go
# to $1 (default gpu-logs/): build, GPU tests and compute-sanitizer, the whole
# suite, the kernel benchmark, sampled-mode searches on the GPU, and the
# distributed-search scaling (ranks sharing the GPU; CPU ranks).
set -uo pipefail
logs=${1:-gpu-logs}
mkdir -p "$logs" /opt/deps
for f in .devdeps/*.deb; do dpkg -x "$f" /opt/deps; done
export CMAKE_PREFIX_PATH=/opt/deps/usr:$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
export LD_LIBRARY_PATH=/opt/deps/usr/lib/x86_64-linux-gnu:/opt/deps/usr/lib/x86_64-linux-gnu/openmpi/lib:${LD_LIBRARY_PATH:-}
# Debian's OpenMPI, relocated from /usr to /opt/deps/usr.
export OPAL_PREFIX=/opt/deps/usr PMIX_INSTALL_PREFIX=/opt/deps/usr/lib/x86_64-linux-gnu/pmix2
export PMIX_MCA_mca_base_component_path=/opt/deps/usr/lib/x86_64-linux-gnu/pmix2/lib/pmix
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export PATH=/opt/deps/usr/bin:$PATH
ln -sf orterun /opt/deps/usr/bin/mpirun
step() { echo "=== $* ($(date +%T))"; }
{
  step nvidia-smi; nvidia-smi -L; nproc
  step configure
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DMPI_CXX_COMPILER=/opt/deps/usr/bin/mpicxx.openmpi 2>&1 | grep -E "zerolm|Error|error" || exit 1
  step build
  cmake --build build-gpu -j 16 -- -k 0 2>&1 | grep -E "FAILED|error" -A3 || true
  test -x build-gpu/zerolm || { echo "build failed"; exit 1; }
  build-gpu/zerolm info | head -3
} 2>&1 | tee "$logs/build.log"
{
  step gpu tests; ctest --test-dir build-gpu --output-on-failure -L gpu
  step memcheck; compute-sanitizer --tool memcheck --error-exitcode 9 build-gpu/tests/zerolm_gpu_tests | tail -3
  step whole suite; ctest --test-dir build-gpu --output-on-failure -j 6 -LE gpu
} 2>&1 | tee "$logs/tests.log"
search_rate() { grep -o 'evaluations in [0-9.]* s ([0-9]*/s)' | tail -1; }
{
  step "sampled searches on the GPU (gpt2-lts, 20000 evaluations)"
  for children in 32 256 1024; do
    rm -rf /tmp/s; echo "children $children: $(build-gpu/zerolm search experiments/gpt2-lts.yaml --device cuda --set search.max_evaluations=20000 \
      --set search.children=$children --set search.population=$((children > 128 ? children : 128)) --out /tmp/s --log-json 2>&1 >/dev/null | search_rate)"
  done
  step "distributed: ranks sharing the GPU (gpt2-lts sampled, 20000 evaluations, children 32)"
  for n in 1 2 4 8; do
    rm -rf /tmp/d; echo "ranks $n: $(mpirun -n $n --oversubscribe build-gpu/zerolm search experiments/gpt2-lts.yaml --device cuda --distributed \
      --set search.max_evaluations=20000 --out /tmp/d --log-json 2>&1 >/dev/null | search_rate)"
  done
  step "distributed: CPU ranks (flexibert-trained expected, 200000 evaluations)"
  for n in 1 2 4 8; do
    rm -rf /tmp/d; echo "ranks $n: $(mpirun -n $n --oversubscribe build-gpu/zerolm search experiments/flexibert-trained.yaml --distributed \
      --set search.max_evaluations=200000 --out /tmp/d --log-json 2>&1 >/dev/null | search_rate)"
  done
  step "distributed: CPU ranks (gpt2-lts sampled on the CPU twin, 2000 evaluations)"
  for n in 1 2 4 8 16; do
    rm -rf /tmp/d; echo "ranks $n: $(mpirun -n $n --oversubscribe build-gpu/zerolm search experiments/gpt2-lts.yaml --device cpu --distributed \
      --out /tmp/d --log-json 2>&1 >/dev/null | search_rate)"
  done
} 2>&1 | tee "$logs/distributed.log"
{
  step kernels benchmark; build-gpu/zerolm bench --suite kernels --seconds 2
} 2>&1 | tee "$logs/bench.log"
