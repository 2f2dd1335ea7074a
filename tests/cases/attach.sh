#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `record -p PID` attaches to a running process: its later fork, the child's exec and its own
# exec are recorded, and record ends when the process does (status 0 here).
. "$(dirname "$0")/lib.sh"
need_ptrace

"$EW_PROGS/wait_exec" "$T" </dev/null &
target=$!
EW_DB="$T/x.db"
EW_JSON="$T/x.jsonl"
timeout -k 5 "$EW_TIMEOUT" "$EW_BIN" record -o "$EW_DB" --json "$EW_JSON" -p "$target" \
	</dev/null >"$T/rec.out" 2>"$T/rec.err" &
recorder=$!

# Wait until the target is traced (TracerPid in /proc), then let it go on.
traced=0
for _ in $(seq 400); do
	tracer=$(awk '/^TracerPid:/ { print $2 }' "/proc/$target/status" 2>/dev/null || echo gone)
	if [ "$tracer" = gone ]; then break; fi
	if [ "$tracer" != 0 ]; then traced=1; break; fi
	if ! kill -0 "$recorder" 2>/dev/null; then break; fi
	sleep 0.05
done
touch "$T/go"
EW_RC=0
wait "$recorder" || EW_RC=$?
target_rc=0
wait "$target" || target_rc=$?
[ "$traced" = 1 ] || fail "the target never became traced (recorder status $EW_RC): $(head -c 300 "$T/rec.err")"
[ "$EW_RC" != 124 ] || fail "record -p did not end when the target did"
assert_status 0
assert_eq 0 "$target_rc" "the target's own status"

check_json_lines "$EW_JSON"
check_common_fields
assert_count 2 'execs' "exec events (the child's and the target's)"
assert_json --argjson t "$target" '[forks] | length == 1 and .[0].pid == $t and
	.[0].kind == "process"' "the fork after attaching"
assert_json --argjson t "$target" '[forks][0].child_pid as $c | [execs] |
	(.[0] | .pid == $c and .ppid == $t and .argv == ["true", "child"] and .retval == 0) and
	(.[1] | .pid == $t and .argv == ["true", "attached"] and .retval == 0)' \
	"the child's exec, then the target's"
assert_json --argjson t "$target" '[exits | select(.pid == $t and .thread == false)] | length == 1 and
	.[0].code == 0' "the target's exit"
assert_sql 2 "SELECT count(*) FROM execs" "rows in execs"
assert_sql "$target" "SELECT attach_pid FROM runs" "runs.attach_pid"
