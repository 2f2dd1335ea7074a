# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Syscall storm (issue 3): `find /usr/share -type f -size -2k -exec cat {} +` (~300k syscalls),
# untraced vs execwatch --syscalls all (SQLite) vs strace -f (all syscalls), then the file class
# vs strace --seccomp-bpf -e trace=%file. Sourced by bench/run.sh: `bench/run.sh syscall`.
scenario_syscall() {
	local w="find /usr/share -type f -size -2k -exec cat {} +"
	echo "== syscall storm: $w (runs: $RUNS)"
	hyperfine -N -w 1 -r "$RUNS" --export-json "$OUT/syscall.json" \
		-n untraced "sh -c '$w'" \
		-n "execwatch record --syscalls all" \
		"$EW record -f -o $TMP/sys.db --syscalls all -- sh -c '$w'" \
		-n "execwatch record --syscalls all --one-cpu" \
		"$EW record -f -o $TMP/sys1.db --syscalls all --one-cpu -- sh -c '$w'" \
		-n "strace -f -o /dev/null" "strace -f -o /dev/null sh -c '$w'" \
		>"$OUT/syscall.log"
	ratios syscall
	echo "rows: $(sqlite3 "$TMP/sys.db" 'SELECT count(*) FROM syscalls' 2>/dev/null)"
	echo "max RSS of execwatch --syscalls all: $(/usr/bin/time -f %M "$EW" record -f -o "$TMP/rss.db" \
		--syscalls all -- sh -c "$w" 2>&1 >/dev/null | tail -n 1) KiB"
	echo "== file class: execwatch --syscalls file vs strace --seccomp-bpf -e trace=%file"
	hyperfine -N -w 1 -r "$RUNS" --export-json "$OUT/syscall-file.json" \
		-n untraced "sh -c '$w'" \
		-n "execwatch record --syscalls file" \
		"$EW record -f -o $TMP/sysf.db --syscalls file -- sh -c '$w'" \
		-n "strace -f --seccomp-bpf -e trace=%file" \
		"strace -f --seccomp-bpf -e trace=%file -o /dev/null sh -c '$w'" \
		>"$OUT/syscall-file.log"
	ratios syscall-file
}
