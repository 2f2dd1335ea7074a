/* SPDX-License-Identifier: MIT */
/*
 * progs.h - helpers shared by the test programs in tests/progs/ (owned by the integration tests).
 *
 * Each test program does one thing a tracer must record, deterministically, and exits 0 when its
 * own logic went as planned (for a failing exec: the exec failed with the expected errno). On an
 * unexpected outcome it prints one line "PROG: what happened" to stderr and exits 1. Programs
 * that need files create them in a directory given on the command line (which must exist).
 */
#ifndef EW_TEST_PROGS_H
#define EW_TEST_PROGS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* memfd_create, pipe2, asprintf, AT_EMPTY_PATH */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static const char *prog_name = "prog";

/*
 * Ends the program: stdio flushed, then _exit(2). Test programs never use exit(3) or return from
 * main: in a sanitizer build the leak checker runs at exit and refuses to work under ptrace,
 * which would turn every traced run into a failure.
 */
static inline __attribute__((noreturn)) void prog_exit(int status)
{
	fflush(NULL);
	_exit(status);
}

/* Prints "PROG: message" (plus ": strerror" when err != 0) and exits 1. */
static inline __attribute__((noreturn, format(printf, 2, 3))) void die(int err, const char *fmt,
                                                                       ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	prog_exit(1);
}

static inline void prog_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	prog_name = slash ? slash + 1 : argv0;
}

/* Writes len bytes of data to path (created or truncated) and sets its mode exactly. */
static inline void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		die(errno, "open %s", path);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(errno, "write %s", path);
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0)
		die(errno, "chmod %s", path);
	if (close(fd) < 0)
		die(errno, "close %s", path);
}

/* Copies the file src into the open fd dst (from dst's current offset). */
static inline void copy_fd_from(int dst, const char *src)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		die(errno, "open %s", src);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		ssize_t off = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(errno, "read %s", src);
		}
		if (n == 0)
			break;
		while (off < n) {
			ssize_t w = write(dst, buf + off, (size_t)(n - off));

			if (w < 0) {
				if (errno == EINTR)
					continue;
				die(errno, "write copy of %s", src);
			}
			off += w;
		}
	}
	close(in);
}

/* Copies src to dst (created or truncated) with the given mode. */
static inline void copy_file(const char *src, const char *dst, mode_t mode)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		die(errno, "open %s", dst);
	copy_fd_from(fd, src);
	if (fchmod(fd, mode) < 0)
		die(errno, "chmod %s", dst);
	if (close(fd) < 0)
		die(errno, "close %s", dst);
}

/* Returns a malloc'ed "dir/name". */
static inline char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (!p)
		die(ENOMEM, "malloc");
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* The work directory argument: argv[i] when present, else fail with a usage message. */
static inline const char *dir_arg(int argc, char **argv, int i)
{
	struct stat st;

	if (argc <= i)
		die(0, "usage: %s ... DIR (an existing directory for the files it creates)",
		    prog_name);
	if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode))
		die(errno ? errno : ENOTDIR, "work directory %s", argv[i]);
	return argv[i];
}

/*
 * Raw execve(2): no C library help, so the kernel sees exactly these pointers. argv and envp are
 * untyped so that deliberately bad pointers and arrays of const strings pass as they are.
 */
static inline long raw_execve(const char *path, const void *argv, const void *envp)
{
	return syscall(SYS_execve, path, argv, envp);
}

/* Raw execveat(2) (glibc has no wrapper before 2.34). */
static inline long raw_execveat(int dirfd, const char *path, const void *argv, const void *envp,
                                int flags)
{
	return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

/* Exits 0 when the last exec failed with errno want, else reports and exits 1. */
static inline __attribute__((noreturn)) void expect_errno(const char *what, int want)
{
	int got = errno;

	if (got == want)
		prog_exit(0);
	die(0, "%s: expected errno %d (%s), got %d (%s)", what, want, strerror(want), got,
	    strerror(got));
}

/* Expects an exec that should fail with want; if it returns, checks errno; if it succeeds the
 * program is gone, which the test notices. */
#define EXPECT_FAIL(call, want, what)                                                              \
	do {                                                                                       \
		errno = 0;                                                                         \
		if ((call) != -1)                                                                  \
			die(0, "%s: unexpected return value", what);                               \
		if (errno != (want))                                                               \
			expect_errno(what, want);                                                  \
	} while (0)

#endif /* EW_TEST_PROGS_H */
