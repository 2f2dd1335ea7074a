#!/bin/bash
# execwatch benchmarks. Each scenario runs its commands in ONE hyperfine invocation (same machine
# state), and prints the ratio of each median to the untraced median.
#
#   bench/run.sh [SCENARIO...]      scenarios: exec, plus bench/scenarios/*.sh (default: all)
#   RUNS=10 bench/run.sh exec       more runs (default 10)
#   EW=path/to/execwatch            binary to measure (default build-rel/execwatch, built Release)
#
# Results (JSON exported by hyperfine, and a summary) go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-10}
OUT=$ROOT/bench/results
mkdir -p "$OUT"
if [ -z "${EW:-}" ]; then
	cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build-rel -j"$(nproc)" --target execwatch >/dev/null
	EW=$ROOT/build-rel/execwatch
fi
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ratios NAME: prints each command's median and its ratio to the first (untraced) one.
ratios() {
	jq -r '.results as $r | ($r[0].median) as $base | $r[] |
		"\(.median * 1000 | floor / 1000)s  \((.median / $base * 100 | floor) / 100)x  \(.command)"' \
		"$OUT/$1.json" | tee "$OUT/$1.txt"
}

# Max RSS (KiB) of execwatch recording WORKLOAD ARGS.
maxrss() {
	/usr/bin/time -f %M "$EW" record -f -o "$TMP/rss.db" -- "$@" 2>&1 >/dev/null | tail -n 1
}

scenario_exec() {
	local w=$ROOT/bench/workloads/exec_storm.sh
	echo "== exec storm: /bin/true x 2000 in a shell loop (runs: $RUNS)"
	hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/exec.json" \
		-n untraced "$w 2000" \
		-n "execwatch record" "$EW record -f -o $TMP/exec.db -- $w 2000" \
		-n "strace --seccomp-bpf" "strace -f --seccomp-bpf -e trace=execve,execveat -o /dev/null $w 2000" \
		>"$OUT/exec.log"
	ratios exec
	echo "max RSS of execwatch: $(maxrss "$w" 2000) KiB for 2000 execs, $(maxrss "$w" 20000) KiB for 20000"
}

# More scenarios: every bench/scenarios/NAME.sh defines scenario_NAME (it may use ratios, maxrss,
# $EW, $TMP, $RUNS, $ROOT, $OUT).
for f in "$ROOT"/bench/scenarios/*.sh; do
	[ -e "$f" ] && . "$f"
done

scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
	mapfile -t scenarios < <(declare -F | awk '$3 ~ /^scenario_/ {sub(/^scenario_/, "", $3); print $3}')
fi
for s in "${scenarios[@]}"; do
	declare -F "scenario_$s" >/dev/null || { echo "bench: unknown scenario '$s'" >&2; exit 2; }
	"scenario_$s"
done
