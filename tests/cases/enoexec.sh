#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ENOEXEC (-8): an executable file whose content no binary format recognises.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/enoexec" "$T"
assert_status 0

assert_count 2 'execs' "exec events"
assert_json --arg t "$T" '[execs][1] | .path == $t + "/garbage.bin" and .retval == -8 and
	.errno == "ENOEXEC" and .procname == $t + "/garbage.bin" and .interpreter == null' \
	"the failed exec of garbage"
assert_sql "-8|ENOEXEC" "SELECT retval, errno_name FROM execs WHERE retval != 0" "failed row"
