# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# bpf: the eBPF backend beside the ptrace backend and strace, in one hyperfine run each.
#   exec storm:    /bin/true x 2000 from a shell loop (bench/workloads/exec_storm.sh)
#   syscall storm: dd bs=1 count=100000 (200000 read/write calls) with --syscalls all
# Needs root (skips with a message otherwise). Also reports the eBPF start-up time.

scenario_bpf() {
	if [ "$(id -u)" != 0 ]; then
		echo "== bpf: skipped (needs root)"
		return 0
	fi
	if ! "$EW" record --backend bpf -f -o "$TMP/probe.db" -- true 2>"$TMP/probe.err"; then
		echo "== bpf: skipped ($(head -n 1 "$TMP/probe.err"))"
		return 0
	fi
	local w=$ROOT/bench/workloads/exec_storm.sh
	echo "== bpf exec storm: /bin/true x 2000 (runs: $RUNS)"
	hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/bpf_exec.json" \
		-n untraced "$w 2000" \
		-n "execwatch record --backend bpf" "$EW record --backend bpf -f -o $TMP/b.db -- $w 2000" \
		-n "execwatch record (ptrace)" "$EW record -f -o $TMP/p.db -- $w 2000" \
		-n "strace --seccomp-bpf" "strace -f --seccomp-bpf -e trace=execve,execveat -o /dev/null $w 2000" \
		>"$OUT/bpf_exec.log"
	ratios bpf_exec
	echo "start-up and end of an empty run (record --backend bpf -- true):"
	hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/bpf_startup.json" \
		-n "true" "true" \
		-n "execwatch record --backend bpf -- true" "$EW record --backend bpf -f -o $TMP/s.db -- true" \
		-n "execwatch record (ptrace) -- true" "$EW record -f -o $TMP/s.db -- true" \
		>"$OUT/bpf_startup.log"
	ratios bpf_startup
	if "$EW" record --help 2>&1 | grep -q -- "--syscalls"; then
		local dd="dd if=/dev/zero of=/dev/null bs=1 count=100000 status=none"
		echo "== bpf syscall storm: $dd, --syscalls all (runs: $RUNS)"
		hyperfine -N -w 1 -r "$RUNS" --export-json "$OUT/bpf_syscall.json" \
			-n untraced "$dd" \
			-n "execwatch record --backend bpf --syscalls all" \
			"$EW record --backend bpf --syscalls all -f -o $TMP/bs.db -- $dd" \
			-n "execwatch record --syscalls all (ptrace)" \
			"$EW record --syscalls all -f -o $TMP/ps.db -- $dd" \
			-n "strace -f" "strace -f -o /dev/null $dd" \
			>"$OUT/bpf_syscall.log"
		ratios bpf_syscall
		"$EW" record --backend bpf --syscalls all -f -o "$TMP/bs.db" -- $dd 2>&1 | grep lost || true
		echo "lost events (bpf, last run): $(sqlite3 "$TMP/bs.db" 'select lost from runs' 2>/dev/null)"
	fi
}
