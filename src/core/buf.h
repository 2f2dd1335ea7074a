/* SPDX-License-Identifier: MIT */
/*
 * buf.h - growable byte buffers and a bump arena.
 *
 * struct ew_buf owns its memory (free with ew_buf_free). Appends return 0 or -ENOMEM and keep
 * the buffer NUL-terminated, so .ptr is always a C string when .len > 0 (and after ew_buf_cstr).
 *
 * struct ew_arena hands out memory that lives until ew_arena_reset/ew_arena_free: events are
 * built in an arena that is reset after publishing, so steady-state tracing does not allocate.
 */
#ifndef EW_CORE_BUF_H
#define EW_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "execwatch.h"

struct ew_buf {
	char *ptr;
	size_t len;
	size_t cap;
};

#define EW_BUF_INIT {NULL, 0, 0}

int ew_buf_reserve(struct ew_buf *b, size_t extra);
int ew_buf_append(struct ew_buf *b, const void *data, size_t len);
int ew_buf_putc(struct ew_buf *b, char c);
int ew_buf_puts(struct ew_buf *b, const char *s);
int ew_buf_printf(struct ew_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ew_buf_vprintf(struct ew_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Returns a NUL-terminated string (possibly ""), never NULL unless out of memory. */
const char *ew_buf_cstr(struct ew_buf *b);
static inline void ew_buf_clear(struct ew_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}
void ew_buf_free(struct ew_buf *b);
/* Transfers ownership of the bytes to the caller (NUL-terminated), leaving b empty. */
char *ew_buf_steal(struct ew_buf *b);

struct ew_arena_chunk;
struct ew_arena {
	struct ew_arena_chunk *head; /* current chunk; older ones follow */
	size_t used_total;
};

#define EW_ARENA_INIT {NULL, 0}

/* Returns len bytes aligned to 16, or NULL on ENOMEM. */
void *ew_arena_alloc(struct ew_arena *a, size_t len);
/* Copies len bytes and appends a NUL; returns the copy as an ew_str ({NULL,0} on ENOMEM). */
struct ew_str ew_arena_str(struct ew_arena *a, const void *data, size_t len);
struct ew_str ew_arena_cstr(struct ew_arena *a, const char *s);
/* Keeps the largest chunk and forgets everything allocated. */
void ew_arena_reset(struct ew_arena *a);
void ew_arena_free(struct ew_arena *a);

static inline struct ew_str ew_str_c(const char *s)
{
	struct ew_str r = {s, 0};
	if (s)
		while (s[r.len])
			r.len++;
	return r;
}

#endif
