#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The example plugin, loaded by `record --plugin LIB:ARG`, sees the same exec events as the
# database: it counts them and the failures per errno, and writes its summary to ARG at the end.
. "$(dirname "$0")/lib.sh"
need_ptrace
[ -n "${EW_PLUGIN:-}" ] && [ -f "$EW_PLUGIN" ] || skip "the example plugin was not built"

cat >"$T/cmd.sh" <<'SH'
#!/bin/sh
/bin/true
"$1/missing" 2>/dev/null
"$1/missing" 2>/dev/null
printf 'x\n' >"$1/plain"; "$1/plain" 2>/dev/null
exit 0
SH
chmod +x "$T/cmd.sh"
ew_record --plugin "$EW_PLUGIN:$T/summary.txt" -- "$T/cmd.sh" "$T"
assert_status 0
n=$(sql "SELECT count(*) FROM execs")
assert_eq "exec_counter: $n execs, 3 failed (ENOENT 2, EACCES 1)" "$(cat "$T/summary.txt")" \
	"the plugin's summary"

# A plugin whose init fails (its summary file cannot be created) stops the run before the command.
ew_run bad "$EW_BIN" record -o "$T/bad.db" --plugin "$EW_PLUGIN:/nonexistent/dir/s.txt" -- \
	touch "$T/marker"
[ "$EW_RC" -ne 0 ] || fail "a failing plugin init did not stop execwatch"
[ ! -e "$T/marker" ] || fail "the command ran although the plugin failed"
[ ! -e "$T/bad.db" ] || fail "a database was left behind"
assert_match "plugin" "$(cat "$T/bad.err")" "the message names the plugin"
