#!/bin/bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a bounded time over its
# committed corpus (fuzz/corpus/NAME, read only: new inputs go to a scratch directory).
#   fuzz/run.sh                  every target, FUZZ_SECONDS each (default 30)
#   FUZZ_SECONDS=600 fuzz/run.sh policy
# A crash leaves its input in fuzz/artifacts/ and makes this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=${FUZZ_SECONDS:-30}
BUILD=$ROOT/build-fuzz
command -v clang >/dev/null || { echo "fuzz: clang is not installed" >&2; exit 1; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(policy glob elf)
# gcc-oriented -Werror is off (clang warns differently); the eBPF backend is not needed here.
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DEW_FUZZ=ON -DEW_WERROR=OFF \
	-DEW_BPF=OFF -DBUILD_TESTING=OFF >/dev/null
# shellcheck disable=SC2046
if ! cmake --build "$BUILD" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") \
	>"$BUILD/fuzz-build.log" 2>&1; then
	tail -n 40 "$BUILD/fuzz-build.log" >&2
	echo "fuzz: build failed" >&2
	exit 1
fi
mkdir -p "$ROOT/fuzz/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
	scratch=$(mktemp -d)
	echo "== fuzz_$t for ${SECS}s"
	if ! "$BUILD/fuzz/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$ROOT/fuzz/artifacts/$t-" \
		"$scratch" "$ROOT/fuzz/corpus/$t" 2>"$scratch.log"; then
		tail -n 40 "$scratch.log" >&2
		echo "fuzz_$t: FAILED (input in fuzz/artifacts/)" >&2
		status=1
	else
		grep -E 'stat::number_of_executed_units|Done' "$scratch.log" | tail -n 2
	fi
	rm -rf "$scratch" "$scratch.log"
done
exit $status
