#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `record --backend bpf --syscalls all` logs the same syscalls, rendered the same way, as the
# ptrace backend: for sysrender (one call per rendering rule) and a small shell pipeline, the
# multisets of "name(args) = ret" lines agree once addresses, pids, sizes (ASan builds map
# differently each run), pipe inodes and random bytes are blanked. Default sets log execve like ptrace; --comm filters.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_bpf

lines() { # JSON -> normalized sorted lines
	jq -r 'select(.event == "syscall") |
		"\(.syscall)(\(.args_repr | join(", "))) = \(.ret_repr) \(.returned) \(.errno)"' "$1" |
		sed -E 's/[0-9a-f]{8,}-[0-9a-f]{8,}/A-A/g; s/0x[0-9a-f]+/N/g; s/= [0-9]{3,}/= N/g; s/\b[0-9]{3,}\b/N/g; s/, 0[0-7]{5,}\)/, 0M)/g; s/(pipe|socket|anon_inode):\[[0-9a-z]+\]/\1:[N]/g;
			s/^getrandom\(.*, ([0-9]+), ([0-9]+)\) = /getrandom(R, \1, \2) = /; s/^(getpid|getppid|gettid|set_tid_address|clone|clone3|fork|vfork)\((.*)\) = [0-9]+ /\1(\2) = N /;
			s/^(kill|wait4|tgkill|tkill|waitid|prlimit64)\([0-9]+/\1(N/; s/^wait4\((.*)\) = [0-9]+ /wait4(\1) = N /' |
		grep -v -e '^rt_sigreturn(' -e '/proc/N/maps' | sort # SIGCHLD handler timing; ASan reads its maps
}

compare() { # NAME CMD...
	local name=$1 be
	shift
	for be in ptrace bpf; do
		rm -rf "$T/w"
		mkdir -p "$T/w"
		ew_record --backend "$be" --syscalls all -- "$@"
		cp "$EW_JSON" "$T/$name-$be.jsonl"
		eval "rc_$be=$EW_RC"
		lines "$EW_JSON" >"$T/$name-$be.txt"
	done
	# shellcheck disable=SC2154
	[ "$rc_ptrace" = "$rc_bpf" ] || fail "$name: status ptrace $rc_ptrace, bpf $rc_bpf"
	local n
	n=$(wc -l <"$T/$name-ptrace.txt")
	[ "$n" -gt 20 ] || fail "$name: only $n syscall lines under ptrace"
	if ! diff "$T/$name-ptrace.txt" "$T/$name-bpf.txt" >"$T/$name.diff"; then
		fail "$name: the syscall logs differ (< ptrace, > bpf):
$(head -c 3000 "$T/$name.diff")"
	fi
	info "$name: $n syscall lines agree"
}

compare sysrender "$EW_PROGS/sysrender" "$T/w"
compare pipeline /bin/sh -c 'cat /etc/hostname >/dev/null; ls /nonexistent 2>/dev/null; echo x | cat >/dev/null; exit 0'

# The default set is "exec": the execve calls, like ptrace.
ew_record --backend bpf -- "$EW_PROGS/exec_ok"
assert_json '[.[] | select(.event == "syscall")] | length == 2 and all(.syscall == "execve") and
	.[1].args_repr[0] == "\"/bin/true\"" and .[1].args_repr[1] == "[\"true\", \"exec_ok-arg\"]" and
	(.[1].returned | not)' "execve syscall lines by default, argv rendered, not returned"
assert_sql 2 "SELECT count(*) FROM syscalls" "syscall rows in the database"

# --comm: only that program's calls.
ew_record --backend bpf --syscalls all --comm true -- "$EW_PROGS/exec_ok"
assert_json '[.[] | select(.event == "syscall")] | length > 5 and all(.comm == "true")' \
	"--comm true: only the calls of true"
