/* SPDX-License-Identifier: MIT */
/*
 * fork_chain [N] - a chain of N forks (default 30): each process forks the next one and waits
 * for it; the deepest (the N-th child) calls execve("/bin/true", ["true", "deepest"]). Every
 * level exits with its child's exit status, so the chain exits 0 when the deepest did.
 */

#include "progs.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	const char *args[] = {"true", "deepest", NULL};
	int n = argc > 1 ? atoi(argv[1]) : 30;

	prog_init(argv[0]);
	if (n < 0 || n > 1000)
		die(0, "N must be 0..1000");
	for (int level = 0; level < n; level++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			die(errno, "fork at level %d", level);
		if (pid == 0)
			continue; /* the child goes one level deeper */
		if (waitpid(pid, &status, 0) != pid)
			die(errno, "waitpid at level %d", level);
		if (WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		die(0, "level %d: child status 0x%x", level + 1, status);
	}
	raw_execve("/bin/true", args, environ);
	die(errno, "execve /bin/true at the bottom");
}
