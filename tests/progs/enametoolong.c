/* SPDX-License-Identifier: MIT */
/*
 * enametoolong - three execs that fail with ENAMETOOLONG, in this order:
 *   1. "/tmp/" followed by one 300-byte component of 'n' (a component longer than NAME_MAX);
 *   2. a 5000-byte path "/" + "d/" repeated (total length beyond PATH_MAX).
 *   3. a 70000-byte path of 'x' (beyond what execwatch reads: the event says it is cut).
 * Exits 0 when all three failed with ENAMETOOLONG.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	const char *args[] = {"long", NULL};
	char comp[5 + 300 + 1];
	char *whole;

	(void)argc;
	prog_init(argv[0]);
	memcpy(comp, "/tmp/", 5);
	memset(comp + 5, 'n', 300);
	comp[305] = '\0';
	EXPECT_FAIL(raw_execve(comp, args, environ), ENAMETOOLONG, "execve of a long component");

	whole = malloc(5001);
	if (!whole)
		die(ENOMEM, "malloc");
	whole[0] = '/';
	for (int i = 1; i < 5000; i += 2) {
		whole[i] = 'd';
		if (i + 1 < 5000)
			whole[i + 1] = '/';
	}
	whole[5000] = '\0';
	EXPECT_FAIL(raw_execve(whole, args, environ), ENAMETOOLONG, "execve of a 5000-byte path");
	free(whole);

	whole = malloc(70001);
	if (!whole)
		die(ENOMEM, "malloc");
	whole[0] = '/';
	memset(whole + 1, 'x', 69999);
	whole[70000] = '\0';
	EXPECT_FAIL(raw_execve(whole, args, environ), ENAMETOOLONG, "execve of a 70000-byte path");
	free(whole);
	prog_exit(0);
}
