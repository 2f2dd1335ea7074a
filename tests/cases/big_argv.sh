#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A large argument vector: argv = ["true", "a1" .. "a5000", <102400 bytes>] (argc 5002). Every
# argument is recorded intact (the big one checked by sha256), with no truncation flag, in the
# JSON and in the database.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd python3

ew_record -- "$EW_PROGS/big_argv" 5000 102400
assert_status 0
assert_count 2 'execs' "exec events"
assert_json '[execs][1] | .retval == 0 and (.argv | length) == 5002 and
	(vflag("argv"; "truncated") | not) and (vflag("argv"; "fault") | not)' \
	"argc 5002, not truncated"
assert_json '[execs][1].argv | .[0] == "true" and .[1:5001] == [range(1; 5001) | "a\(.)"]' \
	"a1 .. a5000 in order"
assert_sql "5002|5002|0|a5000|102400" "SELECT argc, json_array_length(argv), argv_flags,
	json_extract(argv, '\$[5000]'), length(json_extract(argv, '\$[5001]'))
	FROM execs ORDER BY seq DESC LIMIT 1" "the database row holds every argument"
py_check '
import hashlib
big = bytes(ord("a") + i % 26 for i in range(102400))
e = [x for x in evs if x["event"] == "exec"][1]
got = b(e["argv"][5001])
assert len(got) == 102400, "big argument has %d bytes, want 102400" % len(got)
assert hashlib.sha256(got).hexdigest() == hashlib.sha256(big).hexdigest(), "big argument differs"
'
