# shellcheck shell=bash
# SPDX-License-Identifier: MIT
#
# lib.sh - shared helpers for the integration tests (tests/cases/*.sh; each script is one CTest).
#
# Source it first:   . "$(dirname "$0")/lib.sh"
# Environment (set by CTest): EW_BIN (the execwatch binary), EW_PROGS (built tests/progs/),
# EW_BUILD, EW_SRC, EW_PLUGIN. Optional: EW_KEEP=1 keeps the temp dir, EW_TIMEOUT (seconds,
# default 60) bounds each traced run.
#
# Exit codes: 0 pass, 1 fail (one "FAIL case: what differed" line, then context), 77 skip (one
# "SKIP case: why" line). Every run of execwatch, strace or a test program goes through `timeout`
# so that a hang fails the case instead of blocking CI.
#
# After `ew_record ... -- CMD`: EW_RC is execwatch's exit status, EW_DB and EW_JSON the files it
# wrote, $T/rec.out and $T/rec.err its stdout and stderr. JSON helpers run jq over the whole
# file slurped into an array, with these definitions available to every filter:
#   execs, forks, exits      the events of one kind (a stream)
#   ok, failed               select successful / failed execs
#   root                     the pid of the first exec event (the spawned command)
#   vflag("argv"; "fault")   the argv_fault (env_null, ...) flag of an exec event
# py_check runs python over the events, b(s) giving a string's exact bytes (surrogateescape);
# sql/assert_sql query the database; oracle_compare checks execwatch against strace.
# Every recording is checked against the contract of docs/JSON.md (check_common_fields).
#
# Run directly (`bash lib.sh`, the CTest case.lib), this file tests its own helpers.

set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true

EW_CASE=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
EW_CASES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EW_TIMEOUT=${EW_TIMEOUT:-60}

# ----------------------------------------------------------------------------------------------
# Verdicts

# Prints extra context after a failure: execwatch's stderr and a few events.
ew_context() {
	if [ -n "${T:-}" ] && [ -s "$T/rec.err" ]; then
		echo "--- execwatch stderr (last 20 lines):" >&2
		tail -n 20 "$T/rec.err" >&2
	fi
	if [ -n "${EW_JSON:-}" ] && [ -s "$EW_JSON" ]; then
		echo "--- JSON events (first 30, long strings cut):" >&2
		head -n 30 "$EW_JSON" | cut -c1-400 >&2
	fi
}

fail() {
	printf 'FAIL %s: %s\n' "$EW_CASE" "$*" >&2
	ew_context
	exit 1
}

skip() {
	printf 'SKIP %s: %s\n' "$EW_CASE" "$*" >&2
	exit 77
}

info() {
	printf '%s: %s\n' "$EW_CASE" "$*" >&2
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs '$c', which is not installed"
	done
}

# ----------------------------------------------------------------------------------------------
# Environment and temp dir

[ -n "${EW_BIN:-}" ] || fail "EW_BIN is not set (run through ctest, or export EW_BIN=.../execwatch)"
[ -n "${EW_PROGS:-}" ] || fail "EW_PROGS is not set (the build's tests/progs directory)"
[ -x "$EW_BIN" ] || fail "EW_BIN=$EW_BIN is not an executable file"
[ -d "$EW_PROGS" ] || fail "EW_PROGS=$EW_PROGS is not a directory"
need_cmd timeout jq iconv

# T: a fresh directory for this case, removed at exit (kept with EW_KEEP=1). Resolved (pwd -P),
# so that paths the test programs build from it are already canonical.
T=$(mktemp -d "${TMPDIR:-/tmp}/ew-$EW_CASE.XXXXXX")
T=$(cd "$T" && pwd -P)
ew_cleanup() {
	local rc=$?
	if [ "${EW_KEEP:-0}" = 1 ]; then
		echo "$EW_CASE: kept $T" >&2
	else
		chmod -R u+rwx "$T" 2>/dev/null || true
		rm -rf "$T"
	fi
	return "$rc"
}
trap ew_cleanup EXIT
cd "$T"

# The canonical path of /bin/true (usually /usr/bin/true on merged-/usr systems). Per
# docs/JSON.md, `procname` is the path resolved against cwd or dirfd (lexically: "/bin/true"
# stays "/bin/true"), except for AT_EMPTY_PATH where it is the file behind the fd; `new_exe`
# (/proc/PID/exe after the exec) is the canonical path.
# shellcheck disable=SC2034 # used by the cases
TRUE_REAL=$(readlink -f /bin/true)

# Skips (77) when this environment forbids ptrace (sandbox, seccomp'ed container, Yama).
need_ptrace() {
	local rc=0
	timeout 10 "$EW_PROGS/ptrace_probe" 2>"$T/probe.err" || rc=$?
	case $rc in
	0) ;;
	77) skip "ptrace is not available here: $(head -n 1 "$T/probe.err")" ;;
	*) fail "ptrace_probe failed (status $rc): $(head -n 1 "$T/probe.err")" ;;
	esac
}

# Skips (77) unless the eBPF backend is built and may load here (root, BPF permitted).
need_bpf() {
	local rc=0
	timeout -k 5 60 "$EW_BIN" record --backend bpf -o "$T/bpf-probe.db" -- /bin/true \
		</dev/null >/dev/null 2>"$T/bpf-probe.err" || rc=$?
	rm -f "$T/bpf-probe.db"
	case $rc in
	0) ;;
	*) if grep -q "not available in this build\|needs root\|not permitted\|no BTF" "$T/bpf-probe.err"; then
		   skip "the eBPF backend cannot run here: $(head -n 1 "$T/bpf-probe.err")"
	   fi
	   fail "record --backend bpf -- /bin/true failed (status $rc): $(head -n 3 "$T/bpf-probe.err")" ;;
	esac
}

# Skips when strace is missing or cannot trace here.
need_strace() {
	need_cmd strace python3
	timeout 20 strace -f -qq -o /dev/null -- true 2>"$T/strace-probe.err" ||
		skip "strace cannot trace here: $(head -n 1 "$T/strace-probe.err")"
}

# ----------------------------------------------------------------------------------------------
# Running execwatch

# Runs the command under a timeout with stdin from /dev/null; sets EW_RC and EW_HUNG (1 when the
# timeout fired). Output goes to $T/$1.out and $T/$1.err. Usage: ew_run NAME CMD [ARGS...]
ew_run() {
	local name=$1 start
	shift
	EW_RC=0
	EW_HUNG=0
	start=$SECONDS
	timeout -k 5 "$EW_TIMEOUT" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err" || EW_RC=$?
	if [ "$EW_RC" -eq 124 ] || { [ "$EW_RC" -eq 137 ] &&
		[ $((SECONDS - start)) -ge "$EW_TIMEOUT" ]; }; then
		EW_HUNG=1
	fi
}

# ew_record [RECORD-OPTIONS...] -- CMD [ARGS...]
# Runs `execwatch record -o $T/x.db --json $T/x.jsonl RECORD-OPTIONS -- CMD` (fresh files each
# time). Fails the case if execwatch hung or wrote invalid JSON Lines; the exit status is left in
# EW_RC for the caller to assert. Also checks the fields every exec, fork and exit event must have.
ew_record() {
	EW_DB="$T/x.db"
	EW_JSON="$T/x.jsonl"
	rm -f "$EW_DB" "$EW_DB-wal" "$EW_DB-shm" "$EW_DB-journal" "$EW_JSON"
	ew_run rec "$EW_BIN" record -o "$EW_DB" --json "$EW_JSON" "$@"
	[ "$EW_HUNG" = 0 ] || fail "execwatch record did not finish within ${EW_TIMEOUT}s: $*"
	[ -f "$EW_JSON" ] || fail "execwatch record wrote no JSON file (status $EW_RC): $*"
	check_json_lines "$EW_JSON"
	check_common_fields
}

# Each line of FILE must be exactly one JSON object (JSON Lines), and the file valid UTF-8
# (iconv rejects invalid sequences, encoded surrogates included).
check_json_lines() {
	local bad
	bad=$(iconv -f UTF-8 -t UTF-8 "$1" 2>&1 >/dev/null) ||
		fail "$1 is not valid UTF-8: ${bad:0:300}"
	bad=$(jq -R -r 'select((try (fromjson | type) catch "invalid") != "object") | .[0:200]' \
		"$1" 2>&1) || fail "jq cannot read $1 as text: ${bad:0:300}"
	[ -z "$bad" ] || fail "not JSON Lines (one object per line) in $1; bad lines: ${bad:0:600}"
}

# jq definitions shared by every filter below.
EW_JQ_DEFS='
def execs: .[] | select(.event == "exec");
def forks: .[] | select(.event == "fork");
def exits: .[] | select(.event == "exit");
def ok: select(.retval == 0);
def failed: select(.retval != 0);
def root: (map(select(.event == "exec")) | .[0].pid);
# vflag("argv"; "fault"): the exec event flags its argv (or env) vector as fault, null or
# truncated (the booleans argv_fault, env_null, ... of docs/JSON.md).
def vflag($vec; $flag): .[$vec + "_" + $flag] == true;
'

# The contract of docs/JSON.md that every recording must meet: every documented field present
# (null when unknown, never omitted), the right types, and the consistency rules (errno iff
# failure, dirfd/at_flags only for execveat, exit code xor signal, seq 1..N without gaps).
EW_JQ_CHECK='
def ty($t): type == $t;
def opt($t): type == $t or type == "null";
def need(c; $msg): if c then [] else [$msg] end;
def missing($ks): . as $e | $ks | map(select(. as $k | $e | has($k) | not) | "missing field " + .);
def problems:
  missing(["event", "seq", "time", "time_iso", "time_mono", "pid", "tid", "ppid", "comm", "exe",
           "backend"]) +
  need((.seq | ty("number")) and (.time | ty("number")) and (.time_mono | ty("number")) and
       (.pid | ty("number")) and (.tid | ty("number")) and
       ((.pid > 0 and .tid > 0) or (.event == "lost" and .pid == 0 and .tid == 0));
       "seq, time, time_mono, pid, tid must be integers (pid/tid 0 only for lost)") +
  need((.ppid | opt("number")) and (.comm | opt("string")) and (.exe | opt("string")) and
       (.backend | opt("string")) and (.time_iso | opt("string")); "ppid/comm/exe/backend types") +
  if .event == "exec" then
    missing(["syscall", "syscall_nr", "arch", "path", "dirfd", "at_flags", "procname", "argv",
             "argv_bytes", "argv_null", "argv_fault", "argv_truncated", "env", "env_bytes",
             "env_null", "env_fault", "env_truncated", "cwd", "retval", "errno", "errno_text",
             "fileless", "script", "elf", "kernel_invoked", "nonleader", "binary", "interpreter",
             "interpreter_arg", "interpreter_binary", "stdin", "old_tid", "new_exe"]) +
    need(.syscall | IN("execve", "execveat"); "syscall must be execve or execveat") +
    need((.path | opt("string")) and (.procname | opt("string")) and (.cwd | opt("string")) and
         (.interpreter | opt("string")) and (.interpreter_arg | opt("string")) and
         (.new_exe | opt("string")); "path/procname/cwd/interpreter/new_exe types") +
    need((.argv | ty("array")) and all(.argv[]; ty("string")) and (.env | ty("array")) and
         all(.env[]; ty("string")); "argv and env must be arrays of strings") +
    need(all(.argv_null, .argv_fault, .argv_truncated, .env_null, .env_fault, .env_truncated,
             .fileless, .script, .elf, .kernel_invoked, .nonleader; ty("boolean"));
         "flags must be booleans") +
    need((.argv_bytes | ty("number")) and (.env_bytes | ty("number")); "argv_bytes, env_bytes") +
    need((.argv_null | not) or .argv == []; "argv_null with a non-empty argv") +
    need((.env_null | not) or .env == []; "env_null with a non-empty env") +
    need((.retval | ty("number")) and .retval <= 0 and .retval >= -4095; "retval: 0 or -errno") +
    need((.retval == 0) == (.errno == null) and (.errno == null) == (.errno_text == null);
         "errno and errno_text are set exactly when retval < 0") +
    need(.errno == null or (.errno | ty("string") and test("^E[A-Z0-9]+$")); "errno name") +
    need(if .syscall == "execve" then .dirfd == null and .at_flags == null
         else (.dirfd | ty("number")) and (.at_flags | ty("number")) end;
         "dirfd/at_flags: null for execve, integers for execveat") +
    need((.binary | opt("object")) and (.interpreter_binary | opt("object")) and
         (.stdin | opt("object")); "binary/interpreter_binary/stdin: object or null") +
    need(.binary == null or ((.binary | has("dev") and has("ino") and has("mode") and
         has("type") and has("perm") and has("uid") and has("gid") and has("size") and
         has("ctime") and has("mtime"))); "binary lacks stat fields") +
    need((.old_tid | opt("number")) and (.old_tid == null or .nonleader); "old_tid without nonleader")
  elif .event == "fork" then
    missing(["syscall", "child_pid", "child_tid", "kind", "clone_flags"]) +
    need((.child_pid | ty("number")) and (.child_tid | ty("number")) and
         (.clone_flags | ty("number")) and (.syscall | opt("string")); "fork field types") +
    need(.kind | IN("process", "thread"); "kind must be process or thread") +
    need(if .kind == "thread" then .child_pid == .pid and .child_tid != .tid
         else .child_pid == .child_tid and .child_pid != .pid end;
         "child_pid/child_tid do not match kind")
  elif .event == "exit" then
    missing(["code", "signal", "signal_number", "core_dumped", "status", "thread"]) +
    need((.status | ty("number")) and (.core_dumped | ty("boolean")) and (.thread | ty("boolean"));
         "exit field types") +
    need(if .signal == null
         then (.code | ty("number")) and .signal_number == null and .status == .code
         else .code == null and (.signal | ty("string")) and (.signal_number | ty("number")) and
              .status == 128 + .signal_number end;
         "code/signal/signal_number/status are inconsistent") +
    need(.thread == (.pid != .tid) or (.thread | not); "thread exit of the leader")
  else [] end;
'

check_common_fields() {
	local bad
	bad=$(jq -s -c "$EW_JQ_CHECK"'
	  (if ([.[].seq] == [range(1; length + 1)]) then empty
	   else {problem: "seq is not 1..N without gaps", seqs: [.[].seq][0:20]} end),
	  (.[] | problems as $p | select($p | length > 0) |
	   {seq, event, pid, problems: $p})' "$EW_JSON" 2>&1) ||
		fail "jq failed on $EW_JSON: ${bad:0:300}"
	[ -z "$bad" ] || fail "events break docs/JSON.md: ${bad:0:1200}"
}

# ----------------------------------------------------------------------------------------------
# JSON queries (over $EW_JSON, slurped, with EW_JQ_DEFS)

# jqs [JQ-OPTIONS...] FILTER: raw output of FILTER over the event array.
jqs() {
	local n=$#
	jq -r -s "${@:1:n-1}" "$EW_JQ_DEFS${*:n:1}" "$EW_JSON"
}

# json_count FILTER: how many events a stream filter yields, e.g. json_count 'execs | failed'.
json_count() {
	jq -s "$EW_JQ_DEFS"'[ '"$1"' ] | length' "$EW_JSON"
}

# assert_json [JQ-OPTIONS...] FILTER MSG: FILTER (over the event array) must yield true. Options
# such as --arg NAME VALUE come first.
assert_json() {
	local n=$# filter msg out
	[ "$n" -ge 2 ] || fail "assert_json needs a filter and a message"
	filter=${*:n-1:1}
	msg=${*:n:1}
	out=$(jq -e -s "${@:1:n-2}" "$EW_JQ_DEFS$filter" "$EW_JSON" 2>&1) ||
		fail "$msg [jq: $filter => ${out:0:300}]"
}

# assert_count N FILTER MSG
assert_count() {
	local n
	n=$(json_count "$2") || fail "jq failed on filter $2"
	[ "$n" = "$1" ] || fail "$3: expected $1, got $n [jq: $2]"
}

# Prints the JSON (compact) of the events a stream filter yields, for error messages.
json_show() {
	local out
	out=$(jq -c -s "$EW_JQ_DEFS$1" "$EW_JSON" 2>&1 | cut -c1-300) || true
	printf '%s' "${out:0:2000}"
}

# ----------------------------------------------------------------------------------------------
# Plain assertions

assert_eq() { # EXPECTED ACTUAL MSG
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_ne() { # UNEXPECTED ACTUAL MSG
	[ "$1" != "$2" ] || fail "$3: got '$2', which it must not be"
}

assert_match() { # REGEX ACTUAL MSG
	[[ $2 =~ $1 ]] || fail "$3: '$2' does not match /$1/"
}

# assert_status N: execwatch's exit status (EW_RC) must be N.
assert_status() {
	[ "$EW_RC" = "$1" ] || fail "execwatch exited $EW_RC, expected $1"
}

# assert_error_message NAME [MAX_LINES]: execwatch exited non-zero (without hanging or crashing)
# and $T/NAME.err holds a short message: 1 to MAX_LINES (default 1) lines.
assert_error_message() {
	local name=$1 max=${2:-1} lines
	[ "$EW_HUNG" = 0 ] || fail "execwatch hung"
	[ "$EW_RC" != 0 ] || fail "expected a non-zero exit status, got 0"
	if [ "$EW_RC" -gt 128 ] || grep -qiE 'AddressSanitizer|runtime error|Segmentation' "$T/$name.err"; then
		fail "execwatch crashed (status $EW_RC): $(head -c 400 "$T/$name.err")"
	fi
	[ -s "$T/$name.err" ] || fail "expected an error message on stderr, got nothing"
	lines=$(wc -l <"$T/$name.err")
	if [ "$lines" -lt 1 ] || [ "$lines" -gt "$max" ]; then
		fail "expected a message of 1..$max line(s), got $lines: $(head -c 400 "$T/$name.err")"
	fi
}

# ----------------------------------------------------------------------------------------------
# SQLite (schema: docs/SCHEMA.md)

# sql QUERY: rows of QUERY on $EW_DB, '|'-separated, read-only.
sql() {
	need_cmd sqlite3
	[ -f "$EW_DB" ] || fail "no database $EW_DB"
	sqlite3 -readonly -batch -noheader "$EW_DB" "$1" 2>&1 ||
		fail "sqlite3 query failed: $1"
}

# assert_sql EXPECTED QUERY MSG
assert_sql() {
	local got
	got=$(sql "$2")
	[ "$got" = "$1" ] || fail "$3: expected '$1', got '$got' [sql: $2]"
}

# ----------------------------------------------------------------------------------------------
# Python checks on exact bytes

# py_check CODE: runs python3 with the events in `evs` (list of dicts; use b(s) to get the exact
# bytes of a string, decoded with surrogateescape); the code raises AssertionError to fail.
py_check() {
	need_cmd python3
	local out
	out=$(python3 - "$EW_JSON" "$1" <<'PY' 2>&1
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
def b(s):
    return None if s is None else s.encode("utf-8", "surrogateescape")
exec(compile(sys.argv[2], "py_check", "exec"))
PY
	) || fail "python check failed: ${out:0:1500}"
}

# ----------------------------------------------------------------------------------------------
# The strace oracle

# oracle_compare CMD [ARGS...]: runs CMD under strace and under execwatch (same directory, same
# arguments), and compares their execs: same number, same (syscall, path, retval) sequences per
# process (see oracle.py). Leaves the execwatch run in EW_JSON/EW_DB/EW_RC.
oracle_compare() {
	local out strace_rc=0
	need_strace
	timeout -k 5 "$EW_TIMEOUT" strace -f -qq -e trace=execve,execveat -e signal=none -X raw \
		-s 65535 -v -o "$T/strace.txt" -- "$@" </dev/null >"$T/strace.out" \
		2>"$T/strace.err" || strace_rc=$?
	[ "$strace_rc" != 124 ] || fail "the command hung under strace: $*"
	ew_record -- "$@"
	[ "$EW_RC" = "$strace_rc" ] ||
		fail "execwatch exited $EW_RC but the command under strace exited $strace_rc"
	out=$(python3 "$EW_CASES_DIR/oracle.py" "$T/strace.txt" "$EW_JSON" 2>&1) ||
		fail "$out"
	info "$out"
}

# ----------------------------------------------------------------------------------------------
# Self-test: `bash lib.sh` (the CTest case.lib) checks these helpers on made-up data, so that a
# broken helper cannot make the real cases pass vacuously. Needs neither ptrace nor execwatch.

# must_fail WHAT CMD...: CMD (a helper, run in a subshell) must exit 1.
must_fail() {
	local what=$1 rc=0
	shift
	("$@") >/dev/null 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "self-test: $what: expected the helper to fail (1), got $rc"
}

ew_selftest() {
	need_cmd python3
	EW_JSON="$T/self.jsonl"
	# Minimal events, completed with the documented fields (values that do not matter here).
	# python writes them back with the \udcXX escapes intact (jq 1.6 would turn them into U+FFFD).
	python3 -c '
import json, sys
common = {"time": 1700000000000000000, "time_iso": "2023-11-14T22:13:20.000000000Z",
          "time_mono": 1, "comm": "x", "exe": "/x", "backend": "ptrace"}
kind = {
    "exec": {"syscall_nr": 59, "arch": "x86_64", "dirfd": None, "at_flags": None,
             "argv_bytes": 0, "argv_null": False, "argv_fault": False, "argv_truncated": False,
             "env_bytes": 0, "env_null": False, "env_fault": False, "env_truncated": False,
             "errno_text": None, "fileless": False, "script": False, "elf": True,
             "kernel_invoked": False, "nonleader": False, "binary": None, "interpreter": None,
             "interpreter_arg": None, "interpreter_binary": None, "stdin": None,
             "old_tid": None, "new_exe": None},
    "fork": {"syscall": "clone", "clone_flags": 0},
    "exit": {"signal_number": None, "core_dumped": False, "thread": False},
}
for i, line in enumerate(sys.stdin, 1):
    ev = json.loads(line)
    out = dict(common, **kind[ev["event"]])
    out.update(ev)
    out["seq"] = i
    print(json.dumps(out))
' >"$EW_JSON" <<'JSON'
{"event":"exec","pid":10,"tid":10,"ppid":1,"syscall":"execve","path":"/p","procname":"/p","argv":["/p"],"env":["A=1"],"cwd":"/","retval":0,"errno":null}
{"event":"fork","pid":10,"tid":10,"ppid":1,"child_pid":11,"child_tid":11,"kind":"process"}
{"event":"exec","pid":11,"tid":11,"ppid":10,"syscall":"execve","path":"/x/\udcff\udcfe","procname":null,"argv":["a\tb","\udc80"],"env":[],"cwd":"/","retval":-2,"errno":"ENOENT","errno_text":"No such file or directory"}
{"event":"exec","pid":11,"tid":11,"ppid":10,"syscall":"execveat","dirfd":3,"at_flags":4096,"path":"","procname":"/usr/bin/true","argv":[],"env":[],"cwd":"/","retval":0,"errno":null,"argv_null":true}
{"event":"exit","pid":11,"tid":11,"ppid":10,"code":0,"signal":null,"status":0}
{"event":"exit","pid":10,"tid":10,"ppid":1,"code":null,"signal":"SIGKILL","signal_number":9,"status":137}
JSON
	check_json_lines "$EW_JSON"
	check_common_fields
	assert_count 3 'execs' "self-test: execs"
	assert_count 1 'execs | failed' "self-test: failed execs"
	assert_count 1 'forks' "self-test: forks"
	assert_json 'root == 10' "self-test: root"
	assert_json '[execs][2] | vflag("argv"; "null") and (vflag("argv"; "fault") | not)' \
		"self-test: vflag"
	assert_json --arg p /p '[execs][0].path == $p' "self-test: options before the filter"
	assert_eq 2 "$(jqs '[execs | ok] | length')" "self-test: jqs"
	py_check 'assert b([e for e in evs if e["event"] == "exec"][1]["path"]) == b"/x/\xff\xfe"
assert b(evs[2]["argv"][1]) == b"\x80"'
	must_fail "assert_json on false" assert_json 'false' "x"
	must_fail "assert_json on a jq error" assert_json '.[0].nope | startswith("a")' "x"
	must_fail "assert_count off by one" assert_count 4 'execs' "x"
	must_fail "assert_eq" assert_eq a b "x"
	must_fail "py_check assertion" py_check 'assert False, "no"'
	must_fail "assert_status" eval 'EW_RC=3; assert_status 0'

	# check_json_lines / check_common_fields reject what they must.
	local good=$EW_JSON
	printf '%s\n' '{"event":"exec"} {"event":"exec"}' >"$T/bad1.jsonl"
	must_fail "two objects on a line" check_json_lines "$T/bad1.jsonl"
	printf '%s\n' '[1,2]' >"$T/bad2.jsonl"
	must_fail "an array line" check_json_lines "$T/bad2.jsonl"
	printf '%s\n' '{"event":"exec",' >"$T/bad3.jsonl"
	must_fail "a cut line" check_json_lines "$T/bad3.jsonl"
	printf '{"event":"exec","path":"\xff"}\n' >"$T/bad4.jsonl"
	must_fail "a raw non-UTF-8 byte" check_json_lines "$T/bad4.jsonl"
	printf '{"event":"exec","path":"a\tb"}\n' >"$T/bad5.jsonl"
	must_fail "a raw control byte" check_json_lines "$T/bad5.jsonl"
	check_json_lines "$EW_JSON"
	# Each of these breaks one rule of docs/JSON.md.
	local i=0 mut
	while IFS= read -r mut; do
		i=$((i + 1))
		jq -c "$mut" "$good" >"$T/bad-m$i.jsonl"
		EW_JSON="$T/bad-m$i.jsonl" must_fail "check_common_fields on: $mut" check_common_fields
		[ -z "${EW_SELFTEST_VERBOSE:-}" ] || (EW_JSON="$T/bad-m$i.jsonl" check_common_fields 2>&1 | head -n 1 | cut -c1-250) || true
	done <<'MUT'
if .seq == 3 then .retval = 0 else . end
if .seq == 3 then .errno_text = null else . end
if .seq == 1 then del(.argv) else . end
if .seq == 1 then del(.new_exe) else . end
if .seq == 1 then .argv = ["a", 1] else . end
if .seq == 1 then .dirfd = 3 else . end
if .seq == 4 then .at_flags = null else . end
if .seq == 2 then del(.child_tid) else . end
if .seq == 2 then .kind = "proc" else . end
if .seq == 2 then .child_tid = 12 else . end
if .seq == 6 then .code = 0 else . end
if .seq == 6 then .status = 9 else . end
if .seq == 5 then .signal_number = 0 else . end
if .seq == 5 then .seq = 7 else . end
if .seq == 1 then .ppid = "1" else . end
if .seq == 1 then .time = "now" else . end
if .seq == 1 then .argv_fault = 0 else . end
if .seq == 1 then .binary = {"ino": 1} else . end
if .seq == 1 then .old_tid = 12 else . end
MUT

	# ew_run notices a hang.
	EW_TIMEOUT=1 ew_run hang sleep 10
	assert_eq 1 "$EW_HUNG" "self-test: ew_run hang detection"
	ew_run quick sh -c 'exit 3'
	assert_eq "3 0" "$EW_RC $EW_HUNG" "self-test: ew_run status"

	# The strace oracle parser: unfinished/resumed calls, a thread's exec, escapes, a pointer
	# path, a truncated path.
	local longp
	longp=$(printf 'd%.0s' $(seq 4095))
	cat >"$T/self.strace" <<STRACE
100   execve("/p", ["/p"], ["A=1"]) = 0
100   execve("/x/\\377\\376", ["a\\tb", "\\200"], []) = -1 ENOENT (No such file or directory)
101   execve("/bin/true", ["true"], [] <unfinished ...>
100   execveat(3, "", [], [], 0x1000) = 0
101   <... execve resumed>) = 0
103   execve("/nonexistent", [], [] <unfinished ...>
103   <... execve resumed>) = -1 ENOENT (No such file or directory)
103   execve("/bin/true", ["true"], [] <pid changed to 102 ...>
102   +++ superseded by execve in pid 103 +++
102   <... execve resumed>) = 0
104   execve(0x1, ["x"], []) = -1 EFAULT (Bad address)
104   execve("/$longp"..., ["x"], []) = -1 ENAMETOOLONG (File name too long)
STRACE
	cat >"$T/self-ok.jsonl" <<JSON
{"event":"exec","pid":500,"syscall":"execve","path":"/p","retval":0}
{"event":"exec","pid":500,"syscall":"execve","path":"/x/\\udcff\\udcfe","retval":-2}
{"event":"exec","pid":500,"syscall":"execveat","path":"","retval":0}
{"event":"exec","pid":501,"syscall":"execve","path":"/bin/true","retval":0}
{"event":"exec","pid":502,"syscall":"execve","path":"/nonexistent","retval":-2}
{"event":"exec","pid":502,"syscall":"execve","path":"/bin/true","retval":0}
{"event":"exec","pid":504,"syscall":"execve","path":null,"retval":-14}
{"event":"exec","pid":504,"syscall":"execve","path":"/${longp}xxxx","retval":-36}
JSON
	python3 "$EW_CASES_DIR/oracle.py" "$T/self.strace" "$T/self-ok.jsonl" >"$T/o.out" 2>&1 ||
		fail "self-test: the oracle rejects a matching recording: $(cat "$T/o.out")"
	# Each of these breaks the match in one way.
	sed '/"pid":501/d' "$T/self-ok.jsonl" >"$T/o1.jsonl"                 # a lost exec
	sed 's/"retval":-14/"retval":-2/' "$T/self-ok.jsonl" >"$T/o2.jsonl"  # a wrong retval
	sed 's/"pid":502,"syscall":"execve","path":"\/bin/"pid":501,"syscall":"execve","path":"\/bin/' \
		"$T/self-ok.jsonl" >"$T/o3.jsonl"                              # a misattributed exec
	sed 's/udcfe/udcfd/' "$T/self-ok.jsonl" >"$T/o4.jsonl"               # a wrong byte
	sed 's/"syscall":"execveat"/"syscall":"execve"/' "$T/self-ok.jsonl" >"$T/o5.jsonl"
	local i
	for i in 1 2 3 4 5; do
		if python3 "$EW_CASES_DIR/oracle.py" "$T/self.strace" "$T/o$i.jsonl" >"$T/o.out" 2>&1; then
			fail "self-test: the oracle accepts broken recording o$i"
		fi
	done
	info "self-test passed"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	ew_selftest
fi
