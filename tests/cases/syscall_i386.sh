#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A 32-bit program is decoded with the i386 table: open by its i386 number, mmap2 (no x86_64
# twin, in the seccomp filter by name), 32-bit pointers read correctly.
. "$(dirname "$0")/lib.sh"
need_ptrace
[ -x "$EW_PROGS/sys32_m32" ] || skip "no -m32 build of sys32 (gcc-multilib missing)"

ew_record --syscalls all -- "$EW_PROGS/sys32_m32"
assert_status 0
i386=$((0x40000003))
assert_sql "5|\"/nonexistent/ew-i386\"|O_RDONLY|-2 ENOENT (No such file or directory)" \
	"SELECT nr, arg0_repr, arg1_repr, retno_repr FROM syscalls WHERE name = 'open' AND arch = $i386" \
	"i386 open decoded"
[ "$(sql "SELECT count(*) FROM syscalls WHERE name = 'mmap2' AND arch = $i386 AND nr = 192
	AND arg2_repr = 'PROT_READ' AND arg3_repr = 'MAP_PRIVATE|MAP_ANONYMOUS'")" -ge 1 ] ||
	fail "mmap2 not logged: $(sql "SELECT name, arg2_repr, arg3_repr FROM syscalls WHERE name LIKE 'mmap%'")"
assert_sql "\"i386!\\n\"|6" \
	"SELECT arg1_repr, retno FROM syscalls WHERE name = 'write' AND arch = $i386" "i386 write decoded"
