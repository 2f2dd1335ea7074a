#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# exec from a non-leader thread: the successful exec is recorded in the process (pid = the
# process's pid) with old_tid = the thread's former tid (!= pid). With "twice", the thread's
# failed exec comes first, recorded with tid = that thread.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/thread_exec"
assert_status 0
assert_count 2 'execs' "exec events"
assert_count 1 'forks | select(.kind == "thread")' "thread creations"
assert_json --arg real "$TRUE_REAL" 'root as $r | [execs][1] | .pid == $r and .retval == 0 and
	.new_exe == $real and .argv == ["true", "from-thread"] and
	.nonleader == true and (.old_tid | type) == "number" and .old_tid != $r' \
	"successful exec: pid of the process, old_tid the thread"
assert_json 'root as $r | [forks | select(.kind == "thread")][0] as $f | [execs][1] |
	$f.pid == $r and $f.child_pid == $r and $f.child_tid == .old_tid' \
	"old_tid is the tid the thread was created with"
assert_sql 1 "SELECT count(*) FROM execs WHERE retval = 0 AND nonleader = 1 AND old_tid != pid AND
	old_tid = (SELECT child_tid FROM forks WHERE kind = 'thread')" "the row of the thread's exec"
assert_json 'root as $r | [exits | select(.pid == $r and .tid == $r)] | length == 1 and
	.[0].code == 0' "one exit of the process, code 0"

ew_record -- "$EW_PROGS/thread_exec" twice
assert_status 0
assert_count 3 'execs' "exec events (twice)"
assert_json 'root as $r | [execs] | .[1].pid == $r and .[1].retval == -2 and
	.[1].tid != $r and .[2].pid == $r and .[2].retval == 0 and .[2].old_tid == .[1].tid' \
	"failed exec recorded with the thread's tid, then the success with old_tid = that tid"
