/* SPDX-License-Identifier: MIT */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ew_buf_reserve(struct ew_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		return -ENOMEM;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->ptr, cap);
	if (!p)
		return -ENOMEM;
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int ew_buf_append(struct ew_buf *b, const void *data, size_t len)
{
	int r = ew_buf_reserve(b, len);
	if (r < 0)
		return r;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int ew_buf_putc(struct ew_buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		int r = ew_buf_reserve(b, 1);
		if (r < 0)
			return r;
	}
	b->ptr[b->len++] = c;
	b->ptr[b->len] = '\0';
	return 0;
}

int ew_buf_puts(struct ew_buf *b, const char *s)
{
	return ew_buf_append(b, s, strlen(s));
}

int ew_buf_vprintf(struct ew_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return ew_buf_append(b, small, (size_t)n);
	int r = ew_buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ew_buf_printf(struct ew_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = ew_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *ew_buf_cstr(struct ew_buf *b)
{
	if (!b->ptr && ew_buf_reserve(b, 0) < 0)
		return NULL;
	b->ptr[b->len] = '\0';
	return b->ptr;
}

void ew_buf_free(struct ew_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

char *ew_buf_steal(struct ew_buf *b)
{
	if (!b->ptr && ew_buf_reserve(b, 0) < 0)
		return NULL;
	char *p = b->ptr;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

struct ew_arena_chunk {
	struct ew_arena_chunk *next;
	size_t cap;
	size_t used;
	_Alignas(16) unsigned char data[];
};

#define ARENA_MIN_CHUNK (64u * 1024u)

void *ew_arena_alloc(struct ew_arena *a, size_t len)
{
	size_t need = (len + 15u) & ~(size_t)15u;
	if (need < len)
		return NULL;
	struct ew_arena_chunk *c = a->head;
	if (!c || c->cap - c->used < need) {
		size_t cap = ARENA_MIN_CHUNK;
		if (c && c->cap > cap)
			cap = c->cap;
		while (cap < need) {
			if (cap > SIZE_MAX / 2)
				return NULL;
			cap *= 2;
		}
		struct ew_arena_chunk *n = malloc(sizeof(*n) + cap);
		if (!n)
			return NULL;
		n->next = c;
		n->cap = cap;
		n->used = 0;
		a->head = c = n;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->used_total += need;
	return p;
}

struct ew_str ew_arena_str(struct ew_arena *a, const void *data, size_t len)
{
	struct ew_str r = {NULL, 0};
	if (len == SIZE_MAX)
		return r;
	char *p = ew_arena_alloc(a, len + 1);
	if (!p)
		return r;
	if (len)
		memcpy(p, data, len);
	p[len] = '\0';
	r.ptr = p;
	r.len = len;
	return r;
}

struct ew_str ew_arena_cstr(struct ew_arena *a, const char *s)
{
	if (!s)
		return (struct ew_str){NULL, 0};
	return ew_arena_str(a, s, strlen(s));
}

void ew_arena_reset(struct ew_arena *a)
{
	/* Keep the biggest chunk so a steady workload stops allocating; free the rest. */
	struct ew_arena_chunk *keep = NULL;
	for (struct ew_arena_chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		if (!keep || c->cap > keep->cap) {
			free(keep);
			keep = c;
		} else {
			free(c);
		}
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
	a->used_total = 0;
}

void ew_arena_free(struct ew_arena *a)
{
	for (struct ew_arena_chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
	a->used_total = 0;
}
