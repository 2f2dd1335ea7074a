/* SPDX-License-Identifier: MIT */
/*
 * args.c - syscall argument and return value rendering (contract in args.h). Flag names come
 * from the C library's and kernel's headers (the macros themselves), errno and signal names
 * from the C library (strerrorname_np, strerrordesc_np, sigabbrev_np).
 */
#define _GNU_SOURCE
#include "args.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "escape.h"

#ifndef PROT_SEM
#define PROT_SEM 0x8 /* asm-generic/mman-common.h */
#endif
#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif

struct flagname {
	uint64_t bit;
	const char *name;
};
#define F(x)                                                                                       \
	{                                                                                          \
		(uint64_t)(x), #x                                                                  \
	}

/* Appends the names of the bits of v found in t joined by '|', then any rest in hex. */
static int put_flags(struct ew_buf *out, uint64_t v, const struct flagname *t, size_t n, bool first)
{
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		if (t[i].bit && (v & t[i].bit) == t[i].bit) {
			r = (first ? 0 : ew_buf_putc(out, '|')) ?: ew_buf_puts(out, t[i].name);
			first = false;
			v &= ~t[i].bit;
		}
	}
	if (!r && v)
		r = (first ? 0 : ew_buf_putc(out, '|'))
		        ?: ew_buf_printf(out, "%#llx", (unsigned long long)v);
	else if (!r && first)
		r = ew_buf_putc(out, '0');
	return r;
}

static const struct flagname open_flags[] = {
    F(O_CREAT),     F(O_EXCL),     F(O_NOCTTY),  F(O_TRUNC),   F(O_APPEND), F(O_NONBLOCK),
    F(__O_TMPFILE), F(O_SYNC),     F(O_DSYNC),   F(O_ASYNC),   F(O_DIRECT), F(O_LARGEFILE),
    F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME), F(O_CLOEXEC), F(O_PATH),
};

static int put_open_flags(struct ew_buf *out, uint64_t v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	uint32_t f = (uint32_t)v;
	int r = ew_buf_puts(out, acc[f & O_ACCMODE]);
	f &= ~(uint32_t)O_ACCMODE;
	if (!r && f) {
		r = ew_buf_putc(out, '|');
		if (!r)
			r = put_flags(out, f, open_flags,
			              sizeof(open_flags) / sizeof(open_flags[0]), true);
	}
	return r;
}

static const struct flagname at_flags[] = {
    F(AT_SYMLINK_NOFOLLOW), F(AT_SYMLINK_FOLLOW),  F(AT_NO_AUTOMOUNT), F(AT_EMPTY_PATH),
    F(AT_STATX_FORCE_SYNC), F(AT_STATX_DONT_SYNC), F(AT_RECURSIVE),
};

static const struct flagname prot_flags[] = {
    F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC), F(PROT_SEM), F(PROT_GROWSDOWN), F(PROT_GROWSUP),
};

static const struct flagname map_flags[] = {
    F(MAP_FIXED),   F(MAP_ANONYMOUS), F(MAP_GROWSDOWN),       F(MAP_DENYWRITE), F(MAP_EXECUTABLE),
    F(MAP_LOCKED),  F(MAP_NORESERVE), F(MAP_POPULATE),        F(MAP_NONBLOCK),  F(MAP_STACK),
    F(MAP_HUGETLB), F(MAP_SYNC),      F(MAP_FIXED_NOREPLACE), F(MAP_32BIT),
};

static const struct flagname clone_flags[] = {
    F(CLONE_VM),
    F(CLONE_FS),
    F(CLONE_FILES),
    F(CLONE_SIGHAND),
    F(CLONE_PIDFD),
    F(CLONE_PTRACE),
    F(CLONE_VFORK),
    F(CLONE_PARENT),
    F(CLONE_THREAD),
    F(CLONE_NEWNS),
    F(CLONE_SYSVSEM),
    F(CLONE_SETTLS),
    F(CLONE_PARENT_SETTID),
    F(CLONE_CHILD_CLEARTID),
    F(CLONE_DETACHED),
    F(CLONE_UNTRACED),
    F(CLONE_CHILD_SETTID),
    F(CLONE_NEWCGROUP),
    F(CLONE_NEWUTS),
    F(CLONE_NEWIPC),
    F(CLONE_NEWUSER),
    F(CLONE_NEWPID),
    F(CLONE_NEWNET),
    F(CLONE_IO),
};

static const struct flagname access_flags[] = {F(R_OK), F(W_OK), F(X_OK)};

static const struct flagname families[] = {
    F(AF_UNIX),      F(AF_INET), F(AF_INET6), F(AF_NETLINK), F(AF_PACKET),
    F(AF_BLUETOOTH), F(AF_ALG),  F(AF_VSOCK), F(AF_KEY),     F(AF_APPLETALK),
    F(AF_X25),       F(AF_CAN),  F(AF_TIPC),  F(AF_XDP),     F(AF_NFC),
};

static int put_signal(struct ew_buf *out, int sig)
{
	if (sig > 0 && sig >= SIGRTMIN && sig <= SIGRTMAX)
		return sig == SIGRTMIN ? ew_buf_puts(out, "SIGRTMIN")
		                       : ew_buf_printf(out, "SIGRTMIN+%d", sig - SIGRTMIN);
	const char *a = sig > 0 ? sigabbrev_np(sig) : NULL;
	if (a)
		return ew_buf_printf(out, "SIG%s", a);
	return ew_buf_printf(out, "%d", sig);
}

static int put_uint(struct ew_buf *out, uint64_t v)
{
	if (v < (1u << 20))
		return ew_buf_printf(out, "%llu", (unsigned long long)v);
	return ew_buf_printf(out, "%#llx", (unsigned long long)v);
}

int ew_render_scalar(struct ew_buf *out, enum ew_argk k, uint64_t v, unsigned word,
                     const char *name)
{
	if (word == 4)
		v = (uint32_t)v;
	switch (k) {
	case EW_ARG_INT: return ew_buf_printf(out, "%d", (int32_t)v);
	case EW_ARG_LONG:
		return ew_buf_printf(out, "%lld", word == 4 ? (long long)(int32_t)v : (long long)v);
	case EW_ARG_HEX:
	case EW_ARG_PTR:
		return v ? ew_buf_printf(out, "%#llx", (unsigned long long)v)
		         : ew_buf_puts(out, "NULL");
	case EW_ARG_FD:
	case EW_ARG_DIRFD:
		if (k == EW_ARG_DIRFD && (int32_t)v == AT_FDCWD)
			return ew_buf_puts(out, "AT_FDCWD");
		return ew_buf_printf(out, "%d", (int32_t)v);
	case EW_ARG_OPEN_FLAGS: return put_open_flags(out, v);
	case EW_ARG_MODE: return ew_buf_printf(out, "%#03llo", (unsigned long long)(v & 07777777));
	case EW_ARG_AT_FLAGS: {
		uint64_t rest = v;
		bool first = true;
		int r = 0;
		if (name && !strcmp(name, "unlinkat") && (rest & AT_REMOVEDIR)) {
			r = ew_buf_puts(out, "AT_REMOVEDIR");
			rest &= ~(uint64_t)AT_REMOVEDIR;
			first = false;
		} else if (name && !strncmp(name, "faccessat", 9) && (rest & AT_EACCESS)) {
			r = ew_buf_puts(out, "AT_EACCESS");
			rest &= ~(uint64_t)AT_EACCESS;
			first = false;
		}
		if (!r && (rest || first))
			r = (first ? 0 : ew_buf_putc(out, '|'))
			        ?: put_flags(out, rest, at_flags,
			                     sizeof(at_flags) / sizeof(at_flags[0]), true);
		return r;
	}
	case EW_ARG_ACCESS_MODE:
		if (!v)
			return ew_buf_puts(out, "F_OK");
		return put_flags(out, v, access_flags, 3, true);
	case EW_ARG_MMAP_PROT:
		if (!v)
			return ew_buf_puts(out, "PROT_NONE");
		return put_flags(out, v, prot_flags, sizeof(prot_flags) / sizeof(prot_flags[0]),
		                 true);
	case EW_ARG_MMAP_FLAGS: {
		static const char *const type[] = {"0", "MAP_SHARED", "MAP_PRIVATE",
		                                   "MAP_SHARED_VALIDATE"};
		int r = ew_buf_puts(out, type[v & 3]);
		v &= ~(uint64_t)3;
		if (!r && v)
			r = ew_buf_putc(out, '|')
			        ?: put_flags(out, v, map_flags,
			                     sizeof(map_flags) / sizeof(map_flags[0]), true);
		return r;
	}
	case EW_ARG_CLONE_FLAGS: {
		uint64_t sig = v & 0xff;
		v &= ~(uint64_t)0xff;
		int r = 0;
		if (v)
			r = put_flags(out, v, clone_flags,
			              sizeof(clone_flags) / sizeof(clone_flags[0]), true);
		if (!r && sig)
			r = (v ? ew_buf_putc(out, '|') : 0) ?: put_signal(out, (int)sig);
		else if (!r && !v)
			r = ew_buf_putc(out, '0');
		return r;
	}
	case EW_ARG_SIGNAL: return put_signal(out, (int32_t)v);
	case EW_ARG_SOCK_FAMILY:
		for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
			if (families[i].bit == v)
				return ew_buf_puts(out, families[i].name);
		return ew_buf_printf(out, "%llu", (unsigned long long)v);
	default: return put_uint(out, v);
	}
}

int ew_render_quoted(struct ew_buf *out, const char *s, size_t len, size_t limit, bool cut)
{
	bool c2 = false;
	int r = ew_buf_putc(out, '"') ?: ew_cescape(out, s, len, limit, &c2) ?: ew_buf_putc(out, '"');
	if (!r && (cut || c2))
		r = ew_buf_puts(out, "...");
	return r;
}

/* Reads a string at addr: up to limit + 1 bytes, page by page so a string ending before an
 * unmapped page reads. */
static int put_string(struct ew_buf *out, uint64_t addr, const struct ew_render_ctx *c)
{
	if (!addr)
		return ew_buf_puts(out, "NULL");
	if (!c->read)
		return ew_buf_printf(out, "%#llx", (unsigned long long)addr);
	size_t limit = c->string_limit;
	size_t want = limit + 1;
	char stackbuf[4096 + 1];
	char *buf = want <= 4096 ? stackbuf : NULL;
	struct ew_buf heap = EW_BUF_INIT;
	if (!buf) {
		if (ew_buf_reserve(&heap, want) < 0)
			return -ENOMEM;
		buf = heap.ptr;
	}
	size_t got = 0;
	bool fault = false, term = false;
	while (got < want) {
		uint64_t p = addr + got;
		size_t chunk = 4096 - (size_t)(p % 4096);
		if (chunk > want - got)
			chunk = want - got;
		ssize_t n = c->read(c->read_ctx, p, buf + got, chunk);
		if (n <= 0) {
			fault = true;
			break;
		}
		char *z = memchr(buf + got, '\0', (size_t)n);
		if (z) {
			got = (size_t)(z - buf);
			term = true;
			break;
		}
		got += (size_t)n;
		if ((size_t)n < chunk) {
			fault = true;
			break;
		}
	}
	int r;
	if (fault && !got)
		r = ew_buf_printf(out, "%#llx (unreadable)", (unsigned long long)addr);
	else if (fault)
		r = ew_render_quoted(out, buf, got, limit, false)
		        ?: ew_buf_printf(out, "... (unreadable after %zu bytes)", got);
	else
		r = ew_render_quoted(out, buf, got > limit ? limit : got, 0, !term && got > limit);
	ew_buf_free(&heap);
	return r;
}

int ew_render_str_copy(struct ew_buf *out, const char *s, size_t len,
                       const struct ew_render_ctx *c)
{
	size_t limit = c->string_limit;
	return ew_render_quoted(out, s, len > limit ? limit : len, 0, len > limit);
}

int ew_render_strv_copy(struct ew_buf *out, const struct ew_str *v, size_t n,
                        const struct ew_render_ctx *c)
{
	int r = ew_buf_putc(out, '[');
	for (size_t i = 0; i < n && !r; i++) {
		if (i == c->strv_limit) {
			r = ew_buf_puts(out, ", ...");
			break;
		}
		if (i)
			r = ew_buf_puts(out, ", ");
		if (!r)
			r = ew_render_str_copy(out, v[i].ptr, v[i].len, c);
	}
	return r ?: ew_buf_putc(out, ']');
}

static int put_buffer(struct ew_buf *out, uint64_t addr, uint64_t len,
                      const struct ew_render_ctx *c)
{
	if (!addr)
		return ew_buf_puts(out, "NULL");
	if (!c->read)
		return ew_buf_printf(out, "%#llx", (unsigned long long)addr);
	size_t limit = c->string_limit;
	size_t take = len > limit ? limit : (size_t)len;
	char stackbuf[4096];
	struct ew_buf heap = EW_BUF_INIT;
	char *buf = stackbuf;
	if (take > sizeof(stackbuf)) {
		if (ew_buf_reserve(&heap, take) < 0)
			return -ENOMEM;
		buf = heap.ptr;
	}
	ssize_t n = take ? c->read(c->read_ctx, addr, buf, take) : 0;
	int r;
	if (n < 0)
		r = ew_buf_printf(out, "%#llx (unreadable)", (unsigned long long)addr);
	else if ((size_t)n < take)
		r = ew_render_quoted(out, buf, (size_t)n, 0, false)
		        ?: ew_buf_printf(out, "... (unreadable after %zd bytes)", n);
	else
		r = ew_render_quoted(out, buf, take, 0, len > take);
	ew_buf_free(&heap);
	return r;
}

static int put_strv(struct ew_buf *out, uint64_t addr, const struct ew_render_ctx *c)
{
	if (!addr)
		return ew_buf_puts(out, "NULL");
	if (!c->read)
		return ew_buf_printf(out, "%#llx", (unsigned long long)addr);
	unsigned max = c->strv_limit;
	int r = ew_buf_putc(out, '[');
	for (unsigned i = 0; !r; i++) {
		uint64_t p = 0;
		uint64_t at = addr + (uint64_t)i * c->word;
		if (c->read(c->read_ctx, at, &p, c->word) != (ssize_t)c->word) {
			r = ew_buf_printf(out, "%s%#llx (unreadable)", i ? ", " : "",
			                  (unsigned long long)at);
			break;
		}
		if (c->word == 4)
			p = (uint32_t)p;
		if (!p)
			break;
		if (i == max) {
			r = ew_buf_puts(out, ", ...");
			break;
		}
		if (i)
			r = ew_buf_puts(out, ", ");
		if (!r)
			r = put_string(out, p, c);
	}
	return r ?: ew_buf_putc(out, ']');
}

static int put_fd(struct ew_buf *out, int fd, const struct ew_render_ctx *c)
{
	int r = ew_buf_printf(out, "%d", fd);
	if (r || fd < 0 || !c->fdname)
		return r;
	size_t mark = out->len;
	if (ew_buf_putc(out, '<') < 0)
		return -ENOMEM;
	if (c->fdname(c->fd_ctx, fd, out) < 0) {
		out->len = mark;
		out->ptr[mark] = '\0';
		return 0;
	}
	return ew_buf_putc(out, '>');
}

int ew_render_arg(struct ew_buf *out, const struct ew_sysdesc *d, unsigned i,
                  const uint64_t args[6], int64_t ret, const struct ew_render_ctx *c)
{
	uint64_t v = c->word == 4 ? (uint32_t)args[i] : args[i];
	enum ew_argk k = (enum ew_argk)d->arg[i];
	switch (k) {
	case EW_ARG_FD: return put_fd(out, (int32_t)v, c);
	case EW_ARG_DIRFD:
		if ((int32_t)v == AT_FDCWD)
			return ew_buf_puts(out, "AT_FDCWD");
		return put_fd(out, (int32_t)v, c);
	case EW_ARG_STR: return put_string(out, v, c);
	case EW_ARG_STRV: return put_strv(out, v, c);
	case EW_ARG_BUF_IN: {
		int li = d->len_arg[i];
		uint64_t len = li >= 0 ? args[li] : 0;
		if (c->word == 4)
			len = (uint32_t)len;
		return put_buffer(out, v, len, c);
	}
	case EW_ARG_BUF_OUT:
		if (ret <= 0 || ew_ret_is_error(ret))
			return ew_render_scalar(out, EW_ARG_HEX, v, c->word, NULL);
		return put_buffer(out, v, (uint64_t)ret, c);
	case EW_ARG_PTR:
		if (!v)
			return ew_buf_puts(out, "NULL");
		if (d->argtype[i])
			return ew_buf_printf(out, "%#llx (%s)", (unsigned long long)v,
			                     d->argtype[i]);
		return ew_buf_printf(out, "%#llx", (unsigned long long)v);
	default: return ew_render_scalar(out, k, v, c->word, d->name);
	}
}

int ew_render_ret(struct ew_buf *out, const struct ew_sysdesc *d, int64_t ret,
                  const struct ew_render_ctx *c)
{
	if (ew_ret_is_error(ret)) {
		int e = (int)-ret;
		const char *name = strerrorname_np(e);
		const char *text = strerrordesc_np(e);
		if (name)
			return ew_buf_printf(out, "%lld %s (%s)", (long long)ret, name,
			                     text ? text : "");
		/* Kernel-internal restart codes (include/linux/errno.h): a signal interrupted the
		 * call, which the kernel restarts or fails with EINTR. The C library has no names
		 * for them since user space never sees them. */
		static const char *const restart[] = {"ERESTARTSYS", "ERESTARTNOINTR",
		                                      "ERESTARTNOHAND", "ENOIOCTLCMD",
		                                      "ERESTART_RESTARTBLOCK"};
		if (e >= 512 && e <= 516)
			return ew_buf_printf(out, "%lld %s (interrupted by a signal)",
			                     (long long)ret, restart[e - 512]);
		return ew_buf_printf(out, "%lld (errno %d)", (long long)ret, e);
	}
	if (d && d->ret == EW_RET_FD)
		return put_fd(out, (int)ret, c);
	if (d && d->ret == EW_RET_ADDR)
		return ew_buf_printf(out, "%#llx", (unsigned long long)ret);
	return ew_buf_printf(out, "%lld", (long long)ret);
}
