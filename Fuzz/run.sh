#!/usr/bin/env bash
# Builds the libFuzzer targets (AddressSanitizer + libFuzzer coverage) and runs each for RUNS
# inputs (default 1,000,000) from seeds made from the committed fixtures.
#
#     Fuzz/run.sh [RUNS]
#
# A crash or hang stops the run and leaves the input in Fuzz/findings/; make it a regression test.
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-1000000}"
nomain=$(find "$(dirname "$(dirname "$(command -v swift)")")/lib/clang" -name "libclang_rt.fuzzer_no_main-$(uname -m).a" | head -1)
[ -n "$nomain" ] || { echo "run.sh: this toolchain has no libclang_rt.fuzzer_no_main" >&2; exit 1; }
swift build -c release -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xswiftc -parse-as-library -Xlinker "$nomain" -Xlinker -lstdc++
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 make_seeds.py "$corpus"
mkdir -p findings
for target in npy model-directory onnx; do
    echo "== fuzz-$target: $runs inputs"
    .build/release/fuzz-$target "$corpus/$target" -runs="$runs" -timeout=10 -rss_limit_mb=4096 \
        -max_len=$([ "$target" = model-directory ] && echo 200000 || echo 16384) -artifact_prefix=findings/ -print_final_stats=1 2>&1 \
        | grep -E "INITED|DONE|stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|Test unit written"
done
