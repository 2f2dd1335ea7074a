/* SPDX-License-Identifier: MIT */
/*
 * cwd_exec DIR - a relative exec from another working directory: copies /bin/true to
 * DIR/sub/x, chdir(DIR/sub), then execve("./x", ["./x", "rel"]). Succeeds (exit 0); the program
 * is DIR/sub/x and the caller's cwd DIR/sub.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	const char *args[] = {"./x", "rel", NULL};
	const char *dir;
	char *sub, *file;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	sub = path_join(dir, "sub");
	if (mkdir(sub, 0755) < 0 && errno != EEXIST)
		die(errno, "mkdir %s", sub);
	file = path_join(sub, "x");
	copy_file("/bin/true", file, 0755);
	if (chdir(sub) < 0)
		die(errno, "chdir %s", sub);
	raw_execve("./x", args, environ);
	die(errno, "execve ./x");
}
