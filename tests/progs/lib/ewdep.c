/* SPDX-License-Identifier: MIT */
/* ewdep.c - a tiny shared library for the dependency tests: deps_dlopen loads it with dlopen().
 * EWDEP_VALUE is set at build time so a test can build a changed copy. */
#ifndef EWDEP_VALUE
#define EWDEP_VALUE 42
#endif
__attribute__((visibility("default"))) int ewdep_value(void);
int ewdep_value(void)
{
	return EWDEP_VALUE;
}
