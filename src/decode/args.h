/* SPDX-License-Identifier: MIT */
/*
 * args.h - rendering syscall arguments and return values as text, strace-style, for any
 * backend. A backend supplies how to read the caller's memory and how to name an fd; the
 * renderers never fault on hostile input: an unreadable pointer renders as
 * `0x1234 (unreadable)`, a string cut by the limit ends in `...`, a string whose tail cannot be
 * read ends in `... (unreadable after N bytes)`.
 *
 * Forms:
 *   fd        3</etc/passwd>, 4<socket:[1234]>, 5<pipe:[99]>; AT_FDCWD for dirfds
 *   string    "/etc/passwd" (C escapes, at most string_limit bytes, then "...")
 *   strv      ["ls", "-l"]  (at most strv_limit elements, then ...)
 *   flags     O_RDONLY|O_CLOEXEC, 0644, AT_SYMLINK_NOFOLLOW, PROT_READ|PROT_EXEC,
 *             MAP_PRIVATE|MAP_ANONYMOUS, CLONE_VM|...|SIGCHLD, R_OK|W_OK, SIGTERM, AF_INET
 *   pointer   0x7ffc2a10 (struct stat *), NULL
 *   integer   signed decimal; unsigned decimal when below 2^20, else hex
 *   return    3</etc/passwd>, 0x7f00a000, -2 ENOENT (No such file or directory)
 */
#ifndef EW_DECODE_ARGS_H
#define EW_DECODE_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "syscalls.h"

/* Reads up to len bytes of the caller's memory at addr; returns the count read (short at the
 * first unreadable byte) or -errno when nothing is readable. */
typedef ssize_t (*ew_memread_fn)(void *ctx, uint64_t addr, void *buf, size_t len);
/* Appends what fd refers to ("/etc/passwd", "socket:[1234]"); returns 0 or -errno (then
 * nothing was appended and only the number is shown). */
typedef int (*ew_fdname_fn)(void *ctx, int fd, struct ew_buf *out);

struct ew_render_ctx {
	ew_memread_fn read; /* NULL: pointers are shown as addresses only */
	void *read_ctx;
	ew_fdname_fn fdname; /* NULL: fds are shown as numbers */
	void *fd_ctx;
	unsigned word;         /* the caller's pointer size: 4 or 8 */
	unsigned string_limit; /* -s: longest string rendered (bytes) */
	unsigned strv_limit;   /* most array elements rendered */
};

/* Does argument i need the return value (a buffer the kernel fills)? Such arguments are
 * rendered at the exit; all others at the entry, before the call can change memory. */
static inline bool ew_arg_at_exit(const struct ew_sysdesc *d, unsigned i)
{
	return d->arg[i] == EW_ARG_BUF_OUT;
}

/* Appends the rendering of argument i of a call described by d with raw arguments args.
 * ret is the return value (used only for arguments rendered at the exit). Returns 0 or
 * -ENOMEM. */
int ew_render_arg(struct ew_buf *out, const struct ew_sysdesc *d, unsigned i,
                  const uint64_t args[6], int64_t ret, const struct ew_render_ctx *c);

/* Appends the rendering of a return value ("-2 ENOENT (No such file or directory)"). */
int ew_render_ret(struct ew_buf *out, const struct ew_sysdesc *d, int64_t ret,
                  const struct ew_render_ctx *c);

/* Scalar renderers, usable on their own. k is one of the flag/integer kinds; name is the
 * syscall (some flag bits depend on it, e.g. AT_REMOVEDIR for unlinkat), may be NULL. */
int ew_render_scalar(struct ew_buf *out, enum ew_argk k, uint64_t v, unsigned word,
                     const char *name);

/* Appends bytes as a quoted C string of at most limit bytes ("..." after it when longer,
 * or when cut says the source was longer). */
int ew_render_quoted(struct ew_buf *out, const char *s, size_t len, size_t limit, bool cut);

/* The same renderings from strings a backend has already copied out of the caller (the exec
 * path, argv and envp read for the exec event): byte-for-byte what ew_render_arg would show
 * for EW_ARG_STR / EW_ARG_STRV read from memory, without reading it again. */
int ew_render_str_copy(struct ew_buf *out, const char *s, size_t len,
                       const struct ew_render_ctx *c);
int ew_render_strv_copy(struct ew_buf *out, const struct ew_str *v, size_t n,
                        const struct ew_render_ctx *c);

/* Is a raw return value an error (-4095..-1)? */
static inline bool ew_ret_is_error(int64_t ret)
{
	return ret < 0 && ret >= -4095;
}

#endif
