/* SPDX-License-Identifier: MIT */
/*
 * exit_code VARIANT - ends in a chosen way (core dumps disabled, default signal dispositions):
 *   code N   exits with status N
 *   kill     raise(SIGKILL)
 *   segv     raise(SIGSEGV)
 *   fault    a real invalid memory write (SIGSEGV from the hardware)
 *   abort    abort() (SIGABRT)
 *   term     raise(SIGTERM)
 */

#include "progs.h"

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	const struct rlimit nocore = {0, 0};
	const char *v = argc > 1 ? argv[1] : "";

	prog_init(argv[0]);
	setrlimit(RLIMIT_CORE, &nocore);
	/* Default dispositions, so that a sanitizer's handlers (sanitizer builds) do not turn the
	 * deaths below into exit(1). */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (!strcmp(v, "code") && argc > 2)
		prog_exit(atoi(argv[2]));
	if (!strcmp(v, "kill"))
		raise(SIGKILL);
	else if (!strcmp(v, "segv"))
		raise(SIGSEGV);
	else if (!strcmp(v, "fault")) {
		volatile uintptr_t addr = 16;

		*(volatile int *)addr = 1;
	} else if (!strcmp(v, "abort"))
		abort();
	else if (!strcmp(v, "term"))
		raise(SIGTERM);
	else
		die(0, "usage: exit_code code N|kill|segv|fault|abort|term");
	die(0, "still alive after %s", v);
}
