/* SPDX-License-Identifier: MIT */
/*
 * path_search DIR [N] - execvp() through a PATH of N+1 directories (default N = 3) where only
 * the last one holds the program.
 *
 * Creates DIR/p1 .. DIR/pN (empty) and DIR/pN+1/ew_found (a copy of /bin/true, mode 0755), sets
 * PATH=DIR/p1:...:DIR/pN+1 and calls execvp("ew_found", ["ew_found", "from-path"]). The C library
 * tries DIR/p1/ew_found ... DIR/pN/ew_found (each execve fails with ENOENT), then
 * DIR/pN+1/ew_found, which succeeds: N failed execs then one success, all in this process.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	const char *args[] = {"ew_found", "from-path", NULL};
	const char *dir;
	char path[8192] = "";
	char sub[4096];
	int n = 3;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	if (argc > 2)
		n = atoi(argv[2]);
	if (n < 0 || n > 50)
		die(0, "N must be 0..50");
	for (int i = 1; i <= n + 1; i++) {
		snprintf(sub, sizeof(sub), "%s/p%d", dir, i);
		if (mkdir(sub, 0755) < 0 && errno != EEXIST)
			die(errno, "mkdir %s", sub);
		if (i > 1)
			strcat(path, ":");
		strcat(path, sub);
	}
	snprintf(sub, sizeof(sub), "%s/p%d/ew_found", dir, n + 1);
	copy_file("/bin/true", sub, 0755);
	if (setenv("PATH", path, 1) < 0)
		die(errno, "setenv");
	execvp(args[0], (char *const *)args);
	die(errno, "execvp %s", args[0]);
}
