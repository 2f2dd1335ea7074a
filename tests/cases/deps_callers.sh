#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# record --deps-callers (stretch): each open is attributed, by a stack walk, to the library whose
# code made it — a dlopen'ed library's open to that library, the program's to the program, the
# loader's to ld.so.
. "$(dirname "$0")/lib.sh"
need_ptrace
"$EW_BIN" record --help | grep -q -- --deps-callers || skip "no --deps-callers"
echo x >"$T/by_lib"
echo y >"$T/by_prog"
cp "$EW_PROGS/libewdep.so" "$T/libewdep.so"
ew_record --deps-callers -- "$EW_PROGS/deps_dlopen" "$T/libewdep.so" 42 "$T/by_lib" "$T/by_prog"
if [ "$EW_RC" = 1 ] && grep -q "not available in this build" "$T/rec.err"; then
	skip "built without libdw"
fi
assert_status 0
prog=$(readlink -f "$EW_PROGS/deps_dlopen")
assert_sql "$T/libewdep.so" "SELECT caller FROM files WHERE path = '$T/by_lib'" \
	"the open made by the library's code"
assert_sql "$prog" "SELECT caller FROM files WHERE path = '$T/by_prog'" \
	"the open made by the program's code"
assert_sql "$prog" "SELECT caller FROM files WHERE path = '$T/libewdep.so'" \
	"dlopen() called by the program"
assert_sql "1" "SELECT caller LIKE '%ld-linux%' FROM files WHERE path = '/etc/ld.so.cache'" \
	"the loader's own opens"
"$EW_BIN" deps -i "$EW_DB" --format json --no-packages >"$T/m.json" || fail "deps failed"
jq -e --arg f "$T/by_lib" --arg l "$T/libewdep.so" '.programs[0].files[] | select(.path == $f) | .caller == $l' \
	"$T/m.json" >/dev/null || fail "the manifest names the caller"
# Without --deps-callers: no caller.
ew_record --deps -- "$EW_PROGS/deps_dlopen" "$T/libewdep.so" 42 "$T/by_lib" "$T/by_prog"
assert_sql "0" "SELECT count(*) FROM files WHERE caller IS NOT NULL" "no callers without the option"
