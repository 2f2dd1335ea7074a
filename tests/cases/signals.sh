#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signals to execwatch: the first SIGTERM is forwarded to the command and recording goes on until
# the tree ends; a second one kills a tree that ignores it; either way the database is complete
# (every exec the command made is there) and consistent. A tracee that SIGKILLs execwatch takes its
# whole tree with it (PTRACE_O_EXITKILL): nothing keeps running untraced.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd sqlite3

# Waits until FILE has at least N lines (max 20 s).
wait_lines() {
	local i
	for i in $(seq 200); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $2 lines in $1"
}

# 1. One SIGTERM: forwarded; the command dies of it; record exits 143; every exec recorded.
cat >"$T/loop.sh" <<'SH'
#!/bin/sh
# Counts each exec it is about to make into $1, then runs it; runs until killed.
while :; do echo x >>"$1"; /bin/true; done
SH
chmod +x "$T/loop.sh"
"$EW_BIN" record -o "$T/a.db" -- "$T/loop.sh" "$T/a.count" 2>"$T/a.err" &
ew=$!
wait_lines "$T/a.count" 20
kill -TERM "$ew"
rc=0
timeout 30 tail --pid="$ew" -f /dev/null || fail "execwatch did not end after SIGTERM"
wait "$ew" || rc=$?
assert_eq 143 "$rc" "record's status after a forwarded SIGTERM (the command died of SIGTERM)"
EW_DB="$T/a.db"
assert_sql ok "PRAGMA integrity_check" "database integrity"
n=$(wc -l <"$T/a.count")
# The command counted each /bin/true before running it; the last one may have been cut by the
# signal before its exec, so the database holds n or n-1 of them, plus the command's own exec.
got=$(sql "SELECT count(*) FROM execs WHERE path = '/bin/true'")
[ "$got" -eq "$n" ] || [ "$got" -eq $((n - 1)) ] ||
	fail "expected $n (or $((n - 1))) execs of /bin/true in the database, got $got"
assert_sql "1|143" "SELECT finished, status FROM runs" "the run is marked finished with status 143"
assert_sql 15 "SELECT signal FROM exits WHERE pid = (SELECT min(pid) FROM execs) AND pid = tid" \
	"the command's exit: killed by SIGTERM"

# 2. The command ignores SIGTERM: the first is forwarded (ignored), the second kills the tree.
cat >"$T/stubborn.sh" <<'SH'
#!/bin/sh
trap '' TERM
while :; do echo x >>"$1"; /bin/true; done
SH
chmod +x "$T/stubborn.sh"
"$EW_BIN" record -o "$T/b.db" -- "$T/stubborn.sh" "$T/b.count" 2>"$T/b.err" &
ew=$!
wait_lines "$T/b.count" 10
kill -TERM "$ew"
c1=$(wc -l <"$T/b.count")
sleep 0.5
c2=$(wc -l <"$T/b.count")
[ "$c2" -gt "$c1" ] || fail "the command should have survived the forwarded SIGTERM ($c1 -> $c2)"
kill -TERM "$ew"
rc=0
timeout 30 tail --pid="$ew" -f /dev/null || fail "execwatch did not end after the second SIGTERM"
wait "$ew" || rc=$?
assert_eq 137 "$rc" "record's status after the second SIGTERM (the tree was killed)"
EW_DB="$T/b.db"
assert_sql ok "PRAGMA integrity_check" "database integrity"
pgrep -f "$T/stubborn.sh" >/dev/null && fail "the stubborn command still runs"
n=$(wc -l <"$T/b.count")
got=$(sql "SELECT count(*) FROM execs WHERE path = '/bin/true'")
[ "$got" -eq "$n" ] || [ "$got" -eq $((n - 1)) ] ||
	fail "expected $n (or $((n - 1))) execs of /bin/true, got $got"

# 3. A tracee kills execwatch: its sleeping sibling dies too.
cat >"$T/killer.sh" <<'SH'
#!/bin/sh
sleep 300 &
echo $! >"$1"
sleep 0.2
kill -KILL "$PPID"
sleep 300
SH
chmod +x "$T/killer.sh"
rc=0
timeout 30 "$EW_BIN" record -o "$T/c.db" -- "$T/killer.sh" "$T/c.pid" 2>"$T/c.err" || rc=$?
assert_eq 137 "$rc" "execwatch was SIGKILLed by its tracee"
spid=$(cat "$T/c.pid")
for i in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$spid" 2>/dev/null && { kill -KILL "$spid"; fail "a tracee survived execwatch's death"; }
pgrep -f "$T/killer.sh" >/dev/null && fail "the killer script survived execwatch's death"
exit 0
