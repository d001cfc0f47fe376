#!/usr/bin/env bash
# The one prepared command of a GPU visit: GPU tests on the real device, then the GPU bench report.
#
# Before the visit (here, once per session; .device/ is git-ignored, ~35 MiB):
#   bash ../shared/tools/device-prep.sh benches/gpu_bench.ts tests/ops/gpu/*_test.ts
# The visit (device tool): run(command="bash benches/gpu_run.sh", carry=[".device"], timeout_s=540)
# Results come back under $OUT: gpu_bench.json (rows with ms, TFLOP/s or GB/s), gpu_bench.md (the
# table for benches/RESULTS.md) and gpu_tests.txt. Budget: Vulkan start + tests ~1 min, bench
# ~2-3 min (each GEMM config at n = 1024/2048/4096, GEMV at 8192/16384, randomizedSvdGpu on
# 8192x8192 rank 64).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/gpu}
mkdir -p "$out"
# shellcheck disable=SC1091
source .device/prologue.sh
deno eval 'const a = await navigator.gpu.requestAdapter(); console.log(a?.info, a?.limits?.maxStorageBufferBindingSize)'
timeout 150 deno test -A tests/ops/gpu/ 2>&1 | tail -40 > "$out/gpu_tests.txt"
tail -3 "$out/gpu_tests.txt"
timeout 330 deno run -A benches/gpu_bench.ts --report --out "$out" > "$out/gpu_bench.md"
status=$?
cat "$out/gpu_bench.md"
exit $status
