#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad command lines fail clearly: non-zero status, a short message on stderr, nothing run when
# the output cannot be opened, no crash.
. "$(dirname "$0")/lib.sh"

marker="$T/marker"

# Usage mistakes: one line saying what is wrong (a second line may point to --help).
# Unknown option.
ew_run bad "$EW_BIN" record --no-such-option -- touch "$marker"
assert_error_message bad 2
grep -q -- '--no-such-option' "$T/bad.err" || fail "the message does not name the bad option"
[ ! -e "$marker" ] || fail "an unknown option still ran the command"

# Unknown verb.
ew_run bad "$EW_BIN" no-such-verb
assert_error_message bad 2

# record without a command.
ew_run bad "$EW_BIN" record -o "$T/none.db"
assert_error_message bad 2
ew_run bad "$EW_BIN" record -o "$T/none.db" --
assert_error_message bad 2
ew_run bad "$EW_BIN" record -o "$T/p2.db" -p not-a-pid
assert_error_message bad 2

# Run-time failures: one line.
# An output that cannot be created fails before the command runs.
ew_run bad "$EW_BIN" record -o /nonexistent/dir/x.db -- touch "$marker"
assert_error_message bad
grep -q '/nonexistent/dir/x.db' "$T/bad.err" || fail "the message does not name the file"
[ ! -e "$marker" ] || fail "record -o /nonexistent/dir/x.db ran the command anyway"
ew_run bad "$EW_BIN" record -o "$T/y.db" --json /nonexistent/dir/x.jsonl -- touch "$marker"
assert_error_message bad
[ ! -e "$marker" ] || fail "record --json /nonexistent/dir/x.jsonl ran the command anyway"
ew_run bad "$EW_BIN" trace -o /nonexistent/dir/x.txt -- touch "$marker"
assert_error_message bad
[ ! -e "$marker" ] || fail "trace -o /nonexistent/dir/x.txt ran the command anyway"

# Attaching to a pid that does not exist.
pid=999999
while kill -0 "$pid" 2>/dev/null; do pid=$((pid - 1)); done
ew_run bad "$EW_BIN" record -o "$T/p.db" -p "$pid"
assert_error_message bad
grep -q "$pid" "$T/bad.err" || fail "the message does not name pid $pid: $(cat "$T/bad.err")"

# A plugin that does not exist fails before the command runs.
ew_run bad "$EW_BIN" record -o "$T/q.db" --plugin "$T/no-such-plugin.so" -- touch "$marker"
assert_error_message bad
[ ! -e "$marker" ] || fail "a missing plugin still ran the command"

# The control: the same command line without the mistake runs the command.
need_ptrace
ew_run good "$EW_BIN" record -o "$T/good.db" -- touch "$marker"
assert_status 0
[ -e "$marker" ] || fail "control run: the marker was not created"
