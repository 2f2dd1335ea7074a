#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One successful execve: the spawned program's exec and its execve("/bin/true") are recorded
# with path, procname, argv, env, cwd, retval, in one process; the exit is recorded; the DB agrees.
. "$(dirname "$0")/lib.sh"
need_ptrace

export EW_TEST_MARK="mark=$$ with spaces"
ew_record -- "$EW_PROGS/exec_ok"
assert_status 0

assert_count 2 'execs' "exec events"
assert_count 0 'execs | failed' "failed execs"
# 1: the command itself, spawned by execwatch.
assert_json --arg p "$EW_PROGS/exec_ok" \
	'[execs][0] | .path == $p and .argv == [$p] and .retval == 0 and .errno == null
	 and .syscall == "execve"' "first exec is the spawned command"
# 2: its execve("/bin/true", ["true", "exec_ok-arg"]).
assert_json --arg real "$TRUE_REAL" --arg cwd "$T" \
	'[execs][1] | .path == "/bin/true" and .procname == "/bin/true" and .new_exe == $real and
	 .argv == ["true", "exec_ok-arg"] and .retval == 0 and .errno == null and
	 .syscall == "execve" and .cwd == $cwd' "the execve of /bin/true"
assert_json --arg mark "EW_TEST_MARK=$EW_TEST_MARK" \
	'[execs] | all(.env | index([$mark]) != null)' "env holds EW_TEST_MARK exactly"
assert_json '[execs] | (.[0].pid == .[1].pid) and all(.tid == .pid)' \
	"both execs in one process, by its leader"
assert_json '[execs] | .[0].ppid > 0 and .[0].ppid == .[1].ppid' "ppid is set and unchanged"
assert_json '[.[] | .time] | . == sort' "times do not go backwards"
assert_json '[.[] | .seq] == [range(1; length + 1)]' "seq counts from 1 without gaps"
assert_json '[execs][1] | .elf == true and .script == false and .fileless == false and
	(.argv_truncated | not) and (.env_truncated | not)' "flags of a plain ELF exec"
# The program file: stat facts of /bin/true's target.
ino=$(stat -L -c %i /bin/true)
assert_json --argjson ino "$ino" '[execs][1].binary | type == "object" and .ino == $ino' \
	"binary.ino is /bin/true's inode"
# Facts before the exec (comm, exe) and about the caller (stdin is /dev/null: ew_record's
# redirection).
assert_json --arg p "$EW_PROGS/exec_ok" '[execs][1] | .comm == "exec_ok" and .exe == $p and
	.stdin.type == "chardev" and .stdin.path == "/dev/null" and .backend == "ptrace"' \
	"comm, exe, stdin, backend of the /bin/true exec"
# The ELF interpreter (PT_INTERP) of /bin/true, read from the file; argv_bytes.
py_check '
import struct
with open("/bin/true", "rb") as f:
    elf = f.read()
assert elf[:4] == b"\x7fELF" and elf[4] == 2, "/bin/true is not a 64-bit ELF"
phoff, = struct.unpack_from("<Q", elf, 0x20)
phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
interp = None
for i in range(phnum):
    p_type, = struct.unpack_from("<I", elf, phoff + i * phentsize)
    if p_type == 3:
        off, = struct.unpack_from("<Q", elf, phoff + i * phentsize + 8)
        size, = struct.unpack_from("<Q", elf, phoff + i * phentsize + 32)
        interp = elf[off:off + size].rstrip(b"\0").decode()
e = [x for x in evs if x["event"] == "exec"][1]
assert e["interpreter"] == interp, "interpreter %r, PT_INTERP says %r" % (e["interpreter"], interp)
assert e["interpreter_binary"] is not None, "no interpreter_binary"
assert e["argv_bytes"] == len(b"true") + len(b"exec_ok-arg"), "argv_bytes %d" % e["argv_bytes"]
assert e["env_bytes"] == sum(len(b(v)) for v in e["env"]), "env_bytes %d" % e["env_bytes"]
'
# Exit of the process: code 0, not signalled.
assert_json 'root as $r | [exits | select(.pid == $r and .tid == $r)] | length == 1 and
	 (.[0] | .code == 0 and .signal == null and .status == 0)' "exit event of the command"

# The database has the same two execs, the exit, and the run's outcome.
assert_sql 2 "SELECT count(*) FROM execs" "rows in execs"
assert_sql "/bin/true|/bin/true|$TRUE_REAL|0||2|exec_ok-arg|$T" \
	"SELECT path, procname, new_exe, retval, errno_name, argc, json_extract(argv, '\$[1]'), cwd
	 FROM execs ORDER BY seq LIMIT 1 OFFSET 1" "the row of the /bin/true exec"
assert_sql "$EW_PROGS/exec_ok" "SELECT json_extract(argv, '\$[0]') FROM execs ORDER BY seq LIMIT 1" \
	"argv[0] of the command's row"
assert_sql 1 "SELECT count(*) FROM execs e JOIN environments v ON v.id = e.env_id
	 WHERE e.seq = (SELECT max(seq) FROM execs) AND
	 EXISTS (SELECT 1 FROM json_each(v.env) WHERE value = 'EW_TEST_MARK=$EW_TEST_MARK')" \
	"the environment row holds EW_TEST_MARK"
assert_sql "0|0|0" "SELECT code, signaled, status FROM exits WHERE thread = 0 AND
	 pid = (SELECT pid FROM execs ORDER BY seq LIMIT 1)" "the exit row"
assert_sql "1|0" "SELECT finished, status FROM runs" "the run's outcome"
