#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# execve("/bin/true", NULL, envp) succeeds on Linux; the recorded argv is [] (flagged null, not
# fault); with envp NULL too, env is [].
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/argv_null"
assert_status 0
assert_count 2 'execs | ok' "successful execs"
assert_json --arg real "$TRUE_REAL" '[execs][1] | .path == "/bin/true" and .new_exe == $real and
	.retval == 0 and .argv == [] and (.env | length) > 0 and (vflag("argv"; "fault") | not)' \
	"argv NULL: success with argv []"
assert_json '[execs][1] | vflag("argv"; "null")' "argv NULL is flagged as null"
assert_sql "0|1|0|[]" "SELECT retval, argv_flags, argc, argv FROM execs ORDER BY seq DESC LIMIT 1" \
	"the row: argv flagged null (EW_STRV_NULL = 1)"

ew_record -- "$EW_PROGS/argv_null" env
assert_status 0
assert_json '[execs][1] | .retval == 0 and .argv == [] and .env == [] and
	vflag("env"; "null") and (vflag("env"; "fault") | not)' "argv and envp NULL: success"
