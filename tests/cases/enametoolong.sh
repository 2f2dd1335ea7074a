#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ENAMETOOLONG (-36): a component longer than NAME_MAX, and a path longer than PATH_MAX.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/enametoolong"
assert_status 0

assert_count 4 'execs' "exec events"
assert_count 3 'execs | select(.retval == -36 and .errno == "ENAMETOOLONG")' "ENAMETOOLONG execs"
long=$(printf 'n%.0s' $(seq 300))
assert_json --arg p "/tmp/$long" '[execs][1].path == $p' "the 300-byte component, exactly"
# The 5000-byte path: the kernel never reads past PATH_MAX (4096), so a tracer may stop there
# too; what it shows must be a prefix of the real path, at least PATH_MAX - 1 bytes long.
whole="/$(printf 'd/%.0s' $(seq 2500))"
whole=${whole:0:5000}
assert_eq 5000 "${#whole}" "test setup: length of the long path"
assert_json --arg p "$whole" '[execs][2].path as $got | ($got | length) >= 4095 and
	($p | startswith($got))' "the 5000-byte path (or its first PATH_MAX bytes)"
# The 70000-byte path is beyond execwatch's 64 KiB read limit: its prefix, marked as cut.
assert_json '[execs][3] | .path_truncated and (.path_fault | not) and (.path | length) == 65536
	and (.path | startswith("/xxxx"))' "the 70000-byte path: first 64 KiB, path_truncated"
assert_json '[execs][1] | (.path_truncated | not)' "the 300-byte component is not marked as cut"
assert_sql "1" "SELECT count(*) FROM execs WHERE path_truncated" "path_truncated column"
