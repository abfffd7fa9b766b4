#!/bin/sh
# Run every libFuzzer target of a fuzz build for a while:
#   scripts/fuzz.sh BUILD SECONDS
# BUILD is a build directory configured with CC=clang -Dfuzz=true (as
# `make fuzz` does); each BUILD/tests/fuzz/fuzz_<name> runs for SECONDS
# on a scratch copy of tests/fuzz/corpus/<name>/ (the checked-in
# regression corpus is never written to). Crashers land in
# BUILD/fuzz-artifacts/<name>/; copy the ones you fixed into the
# regression corpus so that the normal suite replays them. Exits 1 when
# any target found a crash or failed to run, and prints one line per
# target with its run time and execution count.
set -u
build=${1:?usage: scripts/fuzz.sh BUILD SECONDS}
secs=${2:?usage: scripts/fuzz.sh BUILD SECONDS}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
found=0
for bin in "$build"/tests/fuzz/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    found=1
    name=${bin##*/fuzz_}
    seeds=$src/tests/fuzz/corpus/$name
    work=$build/fuzz-work/$name
    art=$build/fuzz-artifacts/$name
    log=$build/fuzz-work/$name.log
    mkdir -p "$work" "$art"
    [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
    echo "fuzz: $name for ${secs}s (log $log)"
    "$bin" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$art/" "$work" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    # A target whose library was built without coverage instrumentation
    # (-fsanitize=fuzzer-no-link) fuzzes blind: a few dozen edges only.
    cov=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | head -n 1)
    if [ -n "$cov" ] && [ "$cov" -lt 100 ]; then
        echo "fuzz: $name: only $cov edges covered; is the library built" \
            "with -fsanitize=fuzzer-no-link?" >&2
    fi
    if [ $rc -ne 0 ]; then
        echo "fuzz: $name FAILED (exit $rc) after ${execs:-?} runs;" \
            "artifacts in $art:"
        ls "$art" | sed 's/^/    /'
        tail -n 30 "$log" | sed 's/^/    | /'
        status=1
    else
        echo "fuzz: $name clean: ${secs}s, ${execs:-?} runs"
    fi
done
if [ $found -eq 0 ]; then
    echo "fuzz: no fuzz_* binaries in $build/tests/fuzz" \
        "(configure with CC=clang -Dfuzz=true -Dtests=true)" >&2
    exit 1
fi
exit $status
