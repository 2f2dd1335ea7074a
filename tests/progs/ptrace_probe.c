/* SPDX-License-Identifier: MIT */
/*
 * ptrace_probe - exits 0 when this environment lets a process ptrace its child (PTRACE_SEIZE),
 * 77 with a one-line reason when it does not (sandboxes, seccomp'ed containers, Yama), 1 on an
 * unexpected error. The integration tests skip visibly on 77.
 */

#include "progs.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int gate[2], status;
	pid_t pid;
	long r;

	(void)argc;
	prog_init(argv[0]);
	if (pipe2(gate, O_CLOEXEC) < 0)
		die(errno, "pipe2");
	pid = fork();
	if (pid < 0)
		die(errno, "fork");
	if (pid == 0) {
		char c;

		close(gate[1]);
		while (read(gate[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(gate[0]);
	r = ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)PTRACE_O_EXITKILL);
	if (r < 0) {
		int err = errno;

		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fprintf(stderr, "ptrace(PTRACE_SEIZE) is not permitted here: %s\n", strerror(err));
		prog_exit(77);
	}
	close(gate[1]);
	if (waitpid(pid, &status, 0) != pid)
		die(errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(0, "traced child status 0x%x", status);
	prog_exit(0);
}
