#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# execwatch deps: the manifest lists exactly what the programs touched (with sizes, SHA-256 and
# packages); --diff and --check detect a changed library; bad input gives clear errors.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd jq sha256sum
export EW_HASH_CACHE="$T/hash.cache"

deps() { ew_run deps "$EW_BIN" deps "$@"; }

# --- files, a search path, a script -------------------------------------------------------
W="$T/w"
mkdir -p "$W"
ew_record --deps -- "$EW_PROGS/deps_files" "$W"
assert_status 0
[ "$(sql "SELECT count(*) FROM digests")" -gt 3 ] || fail "record --deps stored no digests"
deps -i "$EW_DB" --format json
[ "$EW_RC" = 0 ] || fail "deps --format json failed ($EW_RC): $(cat "$T/deps.err")"
cp "$T/deps.out" "$T/m.json"
jq -e . "$T/m.json" >/dev/null || fail "deps --format json is not JSON"
prog=$(readlink -f "$EW_PROGS/deps_files")
jqm() { jq -e --arg t "$W" --arg p "$prog" "$1" "$T/m.json" >/dev/null || fail "$2: $(jq -c --arg t "$W" --arg p "$prog" "$1" "$T/m.json" 2>&1 | head -c 600)"; }
jqm '[.programs[].program] | sort == ([$p, $t + "/s.sh"] | sort)' "the programs: the binary and the script"
jqm '.programs[] | select(.program == $p) | [.files[] | select(.path | startswith($t)) | .path] | sort ==
	([$t, $t + "/p3/conf", $t + "/s.sh", $t + "/sub/data.txt"] | sort)' \
	"the files deps_files opened under the work dir, exactly"
jqm '.programs[] | select(.program == $p) | [.failed[] | [.path, .errno]] ==
	[[$t + "/p1/conf", "ENOENT"], [$t + "/p2/conf", "ENOENT"]]' "the failed probes, kept apart"
jqm '.programs[] | select(.program == $p) | .files[] | select(.path == $t) | .how == ["read","directory"]' \
	"the directory open"
jqm '.programs[] | select(.program == $p) | .executed == [$t + "/s.sh"]' "the script it executed"
jqm '.programs[] | select(.program == $t + "/s.sh") | .runs[0].script and .runs[0].interpreter == "/bin/sh"
	and .runs[0].pid > 0 and (.runs[0].env | type == "array") and (.runs[0].argv == [$t + "/s.sh"])' \
	"the script run: interpreter, argv, env"
jqm '.programs[] | select(.program == $t + "/s.sh") | [.libraries[] | select(.kind == "program")] | length == 1' \
	"the script's interpreter binary mapped as its program"
# Checksums and sizes are those of the files.
want=$(sha256sum "$prog" | cut -d' ' -f1)
jq -e --arg p "$prog" --arg w "$want" '.dependencies[] | select(.path == $p) |
	.sha256 == $w and (.roles | index("program")) and .type == "regular" and .size > 0' "$T/m.json" >/dev/null ||
	fail "the program's own checksum in the dependencies"
libc=$(sql "SELECT path FROM libraries WHERE soname = 'libc.so.6' LIMIT 1")
want=$(sha256sum "$libc" | cut -d' ' -f1)
jq -e --arg p "$libc" --arg w "$want" '.dependencies[] | select(.path == $p) | .sha256 == $w' "$T/m.json" >/dev/null ||
	fail "libc's checksum"
if [ -d /var/lib/dpkg/info ] && owner=$(dpkg -S "$libc" 2>/dev/null || dpkg -S "${libc#/usr}" 2>/dev/null); then
	pkg=${owner%%: *}
	jq -e --arg p "$libc" --arg k "$pkg" '.dependencies[] | select(.path == $p) | .package == $k' "$T/m.json" >/dev/null ||
		fail "libc's package: expected $pkg, got $(jq -c --arg p "$libc" '.dependencies[] | select(.path == $p) | .package' "$T/m.json")"
	jq -e --arg p "$prog" '.dependencies[] | select(.path == $p) | .package == null' "$T/m.json" >/dev/null ||
		fail "the test program is owned by no package"
fi
# Files the run created are outputs, not dependencies.
jqm '[.dependencies[].path] | index($t + "/sub/data.txt") == null' "a file created by the run is no dependency"
jqm '[.outputs[].path] | index($t + "/sub/data.txt") != null' "... it is an output"
# Text and tree.
deps -i "$EW_DB"
[ "$EW_RC" = 0 ] || fail "deps (text) failed"
grep -q "failed   ENOENT .*$W/p1/conf" "$T/deps.out" || fail "text: the failed probe: $(cat "$T/deps.out")"
grep -q "executes $W/s.sh" "$T/deps.out" || fail "text: executes"
deps -i "$EW_DB" --format tree
[ "$EW_RC" = 0 ] || fail "deps --format tree failed"
grep -q "^$prog\$" "$T/deps.out" || fail "tree: the root program: $(cat "$T/deps.out")"
grep -q -- "-- $W/s.sh\$" "$T/deps.out" || fail "tree: the script under it: $(cat "$T/deps.out")"

# --- a dlopen'ed library that changes ---------------------------------------------------------
mkdir -p "$T/lib"
cp "$EW_PROGS/libewdep.so" "$T/lib/libewdep.so"
ew_record --deps -- "$EW_PROGS/deps_dlopen" "$T/lib/libewdep.so" 42
cp "$EW_DB" "$T/a.db"
assert_status 0
deps -i "$T/a.db" --format json
cp "$T/deps.out" "$T/a.json"
jq -e --arg l "$T/lib/libewdep.so" '.programs[0].libraries[] | select(.path == $l) | .kind == "dlopen"' \
	"$T/a.json" >/dev/null || fail "the dlopen'ed library in the manifest"
deps --check "$T/a.json"
[ "$EW_RC" = 0 ] || fail "check on the same machine: expected 0, got $EW_RC: $(cat "$T/deps.out" "$T/deps.err")"
grep -q "different" "$T/deps.out" || fail "check prints a summary"
deps --diff "$T/a.db" "$T/a.db"
[ "$EW_RC" = 0 ] && grep -q "no differences" "$T/deps.out" || fail "diff of a run with itself: $EW_RC $(cat "$T/deps.out")"

cp "$EW_PROGS/libewdep43.so" "$T/lib/libewdep.so"
ew_record --deps -- "$EW_PROGS/deps_dlopen" "$T/lib/libewdep.so" 43
assert_status 0
deps --diff "$T/a.db" "$EW_DB"
[ "$EW_RC" = 1 ] || fail "diff of a changed library: expected status 1, got $EW_RC: $(cat "$T/deps.out" "$T/deps.err")"
grep -q "~ library  $T/lib/libewdep.so" "$T/deps.out" || fail "diff names the changed library: $(cat "$T/deps.out")"
[ "$(grep -c '^  [~+-]' "$T/deps.out")" = 1 ] || fail "diff: only the library changed: $(cat "$T/deps.out")"
deps --diff "$T/a.db" "$EW_DB" --format json
jq -e --arg l "$T/lib/libewdep.so" '.count == 1 and .differences[0].change == "changed" and
	.differences[0].what == "library" and .differences[0].path == $l' "$T/deps.out" >/dev/null ||
	fail "diff --format json: $(cat "$T/deps.out")"
deps --check "$T/a.json"
[ "$EW_RC" = 1 ] || fail "check after the library changed: expected 1, got $EW_RC"
grep -q "^changed  *$T/lib/libewdep.so" "$T/deps.out" || fail "check names the changed library: $(cat "$T/deps.out")"
rm "$T/lib/libewdep.so"
deps --check "$T/a.json" --format json
[ "$EW_RC" = 1 ] || fail "check with the library gone: expected 1, got $EW_RC"
jq -e --arg l "$T/lib/libewdep.so" '.differences == [.differences[] | select(.path == $l and .status == "missing")] and .count == 1' \
	"$T/deps.out" >/dev/null || fail "check --format json, missing library: $(cat "$T/deps.out")"

# --- a forked child that opens without exec'ing belongs to its parent's program ---------------
echo hello >"$T/forked.txt"
ew_record --deps -- /bin/sh -c 'read x <"$1" & wait' sh "$T/forked.txt"
assert_status 0
assert_sql "1" "SELECT count(*) FROM files WHERE path = '$T/forked.txt' AND pid IN
	(SELECT child_pid FROM forks) AND pid NOT IN (SELECT pid FROM execs WHERE retval = 0)" \
	"the open is made by a forked child that never exec'd"
[ "$(sql "SELECT count(*) FROM forks WHERE pid != child_pid")" -ge 1 ] || fail "no fork recorded"
deps -i "$EW_DB" --format json --no-packages
sh_real=$(readlink -f /bin/sh)
jq -e --arg s "$sh_real" --arg f "$T/forked.txt" '.programs[] | select(.program == $s) | .files[] | select(.path == $f)' \
	"$T/deps.out" >/dev/null || fail "the forked subshell's open is attributed to $sh_real: $(head -c 1500 "$T/deps.out")"
jq -e --arg s "$sh_real" '.programs[] | select(.program == $s) | .runs[0].invoked_as == "/bin/sh"' "$T/deps.out" >/dev/null ||
	fail "invoked_as keeps the path exec'd"

# --- an older database (no library kinds, no callers, no digests) still gives a manifest -------
cp "$EW_DB" "$T/old.db"
sqlite3 "$T/old.db" "ALTER TABLE libraries DROP COLUMN kind; ALTER TABLE libraries DROP COLUMN soname;
	ALTER TABLE files DROP COLUMN caller; DROP TABLE digests;" || fail "cannot make the old database"
deps -i "$T/old.db" --format json --no-packages
[ "$EW_RC" = 0 ] || fail "deps of an older database: $EW_RC $(cat "$T/deps.err")"
jq -e '[.programs[].libraries[].kind] | all(. == "unknown") and length > 0' "$T/deps.out" >/dev/null ||
	fail "older database: kinds unknown"
jq -e '[.dependencies[] | select(.sha256 != null)] | length > 0' "$T/deps.out" >/dev/null ||
	fail "older database: checksums computed now"

# --- bad input ------------------------------------------------------------------------------
printf '{"dependencies": [\n  {"path": "/x",}\n]}\n' >"$T/bad.json"
deps --check "$T/bad.json"
[ "$EW_RC" = 2 ] || fail "malformed manifest: expected status 2, got $EW_RC"
grep -q "^execwatch: $T/bad.json:2:[0-9]*: " "$T/deps.err" || fail "malformed manifest: FILE:LINE:COL: $(cat "$T/deps.err")"
deps --check "$T/nonexistent.json"
[ "$EW_RC" = 2 ] && grep -q "No such file" "$T/deps.err" || fail "missing manifest: $EW_RC $(cat "$T/deps.err")"
deps -i "$T/nonexistent.db"
[ "$EW_RC" = 1 ] && [ "$(wc -l <"$T/deps.err")" = 1 ] || fail "missing database: $EW_RC $(cat "$T/deps.err")"
deps --format bogus
[ "$EW_RC" = 2 ] || fail "bad --format: expected 2, got $EW_RC"
deps --diff "$T/a.db"
[ "$EW_RC" = 2 ] || fail "--diff with one database: expected 2, got $EW_RC"
exit 0
