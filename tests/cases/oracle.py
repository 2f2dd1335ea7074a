#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare the execs execwatch recorded with the execs strace saw (the oracle).

usage: oracle.py STRACE_OUTPUT EXECWATCH_JSONL
       oracle.py --dump STRACE_OUTPUT        (print what was parsed from strace)

STRACE_OUTPUT comes from
    strace -f -qq -e trace=execve,execveat -e signal=none -X raw -s 65535 -v -o FILE -- CMD
and EXECWATCH_JSONL from `execwatch record --json FILE -- CMD` run on the same command in the same
directory. For each exec, both sides give (syscall, path bytes or None, retval). The execs are
grouped by process: strace's line prefix (a tid; a thread that exec'd is folded into its
process thanks to strace's "superseded by execve" notice), execwatch's `pid`. The runs have
different pids, so what is compared is the multiset of per-process sequences; that catches a
missing, extra, reordered or misattributed exec. Paths are compared on their first PATH_MAX - 1
(4095) bytes: strace reads no more of a path (the kernel refuses longer ones anyway). Exits 0
when both agree, 1 (printing both sides) when not, 2 on unusable input.
"""
import errno
import json
import re
import sys

LINE = re.compile(rb"^(\d+)\s+(.*)$")
RESUMED = re.compile(rb"^<\.\.\. (execve|execveat) resumed>.*\) += (-?\d+)(?: (E[A-Z0-9]+))?")
CALL = re.compile(rb"^(execve|execveat)\(")
RESULT = re.compile(rb"\) += (-?\d+)(?: (E[A-Z0-9]+))?(?: \(.*\))?\s*$")
PIDCHANGE = re.compile(rb"<pid changed to (\d+) \.\.\.>\s*$")
SUPERSEDED = re.compile(rb"^\+\+\+ superseded by execve in pid (\d+) \+\+\+")
ESCAPES = {ord("n"): 10, ord("t"): 9, ord("r"): 13, ord("v"): 11, ord("f"): 12,
           ord("a"): 7, ord("b"): 8, ord("\\"): 92, ord('"'): 34, ord("'"): 39}


PATH_CMP = 4095


def c_string(s, i):
    """Decode the strace C string starting at s[i] == '"'. Returns (bytes, index after it)."""
    assert s[i] == ord('"')
    i += 1
    out = bytearray()
    while i < len(s):
        c = s[i]
        if c == ord('"'):
            i += 1
            if s[i:i + 3] == b"...":  # strace cut the string (paths: at PATH_MAX - 1 bytes)
                i += 3
            return bytes(out), i
        if c != ord("\\"):
            out.append(c)
            i += 1
            continue
        n = s[i + 1]
        if n in ESCAPES:
            out.append(ESCAPES[n])
            i += 2
        elif n == ord("x"):
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif ord("0") <= n <= ord("7"):
            j = i + 1
            while j < len(s) and j < i + 4 and ord("0") <= s[j] <= ord("7"):
                j += 1
            out.append(int(s[i + 1:j], 8) & 0xFF)
            i = j
        else:
            raise ValueError("unknown escape \\%c" % n)
    raise ValueError("unterminated string")


def call_path(syscall, rest):
    """The path argument of an execve/execveat line (bytes), or None for a pointer."""
    i = len(syscall) + 1
    if syscall == b"execveat":  # skip the dirfd
        i = rest.index(b",", i) + 1
        while rest[i] == ord(" "):
            i += 1
    if rest[i] == ord('"'):
        return c_string(rest, i)[0][:PATH_CMP]
    return None


def retval(num, name):
    num = int(num)
    if num == -1 and name:
        code = getattr(errno, name.decode(), None)
        if code is None:
            raise ValueError("unknown errno name %s" % name.decode())
        return -code
    return num


def parse_strace(path):
    """Returns {pid: [(syscall, path, retval), ...]} in the order the calls completed."""
    pending = {}   # pid whose result line will come -> (tid, syscall, path)
    alias = {}     # tid of a thread that exec'd -> its process
    done = []      # (pid of the result line, entry tid, syscall, path, retval)
    with open(path, "rb") as f:
        for raw in f:
            m = LINE.match(raw.rstrip(b"\n"))
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            sm = SUPERSEDED.match(rest)
            if sm:
                alias[int(sm.group(1))] = pid
                continue
            rm = RESUMED.match(rest)
            if rm:
                if pid not in pending:
                    raise ValueError("resumed without a start: %r" % raw)
                tid, sc, p = pending.pop(pid)
                done.append((pid, tid, sc, p, retval(rm.group(2), rm.group(3))))
                continue
            cm = CALL.match(rest)
            if not cm:
                continue
            sc = cm.group(1)
            p = call_path(sc, rest)
            pc = PIDCHANGE.search(rest)
            if pc:
                pending[int(pc.group(1))] = (pid, sc, p)
            elif rest.rstrip().endswith(b"<unfinished ...>"):
                pending[pid] = (pid, sc, p)
            else:
                r = RESULT.search(rest)
                if not r:
                    raise ValueError("no result in %r" % raw)
                done.append((pid, pid, sc, p, retval(r.group(1), r.group(2))))
    if pending:
        raise ValueError("calls never finished: %r" % pending)
    groups = {}
    for pid, tid, sc, p, ret in done:
        proc = alias.get(tid, pid)
        groups.setdefault(proc, []).append((sc.decode(), p, ret))
    return groups


def parse_jsonl(path):
    groups = {}
    with open(path, "r", encoding="utf-8", errors="strict") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            ev = json.loads(line)
            if ev.get("event") != "exec":
                continue
            p = ev.get("path")
            if p is not None:
                p = p.encode("utf-8", "surrogateescape")[:PATH_CMP]
            groups.setdefault(ev["pid"], []).append((ev["syscall"], p, ev["retval"]))
    return groups


def canon(groups):
    return sorted((tuple(seq) for seq in groups.values()), key=repr)


def show(title, groups):
    print("%s: %d execs in %d processes" % (title, sum(len(v) for v in groups.values()),
                                              len(groups)))
    for pid, seq in sorted(groups.items()):
        for sc, p, ret in seq:
            print("  pid %-7d %-8s %-5d %r" % (pid, sc, ret, p))


def main(argv):
    if len(argv) == 3 and argv[1] == "--dump":
        show("strace", parse_strace(argv[2]))
        return 0
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        want = parse_strace(argv[1])
    except (OSError, ValueError) as e:
        print("oracle: cannot use strace output %s: %s" % (argv[1], e))
        return 2
    try:
        got = parse_jsonl(argv[2])
    except (OSError, ValueError, KeyError, UnicodeError) as e:
        print("oracle: cannot read execwatch JSON %s: %s" % (argv[2], e))
        return 1
    if canon(want) == canon(got):
        print("oracle: execwatch agrees with strace on %d execs in %d processes"
              % (sum(len(v) for v in want.values()), len(want)))
        return 0
    print("oracle: execwatch and strace disagree")
    show("strace", want)
    show("execwatch", got)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
