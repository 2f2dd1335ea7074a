/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096u

static bool vm_readv_broken; /* ENOSYS/EPERM once: use /proc/PID/mem from then on */

static ssize_t read_procmem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	/* pread stops at an unmapped page like process_vm_readv; read page by page to get the
	 * readable prefix exactly. */
	while (got < len) {
		size_t chunk = PAGE - (size_t)((addr + got) % PAGE);
		if (chunk > len - got)
			chunk = len - got;
		ssize_t n = pread(fd, (char *)buf + got, chunk, (off_t)(addr + got));
		if (n <= 0)
			break;
		got += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	close(fd);
	return got ? (ssize_t)got : -EFAULT;
}

ssize_t tr_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	if (!len)
		return 0;
	if (addr + len < addr) /* wraps around: clip at the top of the address space */
		len = (size_t)(UINT64_MAX - addr) + 1;
	if (vm_readv_broken)
		return read_procmem(tid, addr, buf, len);
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n >= 0)
		return n ? n : -EFAULT;
	if (errno == ENOSYS || errno == EPERM) {
		vm_readv_broken = errno == ENOSYS;
		return read_procmem(tid, addr, buf, len);
	}
	return -errno;
}

int tr_mem_str(pid_t tid, uint64_t addr, size_t max, struct ew_arena *a, struct ew_str *out,
	       uint32_t *flags)
{
	*flags = 0;
	if (!addr) {
		*out = (struct ew_str){NULL, 0};
		return 0;
	}
	struct ew_buf tmp = EW_BUF_INIT;
	char chunk[PAGE];
	uint64_t p = addr;
	bool done = false;
	while (!done) {
		/* First read up to the page end: a string near an unmapped page still reads. */
		size_t want = PAGE - (size_t)(p % PAGE);
		if (want > max - tmp.len + 1)
			want = max - tmp.len + 1;
		ssize_t n = tr_mem_read(tid, p, chunk, want);
		if (n <= 0) {
			*flags |= TR_STR_FAULT;
			break;
		}
		const char *z = memchr(chunk, '\0', (size_t)n);
		size_t take = z ? (size_t)(z - chunk) : (size_t)n;
		if (tmp.len + take > max) {
			take = max - tmp.len;
			*flags |= TR_STR_CUT;
			done = true;
		}
		if (ew_buf_append(&tmp, chunk, take) < 0) {
			ew_buf_free(&tmp);
			return -ENOMEM;
		}
		if (z)
			break;
		if (!done && (size_t)n < want) {
			*flags |= TR_STR_FAULT;
			break;
		}
		p += (uint64_t)n;
		if (p < addr) { /* wrapped */
			*flags |= TR_STR_FAULT;
			break;
		}
	}
	if (!tmp.len && (*flags & TR_STR_FAULT) && p == addr) {
		*out = (struct ew_str){NULL, 0};
		ew_buf_free(&tmp);
		return 0;
	}
	*out = ew_arena_str(a, tmp.ptr ? tmp.ptr : "", tmp.len);
	ew_buf_free(&tmp);
	return out->ptr ? 0 : -ENOMEM;
}

/* Strings of one vector sit in a few clusters (the previous exec's stack, a shell's heap). We
 * sort the pointers, merge those closer than CLUSTER_GAP into clusters, and read every cluster -
 * from its first string to the end of the page holding its last one - with ONE vectored
 * process_vm_readv. A string whose terminator lies beyond its cluster's end is read alone. */
#define CLUSTER_GAP (64u * 1024u)
#define CLUSTER_MAX_SPAN (1u << 20)
#define CLUSTERS_MAX 64

struct cluster {
	uint64_t lo, hi; /* [lo, hi) in the tracee */
	char *data;      /* local copy */
	size_t got;      /* bytes actually read */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Reads the clusters; on a short vectored read falls back to one read per cluster. */
static void read_clusters(pid_t tid, struct cluster *c, size_t n)
{
	struct iovec local[CLUSTERS_MAX], remote[CLUSTERS_MAX];
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		local[i] = (struct iovec){c[i].data, (size_t)(c[i].hi - c[i].lo)};
		remote[i] = (struct iovec){(void *)(uintptr_t)c[i].lo, local[i].iov_len};
		total += local[i].iov_len;
		c[i].got = 0;
	}
	ssize_t r = vm_readv_broken ? -1 : process_vm_readv(tid, local, n, remote, n, 0);
	if (r == (ssize_t)total) {
		for (size_t i = 0; i < n; i++)
			c[i].got = local[i].iov_len;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		ssize_t k = tr_mem_read(tid, c[i].lo, c[i].data, local[i].iov_len);
		c[i].got = k > 0 ? (size_t)k : 0;
	}
}

int tr_mem_strv(pid_t tid, uint64_t addr, unsigned word, uint32_t max_count, uint64_t max_bytes,
		struct ew_arena *a, struct ew_strv *out)
{
	memset(out, 0, sizeof(*out));
	if (!addr) {
		out->flags = EW_STRV_NULL;
		return 0;
	}
	/* 1. The pointer array, in chunks, up to its NULL. */
	struct ew_buf ptrs = EW_BUF_INIT; /* uint64_t[] */
	size_t count = 0;
	uint64_t p = addr;
	bool end = false;
	while (!end) {
		unsigned char raw[4096];
		size_t want = sizeof(raw);
		ssize_t n = tr_mem_read(tid, p, raw, want);
		if (n < (ssize_t)word) {
			out->flags |= EW_STRV_FAULT;
			break;
		}
		size_t k = (size_t)n / word;
		for (size_t i = 0; i < k; i++) {
			uint64_t v = 0;
			if (word == 8) {
				memcpy(&v, raw + i * 8, 8);
			} else {
				uint32_t v32;
				memcpy(&v32, raw + i * 4, 4);
				v = v32;
			}
			if (!v) {
				end = true;
				break;
			}
			if (count >= max_count) {
				out->flags |= EW_STRV_TRUNCATED;
				end = true;
				break;
			}
			if (ew_buf_append(&ptrs, &v, sizeof(v)) < 0) {
				ew_buf_free(&ptrs);
				return -ENOMEM;
			}
			count++;
		}
		p += k * word;
		if (!end && (size_t)n < want) {
			/* Short read: the array runs into unreadable memory. */
			out->flags |= EW_STRV_FAULT;
			break;
		}
	}
	const uint64_t *pv = (const uint64_t *)(void *)ptrs.ptr;
	struct ew_str *v = count ? ew_arena_alloc(a, count * sizeof(*v)) : NULL;
	if (count && !v) {
		ew_buf_free(&ptrs);
		return -ENOMEM;
	}
	/* 2. Clusters of string addresses, read at once. */
	struct cluster cl[CLUSTERS_MAX];
	size_t ncl = 0;
	if (count) {
		uint64_t *sorted = malloc(count * sizeof(*sorted));
		if (!sorted) {
			ew_buf_free(&ptrs);
			return -ENOMEM;
		}
		memcpy(sorted, pv, count * sizeof(*sorted));
		qsort(sorted, count, sizeof(*sorted), cmp_u64);
		for (size_t i = 0; i < count && ncl < CLUSTERS_MAX; i++) {
			uint64_t s0 = sorted[i];
			uint64_t pend = (s0 | (PAGE - 1)) + 1; /* end of its page */
			if (pend < s0)
				pend = UINT64_MAX;
			if (ncl && s0 < cl[ncl - 1].hi + CLUSTER_GAP &&
			    pend - cl[ncl - 1].lo <= CLUSTER_MAX_SPAN) {
				if (pend > cl[ncl - 1].hi)
					cl[ncl - 1].hi = pend;
				continue;
			}
			cl[ncl++] = (struct cluster){s0, pend, NULL, 0};
		}
		free(sorted);
		for (size_t i = 0; i < ncl; i++) {
			cl[i].data = ew_arena_alloc(a, (size_t)(cl[i].hi - cl[i].lo));
			if (!cl[i].data) {
				ew_buf_free(&ptrs);
				return -ENOMEM;
			}
		}
		read_clusters(tid, cl, ncl);
	}
	/* 3. Each string: from its cluster when its terminator is there, else read alone. */
	uint64_t total = 0;
	size_t got = 0;
	for (size_t i = 0; i < count; i++) {
		struct ew_str s = {NULL, 0};
		uint64_t room = max_bytes - total;
		for (size_t c = 0; c < ncl; c++) {
			if (pv[i] < cl[c].lo || pv[i] - cl[c].lo >= cl[c].got)
				continue;
			size_t off = (size_t)(pv[i] - cl[c].lo);
			const char *z = memchr(cl[c].data + off, '\0', cl[c].got - off);
			if (z && (uint64_t)(z - (cl[c].data + off)) <= room) {
				s.ptr = cl[c].data + off;
				s.len = (size_t)(z - (cl[c].data + off));
			}
			break;
		}
		if (!s.ptr) {
			uint32_t f;
			size_t lim = room > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)room;
			if (tr_mem_str(tid, pv[i], lim, a, &s, &f) < 0) {
				ew_buf_free(&ptrs);
				return -ENOMEM;
			}
			if (f & TR_STR_FAULT) {
				out->flags |= EW_STRV_FAULT;
				break;
			}
			if (f & TR_STR_CUT) {
				/* Keep the cut string: the vector's flag marks it. */
				v[got++] = s;
				total += s.len;
				out->flags |= EW_STRV_TRUNCATED;
				break;
			}
		}
		v[got++] = s;
		total += s.len;
	}
	ew_buf_free(&ptrs);
	out->v = v;
	out->count = got;
	out->bytes = total;
	return 0;
}
