/* SPDX-License-Identifier: MIT */
/*
 * execveat VARIANT [DIR] - execveat(2) in its forms (raw syscall):
 *
 *   empty          fd = open("/bin/true"); execveat(fd, "", argv, envp, AT_EMPTY_PATH): runs
 *                  /bin/true through its fd (the program is the file behind fd).
 *   dirfd DIR      copies /bin/true to DIR/ew_at_true; dfd = open(DIR, O_DIRECTORY);
 *                  execveat(dfd, "ew_at_true", argv, envp, 0): succeeds.
 *   fdcwd          execveat(AT_FDCWD, "/bin/true", argv, envp, 0): succeeds.
 *   missing DIR    execveat(dfd, "ew_missing", argv, envp, 0): fails with ENOENT; exits 0.
 *   nofollow DIR   DIR/ew_link -> /bin/true; execveat(dfd, "ew_link", argv, envp,
 *                  AT_SYMLINK_NOFOLLOW): fails with ELOOP; exits 0.
 *
 * argv is always ["ew_at", VARIANT].
 */
#include "progs.h"

static int open_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		die(errno, "open %s", dir);
	return dfd;
}

int main(int argc, char **argv)
{
	const char *v = argc > 1 ? argv[1] : "";
	const char *args[] = {"ew_at", v, NULL};

	prog_init(argv[0]);
	if (!strcmp(v, "empty")) {
		int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			die(errno, "open /bin/true");
		raw_execveat(fd, "", args, environ, AT_EMPTY_PATH);
		die(errno, "execveat(fd, \"\", AT_EMPTY_PATH)");
	} else if (!strcmp(v, "dirfd")) {
		const char *dir = dir_arg(argc, argv, 2);
		char *file = path_join(dir, "ew_at_true");
		int dfd;

		copy_file("/bin/true", file, 0755);
		dfd = open_dir(dir);
		raw_execveat(dfd, "ew_at_true", args, environ, 0);
		die(errno, "execveat(dirfd, \"ew_at_true\")");
	} else if (!strcmp(v, "fdcwd")) {
		raw_execveat(AT_FDCWD, "/bin/true", args, environ, 0);
		die(errno, "execveat(AT_FDCWD, \"/bin/true\")");
	} else if (!strcmp(v, "missing")) {
		int dfd = open_dir(dir_arg(argc, argv, 2));

		EXPECT_FAIL(raw_execveat(dfd, "ew_missing", args, environ, 0), ENOENT,
		            "execveat of a missing file");
		prog_exit(0);
	} else if (!strcmp(v, "nofollow")) {
		const char *dir = dir_arg(argc, argv, 2);
		char *link = path_join(dir, "ew_link");
		int dfd;

		if (symlink("/bin/true", link) < 0 && errno != EEXIST)
			die(errno, "symlink %s", link);
		dfd = open_dir(dir);
		EXPECT_FAIL(raw_execveat(dfd, "ew_link", args, environ, AT_SYMLINK_NOFOLLOW), ELOOP,
		            "execveat AT_SYMLINK_NOFOLLOW of a symlink");
		free(link);
		prog_exit(0);
	}
	die(0, "usage: execveat empty|dirfd DIR|fdcwd|missing DIR|nofollow DIR");
}
