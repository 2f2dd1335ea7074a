#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A relative exec from another working directory: chdir(DIR/sub) then execve("./x").
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/cwd_exec" "$T"
assert_status 0
assert_count 2 'execs' "exec events"
assert_json --arg t "$T" '[execs][0].cwd == $t' "the command starts in the case's directory"
assert_json --arg t "$T" '[execs][1] | .path == "./x" and .cwd == $t + "/sub" and
	.procname == $t + "/sub/x" and .retval == 0 and .argv == ["./x", "rel"]' \
	"cwd is the new directory, procname resolved against it"
assert_sql "$T/sub|$T/sub/x" "SELECT cwd, procname FROM execs WHERE path = './x'" "cwd in the DB"
