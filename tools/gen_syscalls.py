#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates src/decode/syscalls_gen.c, the syscall tables (x86_64 and i386) of execwatch.

Every fact comes from tools/syscall-facts/:
  unistd_64.h, unistd_32.h   names and numbers (copies of the kernel uapi headers
                             /usr/include/x86_64-linux-gnu/asm/unistd_{64,32}.h)
  tracefs-enter.txt          argument types and names, one line per syscall, taken from the
                             kernel's own syscall metadata: the sys_enter_NAME/format files of
                             tracefs (`gen_syscalls.py --extract` rewrites it on a running kernel
                             with tracefs mounted at /sys/kernel/tracing)
  extra-prototypes.txt       prototypes of the calls without a tracefs event (aliases, i386-only)
  classes.txt                the groups --syscalls CLASS selects, and return-value kinds

How an argument is rendered (its kind) is decided here from its type and name, so the C decoder
never branches on syscall names for that.

Usage: tools/gen_syscalls.py [--extract] [-o src/decode/syscalls_gen.c]
"""
import argparse
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FACTS = os.path.join(HERE, "syscall-facts")
ROOT = os.path.dirname(HERE)

CLASSES = ["file", "desc", "process", "network", "memory", "signal", "exec"]


def extract(out):
    lines = []
    for fmt in sorted(glob.glob("/sys/kernel/tracing/events/syscalls/sys_enter_*/format")):
        name = fmt.split("/sys_enter_")[1].split("/")[0]
        fields = []
        with open(fmt) as f:
            for ln in f:
                m = re.search(r"field:([^;]*);", ln)
                if not m or "common_" in m.group(1) or "__syscall_nr" in m.group(1):
                    continue
                fields.append(m.group(1).strip())
        lines.append(name + ":" + "".join(x + ";" for x in fields))
    if not lines:
        sys.exit("gen_syscalls: no tracefs syscall events (mount -t tracefs nodev /sys/kernel/tracing)")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def read_unistd(path):
    nums = {}
    with open(path) as f:
        for ln in f:
            m = re.match(r"#define __NR_(\w+)\s+(\d+)", ln)
            if m:
                nums[m.group(1)] = int(m.group(2))
    return nums


def parse_proto_line(ln):
    name, rest = ln.split(":", 1)
    args = []
    for field in rest.split(";"):
        field = field.strip()
        if not field:
            continue
        m = re.match(r"(.*?)([A-Za-z_]\w*)$", field)
        typ, an = m.group(1).strip(), m.group(2)
        typ = re.sub(r"\s*\*", " *", typ).replace("* *", "**").strip()
        args.append((typ, an))
    return name.strip(), args


def read_protos():
    protos, aliases, i386 = {}, {}, {}
    with open(os.path.join(FACTS, "tracefs-enter.txt")) as f:
        for ln in f:
            ln = ln.strip()
            if ln:
                n, a = parse_proto_line(ln)
                protos[n] = a
    with open(os.path.join(FACTS, "extra-prototypes.txt")) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            if ln.startswith("i386:"):
                n, a = parse_proto_line(ln[5:])
                i386[n] = a
            elif "=" in ln and ":" not in ln:
                a, b = ln.split("=")
                aliases[a.strip()] = b.strip()
            else:
                n, a = parse_proto_line(ln)
                protos[n] = a
    for a, b in aliases.items():
        if b not in protos:
            sys.exit("gen_syscalls: alias %s=%s: no prototype for %s" % (a, b, b))
        protos.setdefault(a, protos[b])
    return protos, i386


def read_classes():
    cls = {}
    with open(os.path.join(FACTS, "classes.txt")) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            k, v = ln.split(":", 1)
            cls[k.strip()] = set(v.split())
    return cls


FD_NAMES = {"fd", "oldfd", "newfd", "epfd", "out_fd", "in_fd", "fd_in", "fd_out", "ufd",
            "fildes", "kernel_fd", "initrd_fd", "pidfd", "mqdes", "fdin", "fdout", "from_fd",
            "to_fd", "fs_fd", "mnt_fd", "dst_fd", "src_fd"}
DIRFD_NAMES = {"dfd", "olddfd", "newdfd", "dirfd", "from_dfd", "to_dfd", "mountdirfd"}
STR_NAMES = {"filename", "pathname", "path", "oldname", "newname", "name", "specialfile",
             "library", "dev_name", "dir_name", "type", "new_root", "put_old", "uargs",
             "name_user", "_name", "oldpath", "newpath", "from_pathname", "to_pathname",
             "uname", "key", "cmdline_ptr", "_type", "_description", "_callout_info",
             "_key", "_payload", "fsname", "from_path", "to_path", "u_name", "pathname1"}
BUF_IN_PAIRS = {"buf": ("count", "len", "size", "nbytes"), "ubuf": ("count", "len", "size"),
                "buff": ("len",), "msg": ("len", "msg_len"), "u_msg_ptr": ("msg_len",),
                "value": ("size",), "_payload": ("plen",)}
SIGNAL_ARGS = {("kill", "sig"), ("tkill", "sig"), ("tgkill", "sig"), ("rt_sigaction", "sig"),
               ("sigaction", "sig"), ("signal", "sig"), ("rt_sigqueueinfo", "sig"),
               ("rt_tgsigqueueinfo", "sig"), ("pidfd_send_signal", "sig")}
OPEN_FLAG_CALLS = {"open", "openat", "mq_open"}
AT_FLAG_ARGS = {("newfstatat", "flag"), ("fstatat64", "flag"), ("unlinkat", "flag"),
                ("linkat", "flags"), ("fchownat", "flag"), ("faccessat2", "flags"),
                ("execveat", "flags"), ("statx", "flags"), ("utimensat", "flags"),
                ("utimensat_time64", "flags"), ("fchmodat2", "flags"),
                ("name_to_handle_at", "flag"), ("open_tree", "flags")}
ACCESS_CALLS = {"access", "faccessat", "faccessat2"}
MODE_ARGS = {"mode"}
SOCK_FAMILY = {("socket", "family"), ("socketpair", "family")}
SIGNED64_TYPES = {"long", "off_t", "loff_t", "const long"}
SIGNED_TYPES = {"int", "pid_t", "key_t", "clockid_t", "timer_t",
                "mqd_t", "s32", "__s32", "old_time32_t", "const clockid_t", "const int"}


def arg_kind(call, idx, typ, name, args):
    """Returns (kind, pointer type name or None)."""
    base = typ.replace("const ", "").replace("__user ", "").strip()
    if (call, name) in SIGNAL_ARGS:
        return "EW_ARG_SIGNAL", None
    if (call, name) in SOCK_FAMILY:
        return "EW_ARG_SOCK_FAMILY", None
    if call in ("clone",) and name == "clone_flags":
        return "EW_ARG_CLONE_FLAGS", None
    if call in OPEN_FLAG_CALLS and name in ("flags", "oflag"):
        return "EW_ARG_OPEN_FLAGS", None
    if call == "creat" and name == "mode":
        return "EW_ARG_MODE", None
    if (call, name) in AT_FLAG_ARGS:
        return "EW_ARG_AT_FLAGS", None
    if call in ACCESS_CALLS and name == "mode":
        return "EW_ARG_ACCESS_MODE", None
    if name in MODE_ARGS and base in ("umode_t", "mode_t", "int", "unsigned int"):
        return "EW_ARG_MODE", None
    if call in ("mmap", "mmap2", "mprotect", "pkey_mprotect") and name == "prot":
        return "EW_ARG_MMAP_PROT", None
    if call in ("mmap", "mmap2") and name == "flags":
        return "EW_ARG_MMAP_FLAGS", None
    if call in ("mmap", "mmap2") and name == "fd":
        return "EW_ARG_FD", None
    if "*" in typ:
        stars = typ.count("*")
        if stars == 2 and "char" in typ:
            return "EW_ARG_STRV", None
        if base.replace(" *", "") == "char":
            if name in BUF_IN_PAIRS and "const" in typ:
                return "EW_ARG_BUF_IN", None
            if name in BUF_IN_PAIRS:
                return "EW_ARG_BUF_OUT", None
            if name in STR_NAMES or "const" in typ:
                return "EW_ARG_STR", None
            return "EW_ARG_PTR", typ
        if name in BUF_IN_PAIRS and base.startswith("void") and "const" in typ:
            return "EW_ARG_BUF_IN", None
        return "EW_ARG_PTR", typ
    if name in DIRFD_NAMES:
        return "EW_ARG_DIRFD", None
    if name in FD_NAMES and base in ("int", "unsigned int", "unsigned long", "mqd_t"):
        return "EW_ARG_FD", None
    if base in SIGNED64_TYPES:
        return "EW_ARG_LONG", None
    if base in SIGNED_TYPES:
        return "EW_ARG_INT", None
    if name in ("addr", "start", "brk", "new_addr", "old_addr", "tls", "newsp", "shmaddr",
                "arg2", "arg", "uaddr"):
        return "EW_ARG_HEX", None
    return "EW_ARG_UINT", None


def buf_len_index(args, idx):
    """Index of the length argument that goes with a buffer at idx, or -1."""
    name = args[idx][1]
    for cand in BUF_IN_PAIRS.get(name, ()):
        for j, (_, n) in enumerate(args):
            if n == cand:
                return j
    return -1


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_table(out, var, nums, protos, classes):
    maxnr = max(nums.values())
    by_nr = {v: k for k, v in nums.items()}
    out.append("const struct ew_sysdesc %s[%d] = {" % (var, maxnr + 1))
    missing = []
    for nr in range(maxnr + 1):
        name = by_nr.get(nr)
        if not name:
            continue
        args = protos.get(name)
        known = args is not None
        if not known:
            missing.append(name)
            args = [("unsigned long", "arg%d" % i) for i in range(6)]
        cls = [c for c in CLASSES if name in classes.get(c, ())]
        cbits = " | ".join("EW_SC_" + c.upper() for c in cls) or "0"
        ret = "EW_RET_INT"
        if name in classes["returns_fd"]:
            ret = "EW_RET_FD"
        elif name in classes["returns_addr"]:
            ret = "EW_RET_ADDR"
        flags = []
        if name in classes["noreturn"]:
            flags.append("EW_SD_NORETURN")
        if not known:
            flags.append("EW_SD_UNKNOWN_ARGS")
        kinds, names, types, lens = [], [], [], []
        for i, (typ, an) in enumerate(args[:6]):
            k, pt = arg_kind(name, i, typ, an, args)
            kinds.append(k)
            names.append(cstr(an))
            types.append(cstr(pt) if pt else "NULL")
            lens.append(str(buf_len_index(args, i)) if k in ("EW_ARG_BUF_IN", "EW_ARG_BUF_OUT") else "-1")
        out.append("\t[%d] = {%s, %d, %s, %s, %s," % (nr, cstr(name), len(args[:6]), ret, cbits,
                                                     " | ".join(flags) or "0"))
        out.append("\t\t{%s}," % ", ".join(kinds or ["0"]))
        out.append("\t\t{%s}," % ", ".join(lens or ["0"]))
        out.append("\t\t{%s}," % ", ".join(names or ["NULL"]))
        out.append("\t\t{%s}}," % ", ".join(types or ["NULL"]))
    out.append("};")
    out.append("const unsigned %s_count = %d;" % (var, maxnr + 1))
    return missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extract", action="store_true",
                    help="refresh tracefs-enter.txt from the running kernel first")
    ap.add_argument("-o", default=os.path.join(ROOT, "src/decode/syscalls_gen.c"))
    a = ap.parse_args()
    if a.extract:
        extract(os.path.join(FACTS, "tracefs-enter.txt"))
    n64 = read_unistd(os.path.join(FACTS, "unistd_64.h"))
    n32 = read_unistd(os.path.join(FACTS, "unistd_32.h"))
    protos, i386 = read_protos()
    classes = read_classes()
    out = ["/* SPDX-License-Identifier: MIT */",
           "/* Generated by tools/gen_syscalls.py from tools/syscall-facts/ -- do not edit. */",
           '#include "syscalls.h"', ""]
    m1 = gen_table(out, "ew_sysdesc_x86_64", n64, protos, classes)
    out.append("")
    m2 = gen_table(out, "ew_sysdesc_i386", n32, dict(protos, **i386), classes)
    with open(a.o, "w") as f:
        f.write("\n".join(out) + "\n")
    miss = sorted(set(m1) | set(m2))
    if miss:
        print("gen_syscalls: no prototype (raw arguments) for: " + " ".join(miss), file=sys.stderr)


if __name__ == "__main__":
    main()
