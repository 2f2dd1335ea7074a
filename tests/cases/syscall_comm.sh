#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --comm NAME limits the syscall log to processes named NAME; exec, fork and exit events are
# still recorded for every process.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record --syscalls file --comm cat -- /bin/sh -c 'cat /etc/hostname >/dev/null; ls / >/dev/null; cat /dev/null'
assert_status 0
n=$(sql "SELECT count(*) FROM syscalls")
[ "$n" -gt 0 ] || fail "no syscall logged for cat"
assert_sql "cat" "SELECT DISTINCT comm FROM syscalls" "only cat's syscalls are logged"
assert_sql "2" "SELECT count(DISTINCT pid) FROM syscalls" "both cat processes are logged"
[ "$(sql "SELECT count(*) FROM syscalls WHERE arg1_repr = '\"/etc/hostname\"'")" -ge 1 ] ||
	fail "cat's open of /etc/hostname is not logged"
assert_sql "1" "SELECT count(*) FROM execs WHERE argv LIKE '%\"ls\"%' AND retval = 0" \
	"ls's exec is recorded"
# Two names.
ew_record --syscalls file --comm cat --comm ls -- /bin/sh -c 'cat /etc/hostname >/dev/null; ls / >/dev/null'
assert_status 0
assert_sql "cat
ls" "SELECT DISTINCT comm FROM syscalls ORDER BY 1" "cat and ls logged"
