#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle for record --deps: the same opens (successful: the path of the returned fd;
# failed: path and errno) as `strace -f -y`, per process, in order, and the same files mapped
# executable as strace's mmap(PROT_EXEC) of an fd.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_strace

W="$T/w"
mkdir -p "$W"
timeout -k 5 "$EW_TIMEOUT" strace -f -qq -y -s 65535 -e trace=open,openat,creat,openat2,mmap \
	-e signal=none -o "$T/strace.txt" -- sh -c 'cd "$1" && cat /etc/hostname >/dev/null; ls >/dev/null; "$2" "$3" 42 >/dev/null' \
	sh "$W" "$EW_PROGS/deps_dlopen" "$EW_PROGS/libewdep.so" </dev/null || fail "the workload failed under strace"
ew_record --deps -- sh -c 'cd "$1" && cat /etc/hostname >/dev/null; ls >/dev/null; "$2" "$3" 42 >/dev/null' \
	sh "$W" "$EW_PROGS/deps_dlopen" "$EW_PROGS/libewdep.so"
assert_status 0
out=$(python3 - "$T/strace.txt" "$EW_JSON" <<'PY' 2>&1
import json, re, sys
from collections import defaultdict
# strace: PID openat(AT_FDCWD</x>, "path", FLAGS) = 3</real/path>   |  = -1 ENOENT (...)
line_re = re.compile(r'^(\d+) +(open|openat|creat|openat2|mmap)\((.*)\) += (-?\d+)(?:<(.*)>)?(?: ([A-Z0-9]+) \()?')
opens, maps = defaultdict(list), defaultdict(set)
unfinished = {}
for raw in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    raw = raw.rstrip("\n")
    m = re.match(r'^(\d+) +(.*) <unfinished \.\.\.>$', raw)
    if m:
        unfinished[m.group(1)] = m.group(2); continue
    m = re.match(r'^(\d+) +<\.\.\. \w+ resumed>(.*)$', raw)
    if m:
        raw = m.group(1) + " " + unfinished.pop(m.group(1)) + m.group(2)
    m = line_re.match(raw)
    if not m:
        continue
    pid, call, args, ret, retpath, err = m.groups()
    if call == "mmap":
        # mmap(addr, len, PROT_READ|PROT_EXEC, flags, 3</path>, off)
        if "PROT_EXEC" in args:
            fm = re.search(r', (\d+)<([^>]*)>, ', args)
            if fm:
                maps[pid].add(fm.group(2))
        continue
    if int(ret) >= 0:
        opens[pid].append(("ok", retpath))
    else:
        path = re.search(r'"((?:[^"\\]|\\.)*)"', args).group(1)
        opens[pid].append((err, path))
# /proc/PID/... differ between the two runs only by the pid.
def norm(p):
    return re.sub(r'^/proc/\d+/', '/proc/PID/', p) if p else p
for d in (opens,):
    for k in d:
        d[k] = [(a, norm(b)) for a, b in d[k]]
evs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
ew_opens, ew_maps = defaultdict(list), defaultdict(set)
for e in evs:
    if e["event"] == "file":
        if e["retval"] >= 0:
            ew_opens[str(e["pid"])].append(("ok", norm(e["path"])))
        else:
            ew_opens[str(e["pid"])].append((e["errno"], norm(e["arg_path"])))
    elif e["event"] == "library" and not e["at_exec"]:
        ew_maps[str(e["pid"])].add(e["path"])
# Pids are the same processes in both runs only by order of appearance.
def seqs(d):
    return [d[k] for k in sorted(d, key=int)]
so, eo = [x for x in seqs(opens) if x], [x for x in seqs(ew_opens) if x]
if len(so) != len(eo):
    sys.exit(f"processes with opens: strace {len(so)}, execwatch {len(eo)}")
for a, b in zip(so, eo):
    if a != b:
        sys.exit(f"opens differ:\n strace   {a}\n execwatch {b}")
sm = [x for x in seqs(maps) if x]
em = [x for x in seqs(ew_maps) if x]
# strace sees every exec mmap; execwatch reports each file once per image (strace's set).
if sm != em:
    sys.exit(f"mapped files differ:\n strace   {sm}\n execwatch {em}")
print(f"{sum(map(len, so))} opens and {sum(map(len, sm))} mappings agree with strace")
PY
) || fail "$out"
info "$out"
