/* SPDX-License-Identifier: MIT */
/* ewdep.c - a tiny shared library for the dependency tests: deps_dlopen loads it with dlopen().
 * EWDEP_VALUE is set at build time so a test can build a changed copy. */
#include <fcntl.h>
#include <unistd.h>

#ifndef EWDEP_VALUE
#define EWDEP_VALUE 42
#endif
#define EXPORT __attribute__((visibility("default")))

EXPORT int ewdep_value(void);
EXPORT int ewdep_value(void)
{
	return EWDEP_VALUE;
}

/* Opens and closes path from the library's own code (the caller attribution test). */
EXPORT int ewdep_open(const char *path);
EXPORT int ewdep_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -1;
}
