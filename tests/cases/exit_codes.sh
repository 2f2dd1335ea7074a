#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# record's exit status is the command's: 42 for exit(42), 128+N for death by signal N (137
# SIGKILL, 139 SIGSEGV raised or real, 134 abort, 143 SIGTERM), 127 for a missing command, 126
# for a non-executable one; the exit event has the right code, signal and status.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/exit_code" code 42
assert_status 42
assert_json 'root as $r | [exits | select(.pid == $r)] | length == 1 and
	(.[0] | .code == 42 and .signal == null and .status == 42)' "exit event of exit(42)"
assert_sql 1 "SELECT count(*) FROM execs" "rows in execs"
assert_sql "42|0||42" "SELECT code, signaled, signal, status FROM exits WHERE thread = 0" "exit row"
assert_sql "1|42" "SELECT finished, status FROM runs" "the run's outcome"

# Death by a signal: code null, signal by name, signal_number, status 128 + N.
check_signal() { # STATUS SIGNUM SIGNAME VARIANT
	ew_record -- "$EW_PROGS/exit_code" "$4"
	assert_status "$1"
	assert_json --argjson n "$2" --arg name "$3" 'root as $r |
		[exits | select(.pid == $r)] | length == 1 and
		(.[0] | .code == null and .signal == $name and .signal_number == $n and
		 .status == 128 + $n and .core_dumped == false)' \
		"exit event of death by $3 ($4)"
	assert_sql "|1|$2|$3|$1" "SELECT code, signaled, signal, signal_name, status FROM exits
		WHERE thread = 0" "exit row of death by $3"
}
check_signal 137 9 SIGKILL kill
check_signal 139 11 SIGSEGV segv
check_signal 139 11 SIGSEGV fault
check_signal 134 6 SIGABRT abort
check_signal 143 15 SIGTERM term

# A command that does not exist: 127, like a shell. It never ran, so no exec succeeded; the
# failed attempt is recorded.
ew_record -- "$T/no-such-command"
assert_status 127
assert_count 0 'execs | ok' "successful execs of a missing command"
assert_json --arg p "$T/no-such-command" '[execs] | length >= 1 and
	all(.path == $p and .retval == -2 and .errno == "ENOENT")' "the failed exec is recorded"

# A file without x bit: 126.
printf '#!/bin/sh\nexit 0\n' >"$T/not-executable"
chmod 0644 "$T/not-executable"
ew_record -- "$T/not-executable"
assert_status 126
assert_count 0 'execs | ok' "successful execs of a non-executable file"
assert_json --arg p "$T/not-executable" '[execs] | length >= 1 and
	all(.path == $p and .retval == -13 and .errno == "EACCES")' "the failed exec is recorded"
