#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A "#!/bin/sh -e" script: the exec of the script path succeeds, the interpreter is recorded.
# A script whose interpreter is missing: ENOENT (-2), interpreter still recorded.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/shebang" "$T"
assert_status 0
assert_count 2 'execs' "exec events (the kernel runs the interpreter without another execve)"
assert_json --arg t "$T" '[execs][1] | .path == $t + "/script.sh" and .retval == 0 and
	.procname == $t + "/script.sh" and .argv == ["script.sh", "sarg"] and
	.interpreter == "/bin/sh" and .interpreter_arg == "-e" and .script == true' \
	"the script exec: interpreter /bin/sh, argument -e"
assert_json '[execs][1].interpreter_binary | type == "object" and .type == "regular"' \
	"the interpreter's stat facts"

ew_record -- "$EW_PROGS/shebang" "$T" missing
assert_status 0
assert_json --arg t "$T" '[execs][1] | .path == $t + "/nointerp.sh" and .retval == -2 and
	.errno == "ENOENT" and .interpreter == "/nonexistent/ew-interp"' \
	"missing interpreter: ENOENT, interpreter recorded"
# The script itself exists: binary describes it (it is the interpreter that is missing).
assert_json '[execs][1].binary | type == "object" and .ino > 0' "binary of the script"
assert_sql "-2|ENOENT" "SELECT retval, errno_name FROM execs WHERE retval != 0" "failed row"
