#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `execwatch trace -- CMD` prints one line per event to stderr (or to -o FILE), creates no
# database, and exits with the command's status.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_run tr "$EW_BIN" trace -- "$EW_PROGS/exec_ok"
[ "$EW_HUNG" = 0 ] || fail "trace hung"
assert_status 0
grep -q '/bin/true' "$T/tr.err" || fail "trace printed no line about /bin/true: $(head -c 400 "$T/tr.err")"
[ "$(grep -c 'exec_ok-arg' "$T/tr.err")" -ge 1 ] || fail "trace does not show argv"
# exec_ok prints nothing itself: two execs and one exit, one line each.
assert_eq 3 "$(wc -l <"$T/tr.err")" "lines on stderr (one per event)"
[ -z "$(ls "$T"/*.db 2>/dev/null)" ] || fail "trace created a database: $(ls "$T"/*.db)"

ew_run tr "$EW_BIN" trace -o "$T/trace.txt" -- "$EW_PROGS/exit_code" code 3
assert_status 3
[ -s "$T/trace.txt" ] || fail "trace -o wrote nothing"
grep -q 'exit_code' "$T/trace.txt" || fail "trace -o file lacks the exec"
assert_eq 2 "$(wc -l <"$T/trace.txt")" "lines in the -o file (an exec and an exit)"
grep -q ' 3$\|exit 3' "$T/trace.txt" || fail "the exit line does not show code 3"

# Control characters in argv must not reach the terminal raw.
ew_run tr "$EW_BIN" trace -o "$T/trace2.txt" -- "$EW_PROGS/nonutf8" "$T"
assert_status 0
if grep -q $'\x1b' "$T/trace2.txt"; then fail "trace output contains a raw ESC byte"; fi

# trace --json -: JSON Lines on stdout.
ew_run tj "$EW_BIN" trace --json - -- "$EW_PROGS/exec_ok"
assert_status 0
check_json_lines "$T/tj.out"
EW_JSON="$T/tj.out"
assert_count 2 'execs' "exec events in trace --json -"
