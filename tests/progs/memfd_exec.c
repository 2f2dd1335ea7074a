/* SPDX-License-Identifier: MIT */
/*
 * memfd_exec [script] - fileless exec: copies a program into memfd_create("ewtest") and runs it
 * with execveat(fd, "", argv, envp, AT_EMPTY_PATH) (what fexecve does).
 *
 *   memfd_exec          the memfd holds a copy of /bin/true (MFD_CLOEXEC): succeeds, exit 0.
 *                       The program is "/memfd:ewtest (deleted)".
 *   memfd_exec script   the memfd "ewscript" holds "#!/bin/sh\nexit 0\n" and is not close-on-exec
 *                       (the interpreter opens it as /dev/fd/N): succeeds, exit 0.
 */

#include "progs.h"

#include <sys/mman.h>

int main(int argc, char **argv)
{
	static const char script[] = "#!/bin/sh\nexit 0\n";
	const char *args[] = {"ewtest", "from-memfd", NULL};
	int fd;

	prog_init(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "script")) {
		fd = memfd_create("ewscript", 0);
		if (fd < 0)
			die(errno, "memfd_create");
		if (write(fd, script, sizeof(script) - 1) != (ssize_t)(sizeof(script) - 1))
			die(errno, "write memfd");
	} else {
		fd = memfd_create("ewtest", MFD_CLOEXEC);
		if (fd < 0)
			die(errno, "memfd_create");
		copy_fd_from(fd, "/bin/true");
	}
	raw_execveat(fd, "", args, environ, AT_EMPTY_PATH);
	die(errno, "execveat(memfd, AT_EMPTY_PATH)");
}
