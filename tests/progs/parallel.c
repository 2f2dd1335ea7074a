/* SPDX-License-Identifier: MIT */
/*
 * parallel [N] - N children (default 200) each execve("/bin/true", ["true", "par"]) at about the
 * same moment: all are forked first and wait on a pipe, which the parent then closes. The parent
 * reaps them all and exits 0 when every child exited 0.
 */

#include "progs.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	const char *args[] = {"true", "par", NULL};
	int n = argc > 1 ? atoi(argv[1]) : 200;
	int gate[2], bad = 0;

	prog_init(argv[0]);
	if (n < 1 || n > 5000)
		die(0, "N must be 1..5000");
	if (pipe2(gate, O_CLOEXEC) < 0)
		die(errno, "pipe2");
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die(errno, "fork %d", i);
		if (pid == 0) {
			char c;

			close(gate[1]);
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			raw_execve("/bin/true", args, environ);
			_exit(127);
		}
	}
	close(gate[1]); /* release them all */
	close(gate[0]);
	for (int i = 0; i < n; i++) {
		int status;

		if (wait(&status) < 0)
			die(errno, "wait (%d reaped)", i);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	if (bad)
		die(0, "%d of %d children failed", bad, n);
	prog_exit(0);
}
