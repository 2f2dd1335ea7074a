#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace as oracle: the number of calls of each syscall (of a set) is the same in execwatch's log
# as in strace's output, for a few programs (with forks).
. "$(dirname "$0")/lib.sh"
need_ptrace
need_strace

names=openat,read,write,close,mmap,munmap,mprotect,newfstatat,brk,access,pread64,getdents64,clone,wait4,exit_group,fcntl,dup2,pipe2,lseek,ioctl
check() {
	ew_record --syscalls "$names" -- "$@"
	local ours theirs
	ours=$(sql "SELECT name || ' ' || count(*) FROM syscalls GROUP BY name ORDER BY name")
	timeout -k 5 "$EW_TIMEOUT" strace -f -qq -o "$T/strace.out" -e trace="$names" -- "$@" \
		</dev/null >"$T/strace.stdout" 2>&1 || true
	theirs=$(sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$T/strace.out" | sort | uniq -c |
		awk '{print $2 " " $1}' | sort)
	[ "$ours" = "$theirs" ] || fail "per-syscall counts differ for '$*':
$(diff <(echo "$theirs") <(echo "$ours") | head -20)"
}
check "$EW_PROGS/sysrender" "$T"
check /bin/sh -c 'cat /etc/hostname; ls / >/dev/null; echo x | cat >/dev/null'
check /bin/ls -l /usr
