#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# record --deps: files opened relative to a dirfd, failed opens along a search path, a script
# exec, and libraries classified program / interpreter / needed / dlopen.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record --deps -- "$EW_PROGS/deps_files" "$T"
assert_status 0
# openat(dirfd, "sub/data.txt"): absolute path from the fd, the argument kept as passed.
assert_sql "openat|1|sub/data.txt|1" \
	"SELECT syscall, how, arg_path, dirfd >= 0 FROM files WHERE path = '$T/sub/data.txt' AND how = 1" \
	"openat relative to a dirfd"
assert_sql "9" "SELECT how FROM files WHERE path = '$T' AND syscall = 'openat'" \
	"the directory open (read, directory)"
# The search path: two ENOENT probes kept apart (how & 32), then the hit.
assert_sql "$T/p1/conf|33|ENOENT
$T/p2/conf|33|ENOENT
$T/p3/conf|1|" \
	"SELECT path, how, errno_name FROM files WHERE path LIKE '%/conf' AND how & 4 = 0 ORDER BY seq" \
	"failed opens along the search path"
assert_sql "1" "SELECT count(*) FROM files WHERE path = '$T/sub/data.txt' AND how & 6 = 6" \
	"the file created for writing"
# The script exec: the script, its interpreter, the interpreter's libraries.
assert_sql "$T/s.sh|/bin/sh" "SELECT procname, interp FROM execs WHERE retval = 0 AND script" \
	"script exec with its interpreter"
sh_real=$(readlink -f /bin/sh)
assert_sql "1" "SELECT count(*) FROM libraries WHERE kind = 'program' AND path = '$sh_real'" \
	"the script interpreter mapped as a program"
assert_sql "1" "SELECT count(*) > 0 FROM libraries WHERE kind = 'interpreter' AND at_exec" \
	"ld.so recorded at exec"
assert_json '[.[] | select(.event == "file")] | length > 5 and all(.path | startswith("/"))' \
	"file events in JSON with absolute paths"

# dlopen: the library mapped later is "dlopen"; libc is "needed".
lib="$T/libewdep.so"
cp "$EW_PROGS/libewdep.so" "$lib"
ew_record --deps -- "$EW_PROGS/deps_dlopen" "$lib" 42
assert_status 0
prog_real=$(readlink -f "$EW_PROGS/deps_dlopen")
assert_sql "program|$prog_real" \
	"SELECT kind, path FROM libraries WHERE kind = 'program'" "the program at exec"
assert_sql "dlopen|$lib|0" \
	"SELECT kind, path, at_exec FROM libraries WHERE path LIKE '%libewdep.so'" "the dlopen'ed library"
assert_sql "needed|libc.so.6" \
	"SELECT kind, soname FROM libraries WHERE soname = 'libc.so.6'" "libc as DT_NEEDED"
assert_sql "1" "SELECT count(*) FROM libraries WHERE path LIKE '%libewdep.so' AND file_size > 0" \
	"its stat facts"
assert_sql "0" "SELECT count(*) FROM (SELECT pid, path FROM libraries GROUP BY pid, path, kind HAVING count(*) > 1)" \
	"each library once per process image"
# Without --deps nothing of this is recorded.
ew_record -- "$EW_PROGS/deps_dlopen" "$lib" 42
assert_sql "0|0" "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM libraries)" \
	"no file or library events without --deps"
