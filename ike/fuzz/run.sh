#!/bin/sh
# ike/fuzz/run.sh TARGET SECONDS: one long libFuzzer run of TARGET at the lowest CPU priority,
# growing corpus-full/TARGET (seeded from the committed corpus/TARGET), log in logs/TARGET.log.
# Stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass -Zsanitizer=address (see README.md).
set -eu
t=$1
secs=${2:-1800}
cd "$(dirname "$0")"
mkdir -p "corpus-full/$t" logs
RUSTC_BOOTSTRAP=1 exec nice -n 19 cargo fuzz run -O "$t" "corpus-full/$t" "corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -timeout=10 -max_len=8192 \
    >"logs/$t.log" 2>&1
