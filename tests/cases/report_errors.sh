#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `execwatch report -i FILE` on a recording works; on a missing file, a file that is not SQLite,
# and a SQLite database that is not execwatch's it fails with a short message.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd sqlite3

# Control: a real recording.
ew_record -- "$EW_PROGS/exec_ok"
assert_status 0
ew_run rep "$EW_BIN" report -i "$EW_DB"
[ "$EW_RC" = 0 ] || fail "report on a fresh recording exited $EW_RC: $(head -c 300 "$T/rep.err")"
grep -q 'true' "$T/rep.out" || fail "report does not mention /bin/true: $(head -c 300 "$T/rep.out")"
ew_run rep "$EW_BIN" report -i "$EW_DB" --json
[ "$EW_RC" = 0 ] || fail "report --json exited $EW_RC: $(head -c 300 "$T/rep.err")"
jq -e . "$T/rep.out" >/dev/null || fail "report --json does not print JSON"

# Missing file.
ew_run bad "$EW_BIN" report -i "$T/missing.db"
assert_error_message bad
[ ! -e "$T/missing.db" ] || fail "report created the missing database"

# Not SQLite.
printf 'this is not a database\n%.0s' $(seq 200) >"$T/text.db"
ew_run bad "$EW_BIN" report -i "$T/text.db"
assert_error_message bad

# An empty file.
: >"$T/empty.db"
ew_run bad "$EW_BIN" report -i "$T/empty.db"
assert_error_message bad

# A foreign SQLite database (no execwatch schema).
sqlite3 "$T/foreign.db" "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2);"
cp "$T/foreign.db" "$T/foreign.orig"
ew_run bad "$EW_BIN" report -i "$T/foreign.db"
assert_error_message bad
cmp -s "$T/foreign.db" "$T/foreign.orig" || fail "report modified a foreign database"

# A database from a newer execwatch (schema version 99) is refused, saying so, and not modified.
cp "$EW_DB" "$T/newer.db"
sqlite3 "$T/newer.db" "PRAGMA user_version = 99; UPDATE meta SET value = 99 WHERE key = 'schema_version';"
cp "$T/newer.db" "$T/newer.orig"
ew_run bad "$EW_BIN" report -i "$T/newer.db"
assert_error_message bad
grep -q '99' "$T/bad.err" || fail "the message does not give the database's schema version: $(cat "$T/bad.err")"
cmp -s "$T/newer.db" "$T/newer.orig" || fail "report modified a newer database"
