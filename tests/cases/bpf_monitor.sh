#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `execwatch monitor`: host-wide, live. Started in the background, it sees execs of programs it
# did not start, successful and failed, with the kernel's facts (binary dev/inode/mode/ctime,
# stdin, kernel_invoked), forks and exits; --comm and --failed filter; SIGINT ends it with
# status 0 and a complete JSON file and database.
. "$(dirname "$0")/lib.sh"
need_bpf

# A monitor left running by a failed assertion would keep its programs attached to the whole
# host: whatever happens, the case ends with no monitor of its own alive.
MON_PID=
monitor_cleanup() {
	local rc=$?
	if [ -n "$MON_PID" ] && kill -0 "$MON_PID" 2>/dev/null; then
		kill -KILL "$MON_PID" 2>/dev/null
		wait "$MON_PID" 2>/dev/null
	fi
	ew_cleanup
	return "$rc"
}
trap monitor_cleanup EXIT

# monitor_start NAME ARGS...: runs the monitor in the background until monitor_stop.
monitor_start() {
	local name=$1
	shift
	rm -f "$T/$name.jsonl" "$T/$name.db"
	"$EW_BIN" monitor --json "$T/$name.jsonl" -o "$T/$name.db" "$@" \
		</dev/null >"$T/$name.out" 2>"$T/$name.err" &
	MON_PID=$!
	local i
	for i in $(seq 1 200); do
		grep -q "monitoring" "$T/$name.err" 2>/dev/null && return 0
		kill -0 "$MON_PID" 2>/dev/null || fail "monitor exited early: $(cat "$T/$name.err")"
		sleep 0.05
	done
	fail "monitor did not start within 10 s: $(cat "$T/$name.err")"
}

monitor_stop() {
	local rc=0
	kill -INT "$MON_PID"
	timeout 20 tail --pid="$MON_PID" -f /dev/null || fail "monitor did not stop on SIGINT"
	wait "$MON_PID" || rc=$?
	MON_PID=
	[ "$rc" = 0 ] || fail "monitor exited $rc: $(cat "$T/$1.err")"
	EW_JSON=$T/$1.jsonl
	EW_DB=$T/$1.db
	check_json_lines "$EW_JSON"
}

mkdir -p "$T/w"
# The monitor sees the whole host (other tests too): run copies with names of our own.
OK=ewmok$$
EA=ewmea$$
cp "$EW_PROGS/exec_ok" "$T/$OK"
cp "$EW_PROGS/eacces" "$T/$EA"
monitor_start all
: | "$T/$OK" >/dev/null
"$T/$EA" "$T/w" >/dev/null 2>&1 || true
monitor_stop all
check_common_fields

assert_json --arg p "$T/$OK" --arg c "$OK" '[execs | select(.path == "/bin/true" and .comm == $c)] |
	length == 1 and (.[0] | .retval == 0 and .argv == ["true", "exec_ok-arg"] and
	.backend == "bpf" and .kernel_invoked == false and .exe == $p and
	.stdin.type == "fifo" and (.stdin.path | startswith("pipe:[")))' \
	"the exec of /bin/true by exec_ok, with stdin a pipe"
ino=$(stat -L -c %i /bin/true)
dev=$(stat -L -c %d /bin/true)
ctime=$(stat -L -c %Z /bin/true)
assert_json --argjson ino "$ino" --argjson dev "$dev" --argjson ct "$ctime" --arg c "$OK" \
	'[execs | select(.path == "/bin/true" and .comm == $c)][0].binary |
	 .ino == $ino and .dev == $dev and (.ctime / 1e9 | floor) == $ct and .type == "regular"' \
	"binary dev/inode/ctime/mode of /bin/true"
assert_json --arg c "$EA" '[execs | select(.comm == $c and .errno == "EACCES")] | length == 2' \
	"the two failed execs of eacces (process_execute_failed)"
assert_json --arg w "$T/w" --arg c "$EA" '[execs | select(.comm == $c)][0] |
	.path == ($w + "/noexec.sh") and .binary.perm == "0644" and .binary.ino > 0' \
	"the failed exec names the file it could not run, with its inode and mode"
assert_json '[forks] | length > 0' "fork events"
assert_json '[exits] | length > 0' "exit events"
n=$(sql "SELECT count(*) FROM execs WHERE path = '/bin/true'")
[ "$n" -ge 1 ] || fail "the database lacks the exec of /bin/true"

# --failed: only failed execs; --comm: only that command.
monitor_start flt --failed --comm "$EA"
"$T/$OK" >/dev/null
"$T/$EA" "$T/w" >/dev/null 2>&1 || true
monitor_stop flt
assert_json --arg c "$EA" '[.[] | select(.event != "lost")] | length == 2 and
	all(.event == "exec" and .retval < 0 and .comm == $c)' \
	"--failed --comm NAME: exactly the two failed execs of that program"

# --kill: a deny-listed file is killed right after its exec (bpf_send_signal).
DN=ewmdn$$
cp /bin/true "$T/w/$DN"
monitor_start kill --kill "$T/w/$DN"
rc=0
"$T/w/$DN" || rc=$?
"$T/$OK" >/dev/null || fail "exec_ok was disturbed by the deny list"
monitor_stop kill
assert_eq 137 "$rc" "the denied program is killed by SIGKILL"
assert_json --arg c "$DN" '[exits | select(.comm == $c)] | length == 1 and
	.[0].signal == "SIGKILL"' "its exit event says SIGKILL"
