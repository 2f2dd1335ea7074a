#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Syscall log rendering: tests/progs/sysrender makes one call per rendering rule and prints what
# the log must hold (NAME, argument slot or "ret", rendering); every line must be in the database.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd python3

ew_record --syscalls all -- "$EW_PROGS/sysrender" "$T"
assert_status 0
[ -s "$T/rec.out" ] || fail "sysrender printed no expectations"
out=$(python3 - "$EW_DB" "$T/rec.out" <<'PY' 2>&1 || true
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
db.text_factory = bytes
bad = 0
for line in open(sys.argv[2], "rb").read().splitlines():
    name, slot, want = line.split(b"\t", 2)
    col = "retno_repr" if slot == b"ret" else "arg%s_repr" % slot.decode()
    rows = [r[0] for r in db.execute("SELECT %s FROM syscalls WHERE name = ?" % col, (name.decode(),))]
    if want not in rows:
        bad += 1
        print("missing: %s %s = %r; logged: %r" % (name.decode(), col, want, rows[:6]))
print("bad=%d" % bad)
PY
)
case $out in
*bad=0) ;;
*) fail "renderings differ: $out" ;;
esac
# Calls that do not return are logged at the entry.
assert_sql "0|NULL|NULL" "SELECT DISTINCT returned, quote(time_exit), quote(retno) FROM syscalls
	WHERE name = 'exit_group'" "exit_group logged at entry"
assert_sql "ENOENT" "SELECT errno_name FROM syscalls WHERE name = 'openat' AND retno = -2 LIMIT 1" \
	"errno_name column"
# Every row has times, a procname, and reprs for exactly nargs arguments.
assert_sql "0" "SELECT count(*) FROM syscalls WHERE time_enter IS NULL OR procname IS NULL
	OR (returned AND time_exit < time_enter)" "rows with missing times/procname"
assert_sql "0" "SELECT count(*) FROM syscalls WHERE (nargs > 0 AND arg0_repr IS NULL)
	OR (nargs < 6 AND arg5_repr IS NOT NULL)" "argument reprs beyond nargs"
