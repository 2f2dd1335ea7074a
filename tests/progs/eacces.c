/* SPDX-License-Identifier: MIT */
/*
 * eacces DIR - two execs that fail with EACCES, in this order:
 *   1. execve("DIR/noexec.sh"): a regular file of mode 0644 (no x bit for anyone, so even root
 *      is refused);
 *   2. execve("DIR"): a directory.
 * Exits 0 when both failed with EACCES.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	static const char script[] = "#!/bin/sh\nexit 0\n";
	const char *args[] = {"noexec.sh", NULL};
	const char *dir;
	char *file;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	file = path_join(dir, "noexec.sh");
	write_file(file, script, sizeof(script) - 1, 0644);
	EXPECT_FAIL(raw_execve(file, args, environ), EACCES, "execve of a file without x bit");
	args[0] = "dir";
	EXPECT_FAIL(raw_execve(dir, args, environ), EACCES, "execve of a directory");
	free(file);
	prog_exit(0);
}
