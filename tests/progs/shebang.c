/* SPDX-License-Identifier: MIT */
/*
 * shebang DIR [missing] - execve() of a "#!" script.
 *
 *   shebang DIR          writes DIR/script.sh = "#!/bin/sh -e\nexit 0\n" (mode 0755) and
 *                        execs it with argv ["script.sh", "sarg"]: succeeds, exit status 0.
 *   shebang DIR missing  writes DIR/nointerp.sh = "#!/nonexistent/ew-interp\n" (mode 0755) and
 *                        execs it: fails with ENOENT (the interpreter is missing); exits 0.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	static const char ok[] = "#!/bin/sh -e\nexit 0\n";
	static const char missing[] = "#!/nonexistent/ew-interp\nexit 0\n";
	const char *args[] = {"script.sh", "sarg", NULL};
	const char *dir;
	char *file;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	if (argc > 2 && !strcmp(argv[2], "missing")) {
		file = path_join(dir, "nointerp.sh");
		write_file(file, missing, sizeof(missing) - 1, 0755);
		args[0] = "nointerp.sh";
		EXPECT_FAIL(raw_execve(file, args, environ), ENOENT,
		            "script with missing interpreter");
		free(file);
		prog_exit(0);
	}
	file = path_join(dir, "script.sh");
	write_file(file, ok, sizeof(ok) - 1, 0755);
	raw_execve(file, args, environ);
	die(errno, "execve %s", file);
}
