#!/bin/sh
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# The whole test suite from a fresh clone on Debian 12, as root (the README's test
# command; .ci/run calls exactly this):
#   1. install what is missing (Debian packages only),
#   2. build everything with g++ (-Wall -Wextra -Werror) and run every CTest test
#      (unit, integration, GUI under QT_QPA_PLATFORM=offscreen, hostile clients,
#      conformance, fuzz corpus replays),
#   3. a short bounded libFuzzer run of every parser (clang), FUZZ_SECONDS each,
#   4. build again with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
#      on) and run the whole suite there, the monitor's GUI tests included.
# Takes about 22 minutes on 2 cores (measured from a fresh clone, packages present). Set WSPLUG_QUICK=1 to stop after step 2.
set -eu
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    cmake ninja-build g++ clang libclang-rt-14-dev iproute2 \
    qt6-base-dev qt6-websockets-dev qt6-charts-dev libqt6svg6 libqt6opengl6-dev libgl-dev \
    libssl-dev openssl chromium python3-websockets python3-jwt tshark \
    pkgconf libhiredis-dev zlib1g-dev redis-server nginx-light libnginx-mod-stream haproxy >/dev/null
# Real clients the tests drive (tests/browser/package.json, versions pinned by its lock
# file): playwright-core for Debian's Chromium, node's ws. Node itself comes with the machine.
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# Browser tests (and the capture test's tshark) must run here, not skip.
export WSPLUG_REQUIRE_BROWSER=1

export QT_QPA_PLATFORM=offscreen

echo "== build and test (g++)"
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

[ "${WSPLUG_QUICK:-0}" = 1 ] && exit 0

echo "== short fuzz run (clang + libFuzzer)"
FUZZ_SECONDS=${FUZZ_SECONDS:-15} FUZZ_JOBS=$jobs tests/fuzz/run-smoke.sh

echo "== build and test with ASan + UBSan + LSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWSPLUG_SANITIZE=ON \
    -DWSPLUG_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
