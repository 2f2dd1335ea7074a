#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lost events are never silent: with a ring buffer too small for an exec's record
# (EW_BPF_RINGBUF_KB=16), `record --backend bpf` reports `lost` events (pid 0) in the JSON, the
# lost table and runs.lost of the database, and says so on stderr.
. "$(dirname "$0")/lib.sh"
need_bpf

EW_BPF_RINGBUF_KB=16 ew_record --backend bpf -- "$EW_PROGS/fork_chain" 5
assert_status 0
assert_json '[.[] | select(.event == "lost")] | length > 0 and
	all(.pid == 0 and .tid == 0 and .count > 0 and .where == "ringbuf")' "lost events in the JSON"
total=$(jqs '[.[] | select(.event == "lost") | .count] | add')
assert_sql "$total" "SELECT sum(count) FROM lost" "the lost table sums the same"
assert_sql "$total" "SELECT lost FROM runs" "runs.lost"
grep -q "events were lost" "$T/rec.err" || fail "no 'events were lost' message on stderr"

# With the normal buffer nothing is lost.
ew_record --backend bpf -- "$EW_PROGS/fork_chain" 5
assert_count 0 '.[] | select(.event == "lost")' "lost events with the default buffer"
assert_count 2 'execs' "exec events"
