#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A child stops itself with SIGSTOP; its parent sees the stop (waitpid WUNTRACED), sends SIGCONT,
# and the child then execs /bin/true. Under execwatch the run completes (no hang), the parent
# still sees the stop (the program checks it and exits 1 otherwise), and the exec is recorded.
. "$(dirname "$0")/lib.sh"
need_ptrace

EW_TIMEOUT=60
ew_record -- "$EW_PROGS/sigstop"
assert_status 0
assert_count 2 'execs' "exec events"
assert_json 'root as $r | [forks][0] as $f | [execs][1] | .pid == $f.child_pid and .pid != $r and
	.ppid == $r and .retval == 0 and .argv == ["true", "after-stop"]' \
	"the exec after SIGCONT, in the child"
assert_json '[exits | select(.pid == .tid)] | length == 2 and all(.code == 0)' \
	"both processes exit 0"
