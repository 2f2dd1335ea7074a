#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# execvp() through PATH=p1:p2:p3:p4 where only p4 holds the program: three failed execve with
# ENOENT (-2) then the successful one, in this order, all in the same process.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/path_search" "$T" 3
assert_status 0

assert_count 5 'execs' "exec events (the command + 3 failures + 1 success)"
assert_json --arg t "$T" '[execs][1:] | map(.path) ==
	[$t + "/p1/ew_found", $t + "/p2/ew_found", $t + "/p3/ew_found", $t + "/p4/ew_found"]' \
	"the PATH candidates, in order"
assert_json '[execs][1:4] | all(.retval == -2 and .errno == "ENOENT" and .syscall == "execve")' \
	"the three misses failed with ENOENT"
assert_json --arg t "$T" '[execs][4] | .retval == 0 and .errno == null and
	.procname == $t + "/p4/ew_found" and .argv == ["ew_found", "from-path"]' "the hit succeeded"
assert_json '[execs] | (map(.pid) | unique | length == 1) and all(.tid == .pid)' \
	"all execs in one process"
assert_json '[execs][1:] | all(.argv == ["ew_found", "from-path"])' "argv on every attempt"
assert_json --arg t "$T" '[execs][1:] | all(.env | any(. == "PATH=" + $t + "/p1:" + $t + "/p2:" +
	$t + "/p3:" + $t + "/p4"))' "env holds the PATH that was searched"

assert_sql 3 "SELECT count(*) FROM execs WHERE retval = -2 AND errno_name = 'ENOENT'" \
	"ENOENT rows"
assert_sql "$T/p4/ew_found" "SELECT path FROM execs WHERE retval = 0 ORDER BY seq LIMIT 1 OFFSET 1" \
	"successful row"
assert_sql "$T/p1/ew_found|$T/p2/ew_found|$T/p3/ew_found|$T/p4/ew_found" \
	"SELECT group_concat(path, '|') FROM (SELECT path FROM execs ORDER BY seq LIMIT 4 OFFSET 1)" \
	"the rows in order"
