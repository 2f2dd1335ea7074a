/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
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

/* The strings of one vector are usually close together (a shell's heap, the previous exec's
 * stack): read their whole span at once when it is small, then cut strings out of it. */
#define SPAN_MAX (1u << 20)

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
		unsigned char raw[2048];
		size_t want = sizeof(raw) - (size_t)(p % word);
		size_t to_page = PAGE - (size_t)(p % PAGE);
		if (want > to_page && to_page >= word)
			want = to_page;
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
		if (!end && (size_t)n % word) {
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
	/* 2. The span of the strings. */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < count; i++) {
		if (pv[i] < lo)
			lo = pv[i];
		if (pv[i] > hi)
			hi = pv[i];
	}
	char *block = NULL;
	size_t blen = 0;
	if (count > 1 && hi - lo < SPAN_MAX) {
		size_t want = (size_t)(hi - lo) + PAGE - (size_t)(hi % PAGE);
		block = ew_arena_alloc(a, want);
		if (block) {
			ssize_t n = tr_mem_read(tid, lo, block, want);
			blen = n > 0 ? (size_t)n : 0;
		}
	}
	/* 3. Each string: from the block when its terminator is there, else read alone. */
	uint64_t total = 0;
	size_t got = 0;
	for (size_t i = 0; i < count; i++) {
		struct ew_str s = {NULL, 0};
		uint64_t room = max_bytes - total;
		if (block && pv[i] >= lo && pv[i] - lo < blen) {
			size_t off = (size_t)(pv[i] - lo);
			const char *z = memchr(block + off, '\0', blen - off);
			if (z && (uint64_t)(z - (block + off)) <= room) {
				s.ptr = block + off;
				s.len = (size_t)(z - (block + off));
			}
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
				/* Keep the cut string: it is marked by the vector's flag. */
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
