/* SPDX-License-Identifier: MIT */
/*
 * wait_exec DIR - a target for `record -p`: waits (up to 30 s) until DIR/go exists, then forks a
 * child that calls execve("/bin/true", ["true", "child"]), waits for it, and finally calls
 * execve("/bin/true", ["true", "attached"]) itself. Exits 1 if DIR/go never appears or the child
 * fails.
 */
#include "progs.h"

#include <sys/wait.h>
#include <time.h>

int main(int argc, char **argv)
{
	const char *child_args[] = {"true", "child", NULL};
	const char *args[] = {"true", "attached", NULL};
	const struct timespec tick = {0, 10 * 1000 * 1000};
	const char *dir;
	char *go;
	int status;
	pid_t pid;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	go = path_join(dir, "go");
	for (int i = 0; access(go, F_OK) != 0; i++) {
		if (i >= 3000)
			die(0, "%s did not appear within 30 s", go);
		nanosleep(&tick, NULL);
	}
	pid = fork();
	if (pid < 0)
		die(errno, "fork");
	if (pid == 0) {
		raw_execve("/bin/true", child_args, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die(errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(0, "child status 0x%x", status);
	raw_execve("/bin/true", args, environ);
	die(errno, "execve /bin/true");
}
