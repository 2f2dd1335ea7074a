/* SPDX-License-Identifier: MIT */
/*
 * deps_files DIR - the file accesses dependency tracing must record, in this order:
 *   creates DIR/sub/data.txt, DIR/p3/conf and DIR/s.sh (write, create);
 *   opens DIR as a directory (O_DIRECTORY) and, relative to that dirfd, "sub/data.txt" (read);
 *   looks for "conf" along the search path DIR/p1:DIR/p2:DIR/p3 (ENOENT, ENOENT, then read);
 *   then execs the script DIR/s.sh ("#!/bin/sh"), which exits 0.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	prog_init(argv[0]);
	if (argc < 2)
		die(0, "usage: deps_files DIR");
	const char *dir = argv[1];
	char path[4096];
	snprintf(path, sizeof(path), "%s/sub", dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		die(errno, "mkdir %s", path);
	snprintf(path, sizeof(path), "%s/p3", dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		die(errno, "mkdir %s", path);
	snprintf(path, sizeof(path), "%s/sub/data.txt", dir);
	write_file(path, "data\n", 5, 0600);
	snprintf(path, sizeof(path), "%s/p3/conf", dir);
	write_file(path, "conf\n", 5, 0600);
	snprintf(path, sizeof(path), "%s/s.sh", dir);
	write_file(path, "#!/bin/sh\nexit 0\n", 17, 0700);

	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die(errno, "open %s", dir);
	int fd = openat(dfd, "sub/data.txt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(errno, "openat sub/data.txt");
	close(fd);
	close(dfd);

	static const char *const search[] = {"p1", "p2", "p3"};
	int found = -1;
	for (int i = 0; i < 3 && found < 0; i++) {
		snprintf(path, sizeof(path), "%s/%s/conf", dir, search[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			found = i;
			close(fd);
		} else if (errno != ENOENT) {
			die(errno, "open %s", path);
		}
	}
	if (found != 2)
		die(0, "conf found in %d, expected p3", found);

	snprintf(path, sizeof(path), "%s/s.sh", dir);
	char *const args[] = {path, NULL};
	execv(path, args);
	die(errno, "execv %s", path);
}
