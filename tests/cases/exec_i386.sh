#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A 32-bit (i386) program on the 64-bit kernel: its execve (int 0x80 / 32-bit ABI, 4-byte
# pointers in argv and env) is caught by the seccomp filter and decoded with the i386 table.
. "$(dirname "$0")/lib.sh"
need_ptrace
[ -x "$EW_PROGS/exec_ok_m32" ] || skip "no 32-bit test program (gcc-multilib missing at build time)"
"$EW_PROGS/exec_ok_m32" /bin/true 2>/dev/null ||
	skip "this kernel cannot run 32-bit programs (IA32 emulation off)"

export EW_TEST_MARK="m32-$$"
ew_record -- "$EW_PROGS/exec_ok_m32" /bin/true one "two words"
assert_status 0
assert_count 2 'execs' "exec events"
assert_json '[execs][1] | .arch == "i386" and .syscall == "execve" and .syscall_nr == 11 and
	.path == "/bin/true" and .argv == ["/bin/true", "one", "two words"] and .retval == 0' \
	"the 32-bit execve, decoded with the i386 table"
assert_json --arg mark "EW_TEST_MARK=$EW_TEST_MARK" '[execs][1] | .env | index([$mark]) != null' \
	"the environment read through 32-bit pointers"
assert_json '[execs][0].binary.mode != null and [execs][0].elf' "the m32 binary was described"
