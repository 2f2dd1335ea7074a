/* SPDX-License-Identifier: MIT */
/*
 * victim - the program the exec guard tests must never let run: it appends "ran <argv0>" to the
 * file named by $EW_MARKER and exits 0. Any line in that file means an escape.
 * "victim crash" dies of SIGSEGV after writing its line (for the crash guard).
 */
#include <signal.h>

#include "progs.h"

int main(int argc, char **argv)
{
	const char *m = getenv("EW_MARKER");
	if (m) {
		int fd = open(m, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dprintf(fd, "ran %s\n", argv[0]);
			close(fd);
		}
	}
	if (argc > 1 && !strcmp(argv[1], "crash")) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}
	return 0;
}
