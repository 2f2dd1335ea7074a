/* SPDX-License-Identifier: MIT */
/*
 * sigstop - a child that stops itself and is continued by its parent, then execs.
 *
 * The child raise(SIGSTOP)s; the parent waits with WUNTRACED, checks that it saw the stop,
 * sends SIGCONT; the child then calls execve("/bin/true", ["true", "after-stop"]). The parent
 * exits 0 when it saw the stop and the child exited 0. A tracer that swallows the group-stop or
 * never resumes the child makes this hang (an alarm ends it after 30 s with SIGALRM).
 */

#include "progs.h"

#include <signal.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	const char *args[] = {"true", "after-stop", NULL};
	int status;
	pid_t pid;

	(void)argc;
	prog_init(argv[0]);
	alarm(30);
	pid = fork();
	if (pid < 0)
		die(errno, "fork");
	if (pid == 0) {
		alarm(30);
		raise(SIGSTOP);
		raw_execve("/bin/true", args, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, WUNTRACED) != pid)
		die(errno, "waitpid WUNTRACED");
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		die(0, "expected the child stopped by SIGSTOP, got status 0x%x", status);
	if (kill(pid, SIGCONT) < 0)
		die(errno, "kill SIGCONT");
	if (waitpid(pid, &status, 0) != pid)
		die(errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(0, "child status 0x%x", status);
	prog_exit(0);
}
