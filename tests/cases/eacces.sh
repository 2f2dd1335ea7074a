#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# EACCES (-13): a regular file without any x bit, then a directory.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/eacces" "$T"
assert_status 0

assert_count 3 'execs' "exec events"
assert_count 2 'execs | select(.retval == -13 and .errno == "EACCES")' "EACCES execs"
assert_json --arg t "$T" '[execs | failed] | map(.path) == [$t + "/noexec.sh", $t]' \
	"the file, then the directory"
assert_json --arg t "$T" '[execs | failed] | .[0].argv == ["noexec.sh"] and .[1].argv == ["dir"]' \
	"argv of the failed execs"
# The program file exists in both cases, so its stat facts are known: a regular file of mode
# 0644 and a directory.
assert_json '[execs | failed] | (.[0].binary | .type == "regular" and .perm == "0644" and
	.mode == 33188) and (.[1].binary.type == "directory")' \
	"binary: a 0644 regular file, then a directory"

assert_sql "-13|EACCES
-13|EACCES" "SELECT retval, errno_name FROM execs WHERE retval != 0 ORDER BY seq" "failed rows"
