#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Exec guard policy: `policy check` (errors as FILE:LINE:COL), a bad --policy fails before
# anything runs, every action (allow, warn, filter, deny, kill, stop, abort, exit), last match
# wins, default, TPE (user, gid, negate), ELF checks, force checksums, segvguard, policy events
# in JSON and SQLite, and `policy learn` round trip.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guard.inc"
need_ptrace

G=$EW_PROGS/guard_escape
pol() { printf '%s\n' "$@" >"$ADIR/p.pol"; rm -f "$MARKER"; }
PE='def pol: .[] | select(.event == "policy");'

# --- policy check -----------------------------------------------------------------------------
ew_run chk "$EW_BIN" policy check "$POL"
assert_status 0
assert_match ': ok: 2 rules' "$(cat "$T/chk.out")" "policy check output"
printf 'allow /**\n  deny /tmp/[x\n' >"$ADIR/bad.pol"
ew_run chk "$EW_BIN" policy check "$ADIR/bad.pol"
assert_error_message chk
assert_eq "execwatch: $ADIR/bad.pol:2:13: malformed pattern (unterminated '[' or trailing '\\')" \
	"$(cat "$T/chk.err")" "policy check error"
ew_run chk "$EW_BIN" policy check "$ADIR/nonexistent.pol"
assert_error_message chk

# A bad policy on record: one line, nothing runs, no database left behind.
ew_run bad "$EW_BIN" record -o "$T/bad.db" --policy "$ADIR/bad.pol" -- touch "$T/ran"
assert_error_message bad
[ ! -e "$T/ran" ] && [ ! -e "$T/bad.db" ] || fail "a bad policy still ran the command or left a database"
ew_run bad "$EW_BIN" record -o "$T/bad.db" --policy "$ADIR/nonexistent.pol" -- touch "$T/ran"
assert_error_message bad

# --- actions ----------------------------------------------------------------------------------
# warn: runs, logged
pol 'allow /**' 'warn /tmp/**'
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
assert_status 0
[ -s "$MARKER" ] || fail "warn: the program should have run"
assert_json "$PE"'any(pol; .action == "warn" and .path == $ENV.VICTIM)' "warn logged"

# filter: denied without a policy event
pol 'allow /**' 'filter /tmp/**'
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape filter
assert_match 'errno EACCES' "$(cat "$T/rec.out")" "filter: EACCES"
assert_json "$PE"'[pol | select(.path == $ENV.VICTIM)] | length == 0' "filter is silent"

# kill, abort: the process dies of the signal
pol 'allow /**' 'kill /tmp/**'
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape kill
assert_status 137
assert_json "$PE"'any(pol; .action == "kill")' "kill logged"
pol 'allow /**' 'abort /tmp/**'
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape abort
assert_status 134

# exit: the whole tree ends and execwatch exits 13 (EACCES)
pol 'allow /**' 'exit /tmp/**'
ew_record --policy "$ADIR/p.pol" -- sh -c "sleep 30 & $G direct $VICTIM; sleep 30"
guard_no_escape exit
assert_status 13
assert_json "$PE"'any(pol; .action == "exit")' "exit logged"

# stop: the process is stopped (the exec does not happen); SIGCONT lets it go on with EACCES
pol 'allow /**' 'stop /tmp/**'
rm -f "$MARKER"
timeout 30 "$EW_BIN" record -o "$T/stop.db" --json "$T/stop.jsonl" --policy "$ADIR/p.pol" -- \
	"$G" direct "$VICTIM" >"$T/stop.out" 2>&1 &
ewpid=$!
stopped=
for _ in $(seq 100); do
	for p in $(pgrep -f "guard_escape direct $VICTIM" || true); do
		[ "$p" = "$ewpid" ] && continue
		# T, or t: a traced process in a group-stop shows as "tracing stop"; seen twice
		# 0.2 s apart, so a passing ptrace stop does not count
		case "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" in
		T | t)
			sleep 0.2
			case "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" in
			T | t) stopped=$p ;;
			esac
			;;
		esac
	done
	[ -n "$stopped" ] && break
	sleep 0.1
done
[ -n "$stopped" ] || { kill "$ewpid" 2>/dev/null; fail "stop: the process was not stopped"; }
kill -CONT "$stopped"
wait "$ewpid" || fail "stop: execwatch failed after SIGCONT"
guard_no_escape stop
grep -q 'errno EACCES' "$T/stop.out" || fail "stop: the exec should fail with EACCES after SIGCONT"

# --- precedence: last match wins; default ------------------------------------------------------
pol 'deny /tmp/**' "allow $VICTIM"
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
[ -s "$MARKER" ] || fail "a later allow should win over an earlier deny"
pol "allow $VICTIM" 'deny /tmp/**'
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape "last match"
assert_json "$PE"'any(pol; .action == "deny" and (.rule | endswith("p.pol:2")))' "the last rule decided"
# two --policy files act as one, in order
printf 'allow %s\n' "$VICTIM" >"$ADIR/q.pol"
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" --policy "$ADIR/q.pol" -- "$G" direct "$VICTIM"
[ -s "$MARKER" ] || fail "the second policy file comes last"
# default deny with an allow list
pol 'default deny' 'allow /usr/**' "allow $EW_PROGS/**"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape default
assert_json "$PE"'any(pol; .action == "deny" and (.rule | endswith("p.pol:1")) and .tip == ("allow " + $ENV.VICTIM))' \
	"default deny decided, tip allows"

# --- TPE ----------------------------------------------------------------------------------------
chmod 777 "$VDIR"
# The test programs' own directory must be trusted (a umask of 002 leaves it group-writable).
chmod go-w "$EW_PROGS"
pol 'allow /**' 'tpe on' 'tpe user on'
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape tpe
assert_json "$PE"'any(pol; .action == "deny" and .check == "tpe" and (.reason | test("writable by others")))' \
	"TPE: directory writable by others"
assert_match 'direct: errno EACCES' "$(cat "$T/rec.out")" "TPE: EACCES"
# the caller's group is trusted: exempt; negated: only that group is checked
pol 'allow /**' 'tpe on' 'tpe user on' "tpe gid $(id -g)"
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
[ -s "$MARKER" ] || fail "TPE: a member of the trusted group is exempt"
pol 'allow /**' 'tpe on' 'tpe user on' "tpe gid $(id -g)" 'tpe negate on'
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$VICTIM"
guard_no_escape "tpe negate"
chmod 700 "$VDIR"

# --- ELF checks --------------------------------------------------------------------------------
elf_case() { # CHECK PROGRAM REASON-REGEX
	local check=$1 prog=$2 re=$3
	pol 'allow /**' "check $check deny"
	rm -f "$MARKER"
	ew_record --policy "$ADIR/p.pol" -- "$G" direct "$prog"
	guard_no_escape "check $check"
	assert_json --arg re "$re" "$PE"'any(pol; .action == "deny" and .check == "elf" and (.reason | test($re)))' \
		"check $check"
	# and the same check does not stop an ordinary program
	ew_record --policy "$ADIR/p.pol" -- "$G" direct "$EW_PROGS/exit_code"
	assert_json "$PE"'all(pol; .action == "allow")' "check $check: the ordinary program runs"
}
cp "$EW_PROGS"/victim_static "$EW_PROGS"/victim_nopie "$EW_PROGS"/victim_execstack "$ADIR/"
elf_case static "$ADIR/victim_static" 'statically linked'
elf_case nopie "$ADIR/victim_nopie" 'not position independent'
elf_case execstack "$ADIR/victim_execstack" 'executable stack'
if [ -x "$EW_PROGS/exec_ok_m32" ]; then
	elf_case elf32 "$EW_PROGS/exec_ok_m32" '32-bit'
fi
pol 'allow /**' 'check dynamic deny'
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$ADIR/victim_nopie"
guard_no_escape "check dynamic"
assert_json "$PE"'any(pol; .action == "deny" and (.reason | test("dynamically linked")))' "check dynamic"
printf '#!/bin/sh\n"%s"\n' "$VICTIM" >"$ADIR/s.sh"
chmod 755 "$ADIR/s.sh"
pol 'allow /**' 'check script deny'
ew_record --policy "$ADIR/p.pol" -- "$G" script "$VICTIM" "$ADIR/s.sh"
guard_no_escape "check script"
assert_json "$PE"'any(pol; .action == "deny" and (.reason | test("script")))' "check script"
# a file that starts like ELF but cannot be read as one is denied (it cannot be checked)
cp "$EW_SRC/fuzz/corpus/elf/truncated" "$ADIR/trunc"
chmod 755 "$ADIR/trunc"
pol 'allow /**'
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$ADIR/trunc"
assert_json "$PE"'any(pol; .action == "deny" and .check == "elf" and (.reason | test("malformed")))' "malformed ELF denied"
# ld.so and fileless checks can be switched off
pol 'allow /**' 'check ldso off' 'check fileless off'
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" memfd "$ADIR/victim_nopie"
[ -s "$MARKER" ] || fail "check fileless off: the memfd program should run"

# --- force ---------------------------------------------------------------------------------------
cp "$EW_PROGS/victim" "$ADIR/v2"
sum=$(sha256sum "$ADIR/v2" | cut -d' ' -f1)
pol 'allow /**' "force $ADIR/v2 sha256:$sum"
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$ADIR/v2"
[ -s "$MARKER" ] || fail "force: the right checksum runs"
sum512=$(sha512sum "$ADIR/v2" | cut -d' ' -f1)
sum3=$(python3 -c 'import hashlib,sys; print(hashlib.sha3_256(open(sys.argv[1],"rb").read()).hexdigest())' "$ADIR/v2")
pol 'allow /**' "force $ADIR/v2 sha512:$sum512" "force $ADIR/v2 sha3-256:$sum3"
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$ADIR/v2"
[ -s "$MARKER" ] || fail "force: sha3-256 runs"
printf 'x' >>"$ADIR/v2"
sum_new=$(sha256sum "$ADIR/v2" | cut -d' ' -f1)
pol 'allow /**' "force $ADIR/v2 sha256:$sum"
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- "$G" direct "$ADIR/v2"
guard_no_escape force
assert_json --arg t "force $ADIR/v2 sha256:$sum_new" "$PE"'any(pol; .action == "deny" and .check == "force" and .tip == $t and (.reason | test("mismatch")))' \
	"force: mismatch denied, tip has the actual checksum"

# --- segvguard: 2 crashes within 60 s suspend it for 60 s ----------------------------------------
cp "$EW_PROGS/victim" "$ADIR/crasher"
pol 'allow /**' 'segvguard 2 60 60'
rm -f "$MARKER"
ew_record --policy "$ADIR/p.pol" -- sh -c "'$ADIR/crasher' crash; '$ADIR/crasher' crash; '$ADIR/crasher'; echo third=\$?"
assert_eq 2 "$(wc -l <"$MARKER")" "segvguard: two crashes ran, the third exec is denied"
assert_match 'third=126' "$(cat "$T/rec.out")" "segvguard: the third exec failed"
assert_json "$PE"'any(pol; .action == "deny" and .check == "segvguard" and .tip == "segvguard off")' "segvguard logged"

# --- database -------------------------------------------------------------------------------------
ew_record --policy "$POL" -- "$G" direct "$VICTIM"
assert_eq 1 "$(sqlite3 "$EW_DB" "SELECT count(*) FROM policy WHERE action = 'deny' AND check_name = 'path' AND path = '$VICTIM' AND rule LIKE '%policy.pol:2' AND tip = 'allow $VICTIM'")" \
	"the decision is in the database"

# --- learn: record once, enforce from then on ------------------------------------------------------
ew_record -- sh -c "'$EW_PROGS/exit_code' 0; true"
ew_run learn "$EW_BIN" policy learn -i "$EW_DB" -o "$ADIR/learned.pol"
assert_status 0
grep -q '^default deny$' "$ADIR/learned.pol" || fail "learn: default deny"
grep -q "^force $EW_PROGS/exit_code sha256:" "$ADIR/learned.pol" || fail "learn: checksum of the program"
ew_run chk "$EW_BIN" policy check "$ADIR/learned.pol"
assert_status 0
ew_record --policy "$ADIR/learned.pol" -- sh -c "'$EW_PROGS/exit_code' 0; true"
assert_status 0
assert_json "$PE"'all(pol; .action == "allow")' "learn: the same run is allowed"
rm -f "$MARKER"
ew_record --policy "$ADIR/learned.pol" -- sh -c "'$EW_PROGS/exit_code' 0; '$VICTIM'"
guard_no_escape learn
assert_json "$PE"'any(pol; .action == "deny" and .path == $ENV.VICTIM)' "learn: anything else is denied"
ew_run learn "$EW_BIN" policy learn -i "$T/nonexistent.db"
assert_error_message learn
