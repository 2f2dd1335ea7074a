/* SPDX-License-Identifier: MIT */
/*
 * deps_dlopen LIB [EXPECTED [BY_LIB BY_PROG]] - dlopen()s LIB, calls its ewdep_value() and
 * prints the value; exits 1 if it differs from EXPECTED (when given). The library must appear
 * as "dlopen". With BY_LIB and BY_PROG: the library's code opens BY_LIB (ewdep_open), then the
 * program's own code opens BY_PROG (the caller attribution test).
 */
#include <dlfcn.h>

#include "progs.h"

int main(int argc, char **argv)
{
	prog_init(argv[0]);
	if (argc < 2)
		die(0, "usage: deps_dlopen LIB [EXPECTED]");
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		die(0, "dlopen %s: %s", argv[1], dlerror());
	int (*fn)(void) = (int (*)(void))dlsym(h, "ewdep_value");
	if (!fn)
		die(0, "dlsym ewdep_value: %s", dlerror());
	int v = fn();
	printf("%d\n", v);
	if (argc > 2 && v != atoi(argv[2]))
		die(0, "ewdep_value() = %d, expected %s", v, argv[2]);
	if (argc > 4) {
		int (*op)(const char *) = (int (*)(const char *))dlsym(h, "ewdep_open");
		if (!op || op(argv[3]) < 0)
			die(0, "ewdep_open %s failed", argv[3]);
		int fd = open(argv[4], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(errno, "open %s", argv[4]);
		close(fd);
	}
	prog_exit(0);
}
