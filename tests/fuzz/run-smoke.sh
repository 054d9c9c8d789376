#!/bin/sh
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# A short, bounded fuzz run for CI: builds the libFuzzer targets with clang in their
# own build directory and runs each one for FUZZ_SECONDS (default 45) starting from
# its seed corpus, FUZZ_JOBS of them at a time. Exits non-zero if any target crashes,
# leaks, times out or trips a sanitizer; the log and the reproducer are left in
# <build>/fuzz-work/<target>/.
#
# Needs: clang and libclang-rt-14-dev (Debian 12), plus the usual build dependencies.
# Environment: FUZZ_SECONDS, FUZZ_JOBS (build jobs and targets at a time, default 2),
#              WSPLUG_FUZZ_BUILD_DIR (default <source>/build-fuzz),
#              WSPLUG_FUZZ_CMAKE_ARGS (extra configure arguments).
# A reproducer replays with: <build>/fuzz/fuzz_<target> <file>
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${WSPLUG_FUZZ_BUILD_DIR:-$src/build-fuzz}
seconds=${FUZZ_SECONDS:-45}
jobs=${FUZZ_JOBS:-2}

mkdir -p "$build"
# shellcheck disable=SC2086 # WSPLUG_FUZZ_CMAKE_ARGS is a list of arguments
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWSPLUG_FUZZ=ON -DBUILD_TESTING=ON -DWSPLUG_BUILD_MONITOR=OFF -DWSPLUG_BUILD_BENCH=OFF \
    ${WSPLUG_FUZZ_CMAKE_ARGS:-} >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log"; exit 2; }
cmake --build "$build" -j"$jobs" --target wsplug_fuzzers

# Runs one target; its verdict line goes to <work>/verdict.
run_one() {
    target=$1
    name=${target##*/fuzz_}
    work=$build/fuzz-work/$name
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    # New inputs go to the scratch corpus; the seeds in the tree are only read.
    if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" "$src/tests/fuzz/corpus/$name" \
        >"$work/log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
        cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
        echo "ok   $name: $runs inputs in ${seconds}s, $cov" >"$work/verdict"
    else
        echo "FAIL $name: see $work/log; reproducer in $work/artifacts/" >"$work/verdict"
    fi
}

# FUZZ_JOBS targets at a time (one a core), batch after batch: each runs its full time.
running=0
for target in "$build"/fuzz/fuzz_*; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

status=0
for target in "$build"/fuzz/fuzz_*; do
    work=$build/fuzz-work/${target##*/fuzz_}
    verdict=$(cat "$work/verdict")
    echo "$verdict"
    case $verdict in
    FAIL*)
        tail -n 40 "$work/log"
        status=1
        ;;
    esac
done
exit $status
