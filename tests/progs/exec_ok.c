/* SPDX-License-Identifier: MIT */
/*
 * exec_ok - one successful execve.
 *
 *   exec_ok                 execve("/bin/true", ["true", "exec_ok-arg"], environ)
 *   exec_ok PATH [ARG...]   execve(PATH, [PATH, ARG...], environ)
 *
 * Exits with the status of the exec'd program; 1 if the exec failed.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	const char *def[] = {"true", "exec_ok-arg", NULL};

	prog_init(argv[0]);
	if (argc < 2) {
		raw_execve("/bin/true", def, environ);
		die(errno, "execve /bin/true");
	}
	raw_execve(argv[1], argv + 1, environ);
	die(errno, "execve %s", argv[1]);
}
