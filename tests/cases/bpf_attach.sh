#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `record --backend bpf -p PID`: from the moment it is attached (its programs' links exist), the
# process's fork, the child's exec and its own exec are recorded, and record ends when the
# process does.
. "$(dirname "$0")/lib.sh"
need_bpf

"$EW_PROGS/wait_exec" "$T" </dev/null &
target=$!
EW_DB="$T/x.db"
EW_JSON="$T/x.jsonl"
timeout -k 5 "$EW_TIMEOUT" "$EW_BIN" record --backend bpf -o "$EW_DB" --json "$EW_JSON" \
	-p "$target" </dev/null >"$T/rec.out" 2>"$T/rec.err" &
recorder=$!
# Attached once its tracepoint links exist (then the pid goes into the map at once).
attached=0
for _ in $(seq 400); do
	ew=$(pgrep -P "$recorder" | head -n 1 || true) # execwatch, under timeout
	if [ -n "$ew" ] && [ "$(find "/proc/$ew/fd" -lname 'anon_inode:bpf?link' 2>/dev/null | wc -l)" -ge 5 ]; then
		attached=1
		break
	fi
	kill -0 "$recorder" 2>/dev/null || break
	sleep 0.05
done
[ "$attached" = 1 ] || fail "record --backend bpf -p never attached: $(head -c 300 "$T/rec.err")"
sleep 0.3
touch "$T/go"
EW_RC=0
wait "$recorder" || EW_RC=$?
wait "$target" || true
[ "$EW_RC" != 124 ] || fail "record -p did not end when the target did"
assert_status 0
check_json_lines "$EW_JSON"
check_common_fields
assert_json --argjson t "$target" '[forks | select(.pid == $t)] | length == 1' "the fork after attaching"
assert_json --argjson t "$target" '[execs] | length == 2 and
	(.[0] | .ppid == $t and .argv == ["true", "child"] and .retval == 0) and
	(.[1] | .pid == $t and .argv == ["true", "attached"] and .retval == 0)' \
	"the child's exec, then the target's"
assert_json --argjson t "$target" '[exits | select(.pid == $t and .thread == false)] | length == 1' \
	"the target's exit"
