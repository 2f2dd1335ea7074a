/* SPDX-License-Identifier: MIT */
/*
 * big_argv [NARGS [BIGLEN]] - execve("/bin/true") with a large argument vector:
 * argv[0] = "true", argv[1..NARGS] = "a1" .. "aNARGS" (default NARGS = 5000), then one argument
 * of BIGLEN bytes (default 102400) where byte i is 'a' + i % 26. argc = NARGS + 2.
 * Exit status: /bin/true's (0); 1 if the exec failed.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	long nargs = argc > 1 ? atol(argv[1]) : 5000;
	long biglen = argc > 2 ? atol(argv[2]) : 102400;
	const char **args;
	char *big;

	prog_init(argv[0]);
	if (nargs < 0 || nargs > 100000 || biglen < 0 || biglen > 131071)
		die(0, "NARGS must be 0..100000 and BIGLEN 0..131071");
	args = calloc((size_t)nargs + 3, sizeof(*args));
	big = malloc((size_t)biglen + 1);
	if (!args || !big)
		die(ENOMEM, "malloc");
	args[0] = "true";
	for (long i = 1; i <= nargs; i++) {
		char *a;

		if (asprintf(&a, "a%ld", i) < 0)
			die(ENOMEM, "asprintf");
		args[i] = a;
	}
	for (long i = 0; i < biglen; i++)
		big[i] = (char)('a' + i % 26);
	big[biglen] = '\0';
	args[nargs + 1] = big;
	args[nargs + 2] = NULL;
	raw_execve("/bin/true", args, environ);
	die(errno, "execve /bin/true with %ld arguments", nargs + 2);
}
