/* SPDX-License-Identifier: MIT */
/*
 * text.c - the live text sink (format described in text.h).
 */
#define _GNU_SOURCE
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "out.h"

#define TEXT_STR_LIMIT 256u /* bytes shown of one string */
#define TEXT_ARGV_SHOW 32u  /* argv elements shown before "... (+N more)" */

struct text_sink {
	struct ew_line_sink ls; /* first: the shared line-sink plumbing */
	int err;               /* first error while rendering the current line */
	int64_t cached_sec;    /* local "HH:MM:SS" of this second, computed once per second */
	char cached_hms[16];
};

static void put(struct text_sink *t, const char *s, size_t n)
{
	if (!t->err) {
		int r = ew_buf_append(&t->ls.line, s, n);
		if (r < 0)
			t->err = r;
	}
}

static void puts_(struct text_sink *t, const char *s)
{
	put(t, s, strlen(s));
}

static void putf(struct text_sink *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct text_sink *t, const char *fmt, ...)
{
	if (t->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = ew_buf_vprintf(&t->ls.line, fmt, ap);
	va_end(ap);
	if (r < 0)
		t->err = r;
}

/* A quoted, C-escaped string cut at TEXT_STR_LIMIT ("..." after the quote when cut). */
static void put_qstr(struct text_sink *t, const char *s, size_t len)
{
	bool cut = false;
	put(t, "\"", 1);
	if (!t->err) {
		int r = ew_cescape(&t->ls.line, s, len, TEXT_STR_LIMIT, &cut);
		if (r < 0)
			t->err = r;
	}
	put(t, "\"", 1);
	if (cut)
		put(t, "...", 3);
}

/* absent: what to show for a NULL string. */
static void put_estr(struct text_sink *t, struct ew_str s, const char *absent)
{
	if (s.ptr)
		put_qstr(t, s.ptr, s.len);
	else
		puts_(t, absent);
}

/*
 * Already-rendered text (syscall argument and return representations, which contain their own
 * quotes): copied as is, except bytes that could disturb a terminal or are not UTF-8 (\xXX).
 */
static void put_safe(struct text_sink *t, struct ew_str s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0;
	while (i < s.len && !t->err) {
		size_t n = p[i] >= 0x20 && p[i] != 0x7f ? ew_utf8_seq(p + i, s.len - i) : 0;
		if (n) {
			put(t, (const char *)p + i, n);
			i += n;
		} else {
			char esc[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};
			put(t, esc, 4);
			i++;
		}
	}
}

static void put_prefix(struct text_sink *t, const struct ew_event *ev)
{
	int64_t sec = (int64_t)(ev->time_wall_ns / 1000000000u);
	unsigned usec = (unsigned)(ev->time_wall_ns % 1000000000u / 1000u);
	if (sec != t->cached_sec || !t->cached_hms[0]) {
		time_t tt = (time_t)sec;
		struct tm tm;
		if (localtime_r(&tt, &tm))
			snprintf(t->cached_hms, sizeof(t->cached_hms), "%02d:%02d:%02d", tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
		else
			snprintf(t->cached_hms, sizeof(t->cached_hms), "??:??:??");
		t->cached_sec = sec;
	}
	putf(t, "%s.%06u ", t->cached_hms, usec);
	if (ev->tid > 0 && ev->tid != ev->pid)
		putf(t, "[%d/%d] ", ev->pid, ev->tid);
	else if (ev->pid > 0)
		putf(t, "[%d] ", ev->pid);
}

/* " = 0" or " = -2 ENOENT (No such file or directory)". */
static void put_retval(struct text_sink *t, int64_t ret, const char *name, const char *text)
{
	putf(t, " = %lld", (long long)ret);
	if (ret >= 0 || ret < -4095)
		return;
	if (!name)
		name = ew_errno_name((int)-ret);
	if (!text)
		text = ew_errno_text((int)-ret);
	if (name)
		putf(t, " %s", name);
	putf(t, " (%s)", text);
}

static void put_argv(struct text_sink *t, const struct ew_strv *v)
{
	if ((v->flags & EW_STRV_NULL) && v->count == 0) {
		puts_(t, "NULL");
		return;
	}
	puts_(t, "[");
	size_t shown = v->count < TEXT_ARGV_SHOW ? v->count : TEXT_ARGV_SHOW;
	for (size_t i = 0; i < shown; i++) {
		if (i)
			puts_(t, ", ");
		put_qstr(t, v->v[i].ptr ? v->v[i].ptr : "", v->v[i].len);
	}
	const char *sep = shown ? ", " : "";
	if (v->count > shown) {
		putf(t, "%s... (+%zu more)", sep, v->count - shown);
		sep = ", ";
	}
	if (v->flags & EW_STRV_FAULT)
		putf(t, "%s... (unreadable)", sep);
	else if (v->flags & EW_STRV_TRUNCATED)
		putf(t, "%s... (truncated by execwatch)", sep);
	puts_(t, "]");
}

static void put_env(struct text_sink *t, const struct ew_strv *v)
{
	if ((v->flags & EW_STRV_NULL) && v->count == 0) {
		puts_(t, "NULL");
		return;
	}
	bool partial = v->flags & (EW_STRV_FAULT | EW_STRV_TRUNCATED);
	putf(t, "%zu%s var%s", v->count, partial ? "+" : "", v->count == 1 && !partial ? "" : "s");
}

static void put_at_flags(struct text_sink *t, uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{AT_EMPTY_PATH, "AT_EMPTY_PATH"},
		{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
	};
	if (!flags) {
		puts_(t, "0");
		return;
	}
	const char *sep = "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			putf(t, "%s%s", sep, names[i].name);
			sep = "|";
			flags &= ~names[i].bit;
		}
	}
	if (flags)
		putf(t, "%s%#x", sep, flags);
}

static bool str_eq(struct ew_str a, struct ew_str b)
{
	return a.ptr && b.ptr && a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static void render_exec(struct text_sink *t, const struct ew_exec *x)
{
	bool at = x->flags & EW_EXEC_AT;
	putf(t, "%s(", x->syscall ? x->syscall : at ? "execveat" : "execve");
	if (at) {
		if (x->dirfd == AT_FDCWD)
			puts_(t, "AT_FDCWD, ");
		else
			putf(t, "%d, ", x->dirfd);
	}
	put_estr(t, x->path, "<unreadable>");
	if (x->flags & EW_EXEC_PATH_TRUNCATED)
		puts_(t, "...");
	/* The cwd-resolved program, when the path alone does not say it. */
	if (x->procname.ptr && !str_eq(x->path, x->procname)) {
		puts_(t, " <");
		if (!t->err) {
			bool cut = false;
			int r = ew_cescape(&t->ls.line, x->procname.ptr, x->procname.len, 0, &cut);
			if (r < 0)
				t->err = r;
		}
		puts_(t, ">");
	}
	puts_(t, ", ");
	put_argv(t, &x->argv);
	puts_(t, ", ");
	put_env(t, &x->env);
	if (at) {
		puts_(t, ", ");
		put_at_flags(t, x->at_flags);
	}
	puts_(t, ")");
	put_retval(t, x->retval, x->errno_name, x->errno_text);
	if (x->flags & EW_EXEC_FILELESS)
		puts_(t, " (fileless)");
	if ((x->flags & EW_EXEC_NONLEADER) && x->old_tid)
		putf(t, " (by thread %d)", x->old_tid);
}

static void render_fork(struct text_sink *t, const struct ew_fork *f)
{
	bool thread = f->kind == EW_FORK_THREAD;
	putf(t, "%s -> %d (%s)", f->syscall ? f->syscall : "fork",
	     thread ? f->child_tid : f->child_pid, thread ? "thread" : "process");
}

static void render_exit(struct text_sink *t, const struct ew_exit *x)
{
	if (x->thread)
		puts_(t, "thread ");
	if (!x->signaled) {
		putf(t, "exit %d", x->code);
		return;
	}
	char buf[24];
	const char *name = ew_sink_signame(x->signal, buf, sizeof(buf));
	if (name)
		putf(t, "killed by %s", name);
	else
		putf(t, "killed by signal %d", x->signal);
	if (x->core_dumped)
		puts_(t, " (core dumped)");
}

static void render_syscall(struct text_sink *t, const struct ew_syscall *c)
{
	uint32_t n = c->nargs < EW_SYSCALL_ARGS ? c->nargs : EW_SYSCALL_ARGS;
	putf(t, "%s(", c->name ? c->name : "?");
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			puts_(t, ", ");
		if (c->arg_repr[i].ptr)
			put_safe(t, c->arg_repr[i]);
		else
			putf(t, "%#llx", (unsigned long long)c->args[i]);
	}
	puts_(t, ")");
	if (!c->returned) {
		puts_(t, " = ?");
	} else if (c->ret_repr.ptr) {
		puts_(t, " = ");
		put_safe(t, c->ret_repr);
	} else {
		put_retval(t, c->retval, c->errno_name, NULL);
	}
}

static void render_file(struct text_sink *t, const struct ew_file *f)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} hows[] = {
		{EW_FILE_READ, "read"},		  {EW_FILE_WRITE, "write"},
		{EW_FILE_CREATE, "create"},	  {EW_FILE_DIRECTORY, "directory"},
		{EW_FILE_EXEC, "exec"},		  {EW_FILE_STAT, "stat"},
	};
	puts_(t, "file ");
	if (f->syscall)
		putf(t, "%s ", f->syscall);
	put_estr(t, f->path, "?");
	const char *sep = " (";
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		if (f->how & hows[i].bit) {
			putf(t, "%s%s", sep, hows[i].name);
			sep = ",";
		}
	}
	if (sep[0] == ',')
		puts_(t, ")");
	put_retval(t, f->retval, f->errno_name, NULL);
}

static void render_library(struct text_sink *t, const struct ew_library *l)
{
	const char *kind = ew_lib_kind_name(l->kind);
	puts_(t, "library ");
	put_estr(t, l->path, "?");
	putf(t, " (%s%s)", kind ? kind : "?", l->at_exec ? ", at exec" : "");
}

static void render_policy(struct text_sink *t, const struct ew_policy *p)
{
	const char *act = ew_action_name(p->action);
	putf(t, "policy %s ", act ? act : "?");
	put_estr(t, p->path, "?");
	if (p->check || p->rule.ptr) {
		puts_(t, " (");
		if (p->check)
			puts_(t, p->check);
		if (p->rule.ptr) {
			puts_(t, p->check ? ", rule " : "rule ");
			put_safe(t, p->rule);
		}
		puts_(t, ")");
	}
	if (p->reason.ptr) {
		puts_(t, ": ");
		put_safe(t, p->reason);
	}
	if (p->tip.ptr) {
		puts_(t, "; tip: ");
		put_safe(t, p->tip);
	}
}

static void render_lost(struct text_sink *t, const struct ew_lost *l)
{
	putf(t, "lost %llu event%s", (unsigned long long)l->count, l->count == 1 ? "" : "s");
	if (l->where)
		putf(t, " (%s)", l->where);
}

static int text_render(struct ew_line_sink *ls, const struct ew_event *ev)
{
	struct text_sink *t = (struct text_sink *)ls;
	t->err = 0;
	/* An execve/execveat syscall is already one exec line (with more detail): no twin. */
	if (ev->type == EW_EV_SYSCALL && ev->syscall.name &&
	    (!strcmp(ev->syscall.name, "execve") || !strcmp(ev->syscall.name, "execveat")))
		return 0;
	put_prefix(t, ev);
	switch (ev->type) {
	case EW_EV_EXEC: render_exec(t, &ev->exec); break;
	case EW_EV_FORK: render_fork(t, &ev->fork); break;
	case EW_EV_EXIT: render_exit(t, &ev->exit); break;
	case EW_EV_SYSCALL: render_syscall(t, &ev->syscall); break;
	case EW_EV_FILE: render_file(t, &ev->file); break;
	case EW_EV_LIBRARY: render_library(t, &ev->library); break;
	case EW_EV_POLICY: render_policy(t, &ev->policy); break;
	case EW_EV_LOST: render_lost(t, &ev->lost); break;
	case EW_EV__COUNT: break;
	}
	put(t, "\n", 1);
	return t->err;
}

static const struct ew_sink_ops text_ops = {
	.name = "text output",
	.event = ew_line_sink_event,
	.flush = ew_line_sink_flush,
	.end = ew_line_sink_end,
	.destroy = ew_line_sink_destroy,
};

int ew_sink_text_new(int fd, bool close_fd, struct ew_sink **out)
{
	struct ew_line_sink *ls;
	int r = ew_line_sink_new(sizeof(struct text_sink), fd, close_fd, &text_ops, text_render, &ls);
	if (r < 0)
		return r;
	/* Live output is read as it happens (`tail -f` on a file too): one write per line. */
	ls->out.line_buffered = true;
	*out = &ls->base;
	return 0;
}

EW_EXPORT int ew_session_add_text(struct ew_session *s, int fd, bool close_fd)
{
	struct ew_sink *sink;
	int r = ew_sink_text_new(fd, close_fd, &sink);
	if (r < 0)
		return r;
	return ew_session_add_sink(s, sink);
}
