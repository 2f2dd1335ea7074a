/* SPDX-License-Identifier: MIT */
/*
 * sys32 - a few syscalls whose decoding differs in the i386 ABI (built -m32 as sys32_m32 by
 * m32.cmake): open by its i386 number, mmap2 (no x86_64 twin), write with a string.
 */
#include "progs.h"

#include <sys/mman.h>

int main(void)
{
	prog_name = "sys32";
	long r = syscall(SYS_open, "/nonexistent/ew-i386", O_RDONLY);
	if (r != -1 || errno != ENOENT)
		prog_exit(1);
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		prog_exit(1);
	if (syscall(SYS_write, 1, "i386!\n", 6) != 6)
		prog_exit(1);
	prog_exit(0);
}
