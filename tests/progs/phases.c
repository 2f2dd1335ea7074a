/* SPDX-License-Identifier: MIT */
/*
 * phases DIR N - N phases; phase i makes one failing openat("/nonexistent/ew-phase-i"), then
 * creates DIR/done-i and waits (up to 30 s) for DIR/go-i before the next phase. The test
 * switches syscall logging between phases (SIGUSR1 to execwatch).
 */
#include "progs.h"

#include <time.h>

int main(int argc, char **argv)
{
	prog_name = "phases";
	if (argc < 3)
		prog_exit(2);
	int n = atoi(argv[2]);
	char path[4096];
	for (int i = 1; i <= n; i++) {
		snprintf(path, sizeof(path), "/nonexistent/ew-phase-%d", i);
		syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		snprintf(path, sizeof(path), "%s/done-%d", argv[1], i);
		int fd = open(path, O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			prog_exit(1);
		close(fd);
		snprintf(path, sizeof(path), "%s/go-%d", argv[1], i);
		for (int t = 0; access(path, F_OK) != 0; t++) {
			if (t > 3000)
				prog_exit(1);
			struct timespec ts = {0, 10000000};
			nanosleep(&ts, NULL);
		}
	}
	prog_exit(0);
}
