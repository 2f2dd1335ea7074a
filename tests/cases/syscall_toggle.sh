#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGUSR1 switches syscall logging off and on: of three phases, the middle one is not logged;
# exec, fork and exit events are recorded throughout.
. "$(dirname "$0")/lib.sh"
need_ptrace

EW_DB="$T/x.db"
"$EW_BIN" record -o "$EW_DB" --syscalls openat -- \
	"$EW_PROGS/phases" "$T" 3 </dev/null >"$T/rec.out" 2>"$T/rec.err" &
ew=$!
# A watchdog instead of timeout(1): the signals must reach execwatch itself.
(
	for _ in $(seq 1 $((EW_TIMEOUT * 5))); do
		kill -0 "$ew" 2>/dev/null || exit 0
		sleep 0.2
	done
	kill -KILL "$ew" 2>/dev/null
) >/dev/null 2>&1 &
dog=$!
wait_for() {
	for _ in $(seq 1 1000); do
		[ -e "$1" ] && return 0
		sleep 0.02
	done
	fail "timed out waiting for $1"
}
wait_for "$T/done-1"
kill -USR1 "$ew"
sleep 0.1
touch "$T/go-1"
wait_for "$T/done-2"
kill -USR1 "$ew"
sleep 0.1
touch "$T/go-2"
wait_for "$T/done-3"
touch "$T/go-3"
rc=0
wait "$ew" || rc=$?
wait "$dog" || true
[ "$rc" = 0 ] || fail "execwatch exited $rc: $(head -c 300 "$T/rec.err")"
assert_sql "\"/nonexistent/ew-phase-1\"
\"/nonexistent/ew-phase-3\"" "SELECT arg1_repr FROM syscalls WHERE arg1_repr LIKE '%ew-phase%' ORDER BY seq" \
	"phases logged (the second was switched off)"
assert_sql "1" "SELECT count(*) FROM execs WHERE retval = 0" "the exec is recorded"
