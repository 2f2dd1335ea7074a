#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# EFAULT (-14) from bad pointers: argv itself, one argv element, the path, envp. The fault is
# recorded as such (vector flagged, path null), never as an empty success.
. "$(dirname "$0")/lib.sh"
need_ptrace

# argv = (char **)1
ew_record -- "$EW_PROGS/efault" argv
assert_status 0
assert_count 2 'execs' "exec events (argv)"
assert_json '[execs][1] | .path == "/bin/true" and .retval == -14 and .errno == "EFAULT" and
	.argv == [] and vflag("argv"; "fault") and (vflag("env"; "fault") | not)' \
	"bad argv: EFAULT, empty argv flagged as fault"
assert_sql "-14|EFAULT|2|0|[]" \
	"SELECT retval, errno_name, argv_flags, argc, argv FROM execs WHERE retval != 0" \
	"failed row, argv flagged as fault (EW_STRV_FAULT = 2)"

# argv = ["true", (char *)1]: the vector stops at the bad element.
ew_record -- "$EW_PROGS/efault" argvelem
assert_status 0
assert_json '[execs][1] | .retval == -14 and .argv == ["true"] and vflag("argv"; "fault")' \
	"bad argv[1]: the readable prefix, flagged as fault"

# path = (char *)1: unreadable path is null.
ew_record -- "$EW_PROGS/efault" path
assert_status 0
assert_json '[execs][1] | .path == null and .retval == -14 and .argv == ["true"] and
	(vflag("argv"; "fault") | not)' "bad path: path null, argv intact"
assert_json '[execs][1] | .path_fault and (.path_truncated | not)' "bad path: path_fault set"
assert_json '[execs][0] | (.path_fault | not) and (.path_truncated | not)' "good exec: no path flags"
assert_sql "1|0|-14" "SELECT path_fault, path_truncated, retval FROM execs WHERE path IS NULL" \
	"bad path row: path_fault column"

# envp = (char **)1
ew_record -- "$EW_PROGS/efault" env
assert_status 0
assert_json '[execs][1] | .retval == -14 and .argv == ["true"] and vflag("env"; "fault") and
	(vflag("argv"; "fault") | not)' "bad envp: env flagged as fault"
assert_sql "-14|EFAULT|0|2" \
	"SELECT retval, errno_name, argv_flags, env_flags FROM execs WHERE retval != 0" \
	"failed row, env flagged as fault (EW_STRV_FAULT = 2)"
