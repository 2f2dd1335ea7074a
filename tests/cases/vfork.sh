#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vfork() then execve in the child: the exec is recorded in the child's pid, whose parent is the
# command; the fork event names the child.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/vfork_exec"
assert_status 0
assert_count 2 'execs' "exec events"
assert_count 1 'forks' "fork events"
assert_json 'root as $r | [forks][0] as $f | [execs][1] |
	$f.pid == $r and $f.kind == "process" and $f.child_pid == $f.child_tid and
	.pid == $f.child_pid and .pid != $r and .ppid == $r and .retval == 0 and
	.path == "/bin/true" and .argv == ["true", "from-vfork"]' \
	"exec in the vfork child, ppid = the command"
# glibc's vfork() is the vfork syscall on x86_64 (elsewhere a clone with CLONE_VFORK, 0x4000).
assert_json '[forks][0] | .syscall == "vfork" or
	((.syscall | IN("clone", "clone3")) and (.clone_flags / 16384 | floor) % 2 == 1)' \
	"the fork event names vfork"
assert_json 'root as $r | [forks][0].child_pid as $c | [exits | select(.pid == $c)] |
	length == 1 and .[0].code == 0' "the child's exit, code 0"
