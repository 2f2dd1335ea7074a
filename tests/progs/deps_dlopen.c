/* SPDX-License-Identifier: MIT */
/*
 * deps_dlopen LIB [EXPECTED] - dlopen()s LIB, calls its ewdep_value() and prints the value;
 * exits 1 if it differs from EXPECTED (when given). The library must appear as "dlopen".
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
	prog_exit(0);
}
