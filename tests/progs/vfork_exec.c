/* SPDX-License-Identifier: MIT */
/*
 * vfork_exec - vfork(), then the child calls execve("/bin/true", ["true", "from-vfork"]).
 * The parent waits and exits with the child's status (0), or 1 on any surprise.
 */

#include "progs.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	const char *args[] = {"true", "from-vfork", NULL};
	int status;
	pid_t pid;

	(void)argc;
	prog_init(argv[0]);
	pid = vfork();
	if (pid < 0)
		die(errno, "vfork");
	if (pid == 0) {
		raw_execve("/bin/true", args, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die(errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(0, "child status 0x%x", status);
	prog_exit(0);
}
