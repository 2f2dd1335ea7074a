#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Exec guard escapes: with "allow /**" then "deny /tmp/**", a program in /tmp must never run,
# whichever way it is started: directly, through a symlink in an allowed directory, through the
# ELF loader, from a memfd, by execveat with a dirfd, as a script's interpreter, from a thread,
# after vfork, by swapping a symlink between check and exec, from an untraced clone, after
# trying ptrace, or after killing execwatch. Each attempt is a separate recording.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guard.inc"
need_ptrace

G=$EW_PROGS/guard_escape


run_mode() { # MODE ARG FILTER MSG
	local mode=$1 arg=$2 filter=$3 msg=$4
	rm -f "$MARKER"
	if [ -n "$arg" ]; then
		ew_record --policy "$POL" -- "$G" "$mode" "$VICTIM" "$arg"
	else
		ew_record --policy "$POL" -- "$G" "$mode" "$VICTIM"
	fi
	guard_no_escape "$mode"
	[ -z "$filter" ] || assert_json "$filter" "$mode: $msg"
}

POLICY_EVENTS='def pol: .[] | select(.event == "policy");'

# 1. direct
run_mode direct "" "$POLICY_EVENTS"'[pol | select(.action == "deny" and .check == "path" and .path == $ENV.VICTIM)] | length == 1' \
	"one path denial of the victim"
assert_json "$POLICY_EVENTS"'[pol | select(.action == "deny")][0] | (.rule | endswith("policy.pol:2")) and .tip == ("allow " + $ENV.VICTIM)' \
	"rule file:line and tip"
assert_json '[execs | select(.procname == $ENV.VICTIM)][0] | .retval == -13 and .errno == "EACCES"' \
	"the exec failed with EACCES"
assert_match 'direct: errno EACCES' "$(cat "$T/rec.out")" "the program saw EACCES"

# 2. symlink in an allowed directory
ln -s "$VICTIM" "$ADIR/link"
run_mode symlink "$ADIR/link" "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' \
	"denied by the resolved path"

# 3. ld.so /tmp/victim
run_mode ldso "" "$POLICY_EVENTS"'any(pol; .action == "deny" and .check == "elf" and (.reason | test("ld.so")))' \
	"ld.so indirection denied"

# 4. memfd + fexecve
run_mode memfd "" "$POLICY_EVENTS"'any(pol; .action == "deny" and (.path | startswith("/memfd:")) and (.reason | test("fileless")))' \
	"fileless exec denied"

# 5. execveat with a dirfd
run_mode execveat "" "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' \
	"execveat(dirfd) denied"

# 6. a script in an allowed directory whose interpreter is denied
printf '#!%s\nexit 0\n' "$VICTIM" >"$ADIR/script"
chmod 755 "$ADIR/script"
run_mode script "$ADIR/script" "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM and (.reason | test("interpreter")))' \
	"denied interpreter"

# 7. thread, 8. vfork
run_mode thread "" "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' "exec from a thread denied"
assert_match 'thread: errno EACCES' "$(cat "$T/rec.out")" "the thread saw EACCES"
run_mode vfork "" "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' "exec after vfork denied"

# 9. swap race: a symlink renamed between /bin/true and the victim while children exec it
run_mode race "$ADIR/racelink" "" ""
info "$(cat "$T/rec.out")"
assert_json "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' \
	"some race attempts were denied at the entry"
info "race: $(json_count "$POLICY_EVENTS"'pol | select(.check == "verify")') swaps caught after the exec"
# the same with the text fallback of the mappings check (kernels without PROCMAP_QUERY)
EW_TEST_MAPS_TEXT=1 run_mode race "$ADIR/racelink" "" ""
info "race (maps text): $(json_count "$POLICY_EVENTS"'pol | select(.check == "verify")') swaps caught after the exec"

# 9b. the same with regular files: a different binary renamed into place, the program pinned by
# its checksum (a swap seen at the entry fails the checksum, one after it fails the verification)
cp /bin/true "$ADIR/rf.a"
cp "$VICTIM" "$ADIR/rf.b"
cp /bin/true "$ADIR/rf"
printf 'allow /**\ndeny /tmp/**\nforce %s sha256:%s\n' "$ADIR/rf" "$(sha256sum /bin/true | cut -d' ' -f1)" >"$ADIR/rf.pol"
rm -f "$MARKER"
ew_record --policy "$ADIR/rf.pol" -- "$G" racefile "$VICTIM" "$ADIR/rf"
guard_no_escape racefile
info "$(cat "$T/rec.out"); $(json_count "$POLICY_EVENTS"'pol | select(.check == "force" and .action == "deny")') checksum denials, $(json_count "$POLICY_EVENTS"'pol | select(.check == "verify")') caught after the exec"

# 10. CLONE_UNTRACED, ptrace by the tracee
run_mode untraced "" "" ""
assert_match 'untraced: errno EPERM' "$(cat "$T/rec.out")" "clone(CLONE_UNTRACED) is refused"
assert_match 'clone3: errno ENOSYS' "$(cat "$T/rec.out")" "clone3 is refused (the C library falls back to clone)"
run_mode ptrace "" "$POLICY_EVENTS"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' "exec after ptrace attempts denied"

# 11. the tracee kills execwatch: the whole tree dies with it (PTRACE_O_EXITKILL)
rm -f "$MARKER"
ew_run kill "$EW_BIN" record -o "$T/k.db" --policy "$POL" -- "$G" killtracer "$VICTIM"
[ "$EW_HUNG" = 0 ] || fail "killtracer: hung"
sleep 0.5
guard_no_escape "killtracer"
[ "$EW_RC" = 137 ] || fail "killtracer: execwatch should have been killed (137), got $EW_RC"

# Without any policy the tracer still refuses untraced children (the base promise: no escape).
ew_record -- "$G" untraced "$EW_PROGS/victim"
assert_match 'untraced: errno EPERM' "$(cat "$T/rec.out")" "no policy: clone(CLONE_UNTRACED) refused"
assert_match 'clone3: errno ENOSYS' "$(cat "$T/rec.out")" "no policy: clone3 refused"
# and ordinary threads and forks still work (glibc falls back from clone3 to clone)
ew_record -- "$G" thread "$EW_PROGS/victim"
assert_status 0

# Attached (-p): a process that execs the victim after the attach is denied too.
rm -f "$MARKER"
sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done; exec "$2"' sh "$T/go" "$VICTIM" </dev/null &
target=$!
timeout -k 5 "$EW_TIMEOUT" "$EW_BIN" record -o "$T/att.db" --json "$T/att.jsonl" --policy "$POL" \
	-p "$target" </dev/null >"$T/att.out" 2>"$T/att.err" &
recorder=$!
for _ in $(seq 400); do
	tracer=$(awk '/^TracerPid:/ { print $2 }' "/proc/$target/status" 2>/dev/null || echo gone)
	[ "$tracer" = gone ] && break
	[ "$tracer" != 0 ] && break
	kill -0 "$recorder" 2>/dev/null || break
	sleep 0.05
done
touch "$T/go"
wait "$recorder" || true
wait "$target" || true
guard_no_escape "attach"
grep -q '"action":"deny"' "$T/att.jsonl" || fail "attach: no denial logged: $(head -c 300 "$T/att.err")"
