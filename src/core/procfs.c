/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ew_procfs_readlink(pid_t tid, const char *what, struct ew_buf *out)
{
	char path[64];
	int n = snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, what);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -EINVAL;
	size_t cap = 256;
	for (;;) {
		int r = ew_buf_reserve(out, cap);
		if (r < 0)
			return r;
		ssize_t len = readlink(path, out->ptr, cap);
		if (len < 0)
			return -errno;
		if ((size_t)len < cap) {
			out->len = (size_t)len;
			out->ptr[len] = '\0';
			return 0;
		}
		if (cap >= (1u << 20))
			return -ENAMETOOLONG;
		cap *= 4;
	}
}

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	return n < 0 ? -e : n;
}

int ew_procfs_comm(pid_t tid, char out[16], size_t *len)
{
	char path[48], buf[32];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 15)
		n = 15;
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
	if (len)
		*len = (size_t)n;
	return 0;
}

int ew_procfs_ids(pid_t tid, pid_t *tgid, pid_t *ppid)
{
	char path[48], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	ssize_t n = read_small(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	/* The Name: line comes first and may hold anything; search from the line after it. */
	char *p = strchr(buf, '\n');
	char *t = p ? strstr(p, "\nTgid:") : NULL;
	char *pp = p ? strstr(p, "\nPPid:") : NULL;
	if (!t || !pp)
		return -EIO;
	long a = strtol(t + 6, NULL, 10), b = strtol(pp + 6, NULL, 10);
	if (a <= 0 || b < 0)
		return -EIO;
	*tgid = (pid_t)a;
	*ppid = (pid_t)b;
	return 0;
}
