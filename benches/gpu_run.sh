#!/usr/bin/env bash
# The one prepared command of a GPU visit (issue 22): the GPU bench first, then the GPU tests.
#
# Before the visit (here, once per session; .device/ is git-ignored, ~35 MiB):
#   bash ../shared/tools/device-prep.sh benches/gpu_bench.ts tests/ops/gpu/*_test.ts
# The visit (device tool): run(command="bash benches/gpu_run.sh", carry=[".device"], timeout_s=540)
# Results come back under $OUT: gpu_bench.json (rows with status, ms, TFLOP/s or GB/s, timing
# method; rewritten after every row, so a cut-off visit keeps what was measured), gpu_bench.md
# (the table for benches/RESULTS.md), gpu_bench.log (progress) and gpu_tests.txt.
# Order and budget (whole visit under 8 minutes): Vulkan + Deno start ~30 s; the bench stops
# starting new configurations after 240 s (GEMM sweep at n = 4096, then 2048, 1024; then GEMV
# 8192/16384; then randomizedSvdGpu 8192² rank 64) and is killed at 300 s; the GPU tests get
# the last 150 s.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/gpu}
mkdir -p "$out"
# shellcheck disable=SC1091
source .device/prologue.sh
deno eval 'const a = await navigator.gpu.requestAdapter(); console.log(a?.info, a?.limits?.maxComputeWorkgroupStorageSize, a?.features?.has("timestamp-query"))'
timeout 300 deno run -A benches/gpu_bench.ts --report --budget 240 --out "$out" \
  > "$out/gpu_bench.md" 2> >(tee "$out/gpu_bench.log" >&2)
status=$?
cat "$out/gpu_bench.md"
timeout 150 deno test -A tests/ops/gpu/ 2>&1 | tail -60 > "$out/gpu_tests.txt"
tests=${PIPESTATUS[0]}
tail -3 "$out/gpu_tests.txt"
echo "gpu_run: bench exit $status, tests exit $tests"
[[ $status -eq 0 && $tests -eq 0 ]]
