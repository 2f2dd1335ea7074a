#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# execveat(2): AT_EMPTY_PATH on an fd of /bin/true (procname = the file behind the fd), a dirfd
# with a relative name (procname = dir/name), AT_FDCWD with an absolute path, and two failures
# (ENOENT under a dirfd; ELOOP with AT_SYMLINK_NOFOLLOW).
. "$(dirname "$0")/lib.sh"
need_ptrace

AT_EMPTY_PATH=4096
AT_SYMLINK_NOFOLLOW=256

ew_record -- "$EW_PROGS/execveat" empty
assert_status 0
assert_count 2 'execs' "exec events (empty)"
assert_json --arg real "$TRUE_REAL" --argjson f "$AT_EMPTY_PATH" '[execs][1] |
	.syscall == "execveat" and .path == "" and .at_flags == $f and .dirfd >= 0 and
	.procname == $real and .retval == 0 and .argv == ["ew_at", "empty"]' \
	"AT_EMPTY_PATH: procname is /bin/true's resolved path ($TRUE_REAL)"

ew_record -- "$EW_PROGS/execveat" dirfd "$T"
assert_status 0
assert_json --arg t "$T" '[execs][1] | .syscall == "execveat" and .path == "ew_at_true" and
	.dirfd >= 0 and .at_flags == 0 and .procname == $t + "/ew_at_true" and .retval == 0' \
	"dirfd + relative name: procname is dir/name"

ew_record -- "$EW_PROGS/execveat" fdcwd
assert_status 0
assert_json --arg real "$TRUE_REAL" '[execs][1] | .syscall == "execveat" and .dirfd == -100 and
	.path == "/bin/true" and .procname == "/bin/true" and .new_exe == $real and .retval == 0' \
	"AT_FDCWD + absolute path"

ew_record -- "$EW_PROGS/execveat" missing "$T"
assert_status 0
assert_json '[execs][1] | .syscall == "execveat" and .path == "ew_missing" and .retval == -2 and
	.errno == "ENOENT"' "missing file under a dirfd: ENOENT"
assert_json --arg t "$T" '[execs][1] | .procname == null or .procname == $t + "/ew_missing"' \
	"missing file: procname is null or where it would have been"

ew_record -- "$EW_PROGS/execveat" nofollow "$T"
assert_status 0
assert_json --argjson f "$AT_SYMLINK_NOFOLLOW" '[execs][1] | .syscall == "execveat" and
	.path == "ew_link" and .at_flags == $f and .retval == -40 and .errno == "ELOOP"' \
	"AT_SYMLINK_NOFOLLOW on a symlink: ELOOP"
assert_sql "execveat|-40|ELOOP" "SELECT syscall, retval, errno_name FROM execs WHERE retval != 0" \
	"failed row"
