/* SPDX-License-Identifier: MIT */
/*
 * enoexec DIR - execve("DIR/garbage.bin") of an executable file (mode 0755) whose content no
 * binary format recognises: the kernel returns ENOEXEC. (execve directly: execvp would retry
 * with /bin/sh.) Exits 0 when it failed with ENOEXEC.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	static const char junk[] = "\x01\x02\x03\x04 not a program \xf0\x0f\n\x00\x01";
	const char *args[] = {"garbage.bin", NULL};
	const char *dir;
	char *file;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	file = path_join(dir, "garbage.bin");
	write_file(file, junk, sizeof(junk) - 1, 0755);
	EXPECT_FAIL(raw_execve(file, args, environ), ENOEXEC, "execve of garbage");
	free(file);
	prog_exit(0);
}
