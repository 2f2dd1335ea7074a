#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 200 children exec /bin/true at about the same moment: 200 forks, 200 successful execs in 200
# distinct processes, 201 process exits (children + command) with code 0. Nothing lost.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/parallel" 200
assert_status 0
assert_count 200 'forks | select(.kind == "process")' "process fork events"
assert_count 200 'execs | select(.path == "/bin/true" and .retval == 0 and .argv == ["true", "par"])' \
	"successful execs of /bin/true"
assert_count 201 'execs' "exec events (the command + 200)"
assert_json 'root as $r | [execs | select(.path == "/bin/true")] | (map(.pid) | unique | length) == 200
	and all(.ppid == $r and .pid != $r)' "200 distinct children of the command"
assert_json '([forks | .child_pid] | sort) == ([execs | select(.path == "/bin/true") | .pid] | sort)' \
	"the forked pids are the exec'ing pids"
assert_count 201 'exits | select(.pid == .tid)' "process exits"
assert_json '[.[] | .seq] == [range(1; length + 1)]' "seq counts from 1 without gaps"
assert_count 0 '.[] | select(.event == "lost")' "lost-event notices"
assert_json 'root as $r | [exits | select(.pid == .tid and .pid != $r and .code == 0 and
	.signal == null)] | length == 200' "children exits with code 0"
assert_sql 200 "SELECT count(*) FROM execs WHERE path = '/bin/true' AND retval = 0" \
	"successful rows of /bin/true"
assert_sql "200|201" "SELECT (SELECT count(*) FROM forks), (SELECT count(*) FROM exits WHERE thread = 0)" \
	"rows in forks and exits"
assert_sql 0 "SELECT count(*) FROM lost" "rows in lost"
