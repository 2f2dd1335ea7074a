#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# record without -o writes ./execwatch.db; --json - writes JSON Lines to stdout; the JSON and the
# database describe the same execs.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd sqlite3

ew_run rd "$EW_BIN" record -- "$EW_PROGS/exec_ok"
assert_status 0
[ -f "$T/execwatch.db" ] || fail "record without -o did not create ./execwatch.db"
EW_DB="$T/execwatch.db"
assert_sql 2 "SELECT count(*) FROM execs" "rows in the default database"

ew_run rj "$EW_BIN" record -o "$T/j.db" --json - -- "$EW_PROGS/exec_ok"
assert_status 0
check_json_lines "$T/rj.out"
EW_JSON="$T/rj.out"
assert_count 2 'execs' "exec events on stdout"
assert_json '[execs][1].argv == ["true", "exec_ok-arg"]' "argv on stdout"
