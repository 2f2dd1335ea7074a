/* SPDX-License-Identifier: MIT */
/*
 * efault [VARIANT] - an execve that fails with EFAULT because of a bad pointer:
 *   argv     (default) argv = (char **)1: the array itself is unreadable
 *   argvelem argv = ["true", (char *)1, NULL]: an element is unreadable
 *   path     path = (char *)1
 *   env      envp = (char **)1
 * Exits 0 when it failed with EFAULT.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	const char *v = argc > 1 ? argv[1] : "argv";
	const char *args[] = {"true", NULL};
	const char *elem[] = {"true", (char *)1, NULL};

	prog_init(argv[0]);
	if (!strcmp(v, "argv"))
		EXPECT_FAIL(raw_execve("/bin/true", (char **)1, environ), EFAULT, "bad argv");
	else if (!strcmp(v, "argvelem"))
		EXPECT_FAIL(raw_execve("/bin/true", elem, environ), EFAULT, "bad argv[1]");
	else if (!strcmp(v, "path"))
		EXPECT_FAIL(raw_execve((const char *)1, args, environ), EFAULT, "bad path");
	else if (!strcmp(v, "env"))
		EXPECT_FAIL(raw_execve("/bin/true", args, (char **)1), EFAULT, "bad envp");
	else
		die(0, "unknown variant %s", v);
	prog_exit(0);
}
