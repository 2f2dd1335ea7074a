/* SPDX-License-Identifier: MIT */
/*
 * jsonl.c - the JSON Lines sink (docs/JSON.md is its contract).
 */
#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <linux/audit.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "out.h"

/* ---------------------------------------------------------------------------------------------
 * JSON object writer: keys are literals; the first error sticks and makes the line be dropped.
 * ------------------------------------------------------------------------------------------- */

struct jw {
	struct ew_buf *b;
	int err;
};

static void jw_check(struct jw *w, int r)
{
	if (r < 0 && !w->err)
		w->err = r;
}

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!w->err)
		jw_check(w, ew_buf_append(w->b, s, n));
}

#define JW_LIT(w, lit) jw_raw((w), (lit), sizeof(lit) - 1)

/* Appends `"key":`, preceded by a comma unless it opens the object. */
static void jw_key(struct jw *w, const char *key)
{
	if (w->err)
		return;
	struct ew_buf *b = w->b;
	if (b->len && b->ptr[b->len - 1] != '{' && b->ptr[b->len - 1] != '[')
		jw_raw(w, ",", 1);
	jw_raw(w, "\"", 1);
	jw_raw(w, key, strlen(key));
	jw_raw(w, "\":", 2);
}

static void jw_u64v(struct jw *w, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *p = e;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_raw(w, p, (size_t)(e - p));
}

static void jw_i64v(struct jw *w, int64_t v)
{
	if (v < 0) {
		jw_raw(w, "-", 1);
		jw_u64v(w, (uint64_t)0 - (uint64_t)v);
	} else {
		jw_u64v(w, (uint64_t)v);
	}
}

static void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	JW_LIT(w, "null");
}

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64v(w, v);
}

static void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_i64v(w, v);
}

/* An integer, or null when the condition says the value is unknown. */
static void jw_i64_if(struct jw *w, const char *key, bool known, int64_t v)
{
	if (known)
		jw_i64(w, key, v);
	else
		jw_null(w, key);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	if (v)
		JW_LIT(w, "true");
	else
		JW_LIT(w, "false");
}

/* A C string (library-made: names) or null. */
static void jw_cstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (!w->err)
		jw_check(w, s ? ew_json_str(w->b, s, strlen(s)) : ew_buf_puts(w->b, "null"));
}

/* Bytes from the traced world, or null when absent. */
static void jw_estr(struct jw *w, const char *key, struct ew_str s)
{
	jw_key(w, key);
	if (!w->err)
		jw_check(w, ew_json_estr(w->b, s));
}

static void jw_strv(struct jw *w, const char *key, const struct ew_strv *v)
{
	char k[40];
	jw_key(w, key);
	if (!w->err)
		jw_check(w, ew_json_strv(w->b, v));
	snprintf(k, sizeof(k), "%s_bytes", key);
	jw_u64(w, k, v->bytes);
	snprintf(k, sizeof(k), "%s_null", key);
	jw_bool(w, k, v->flags & EW_STRV_NULL);
	snprintf(k, sizeof(k), "%s_fault", key);
	jw_bool(w, k, v->flags & EW_STRV_FAULT);
	snprintf(k, sizeof(k), "%s_truncated", key);
	jw_bool(w, k, v->flags & EW_STRV_TRUNCATED);
}

static const char *file_type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "chardev";
	case S_IFBLK: return "blockdev";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static void jw_file_info(struct jw *w, const char *key, const struct ew_file_info *fi)
{
	jw_key(w, key);
	if (!fi->valid) {
		JW_LIT(w, "null");
		return;
	}
	char perm[8];
	snprintf(perm, sizeof(perm), "%04o", (unsigned)(fi->mode & 07777));
	JW_LIT(w, "{");
	jw_u64(w, "dev", fi->dev);
	jw_u64(w, "ino", fi->ino);
	jw_u64(w, "mode", fi->mode);
	jw_cstr(w, "type", file_type_name(fi->mode));
	jw_cstr(w, "perm", perm);
	jw_u64(w, "uid", fi->uid);
	jw_u64(w, "gid", fi->gid);
	jw_i64(w, "size", fi->size);
	jw_i64(w, "ctime", fi->ctime_ns);
	jw_i64(w, "mtime", fi->mtime_ns);
	JW_LIT(w, "}");
}

static void jw_arch(struct jw *w, const char *key, uint32_t arch)
{
	const char *name = NULL;
	char hex[16];
	switch (arch) {
	case 0: jw_null(w, key); return;
	case AUDIT_ARCH_X86_64: name = "x86_64"; break;
	case AUDIT_ARCH_I386: name = "i386"; break;
	case AUDIT_ARCH_AARCH64: name = "aarch64"; break;
	case AUDIT_ARCH_ARM: name = "arm"; break;
	default:
		snprintf(hex, sizeof(hex), "0x%08x", arch);
		name = hex;
		break;
	}
	jw_cstr(w, key, name);
}

/* errno name of a call: NULL unless it failed; the event's name, else derived from retval. */
static const char *errno_name_of(int64_t retval, const char *given)
{
	if (retval >= 0)
		return NULL;
	if (given)
		return given;
	return retval >= -4095 ? ew_errno_name((int)-retval) : NULL;
}

static void jw_time_iso(struct jw *w, const char *key, uint64_t wall_ns)
{
	time_t sec = (time_t)(wall_ns / 1000000000u);
	struct tm tm;
	char out[48];
	if (!gmtime_r(&sec, &tm)) {
		jw_null(w, key);
		return;
	}
	snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(wall_ns % 1000000000u));
	jw_cstr(w, key, out);
}

static void render_exec(struct jw *w, const struct ew_exec *x)
{
	bool at = x->flags & EW_EXEC_AT;
	jw_cstr(w, "syscall", x->syscall);
	jw_i64(w, "syscall_nr", x->nr);
	jw_arch(w, "arch", x->arch);
	jw_estr(w, "path", x->path);
	jw_i64_if(w, "dirfd", at, x->dirfd);
	jw_i64_if(w, "at_flags", at, x->at_flags);
	jw_estr(w, "procname", x->procname);
	jw_strv(w, "argv", &x->argv);
	jw_strv(w, "env", &x->env);
	jw_estr(w, "cwd", x->cwd);
	jw_i64(w, "retval", x->retval);
	const char *en = errno_name_of(x->retval, x->errno_name);
	jw_cstr(w, "errno", en);
	const char *et = x->errno_text;
	if (!et && x->retval < 0 && x->retval >= -4095)
		et = ew_errno_text((int)-x->retval);
	jw_cstr(w, "errno_text", x->retval < 0 ? et : NULL);
	jw_bool(w, "fileless", x->flags & EW_EXEC_FILELESS);
	jw_bool(w, "script", x->flags & EW_EXEC_SCRIPT);
	jw_bool(w, "elf", x->flags & EW_EXEC_ELF);
	jw_bool(w, "kernel_invoked", x->flags & EW_EXEC_KERNEL);
	jw_bool(w, "nonleader", x->flags & EW_EXEC_NONLEADER);
	jw_bool(w, "path_fault", x->flags & EW_EXEC_PATH_FAULT);
	jw_bool(w, "path_truncated", x->flags & EW_EXEC_PATH_TRUNCATED);
	jw_file_info(w, "binary", &x->binary);
	jw_estr(w, "interpreter", x->interp);
	jw_estr(w, "interpreter_arg", x->interp_arg);
	jw_file_info(w, "interpreter_binary", &x->interp_info);
	jw_key(w, "stdin");
	if (x->stdin_mode == 0) {
		JW_LIT(w, "null");
	} else {
		JW_LIT(w, "{");
		jw_u64(w, "mode", x->stdin_mode);
		jw_cstr(w, "type", file_type_name(x->stdin_mode));
		jw_estr(w, "path", x->stdin_path);
		JW_LIT(w, "}");
	}
	jw_i64_if(w, "old_tid", x->old_tid != 0, x->old_tid);
	jw_estr(w, "new_exe", x->new_exe);
}

static void render_fork(struct jw *w, const struct ew_fork *f)
{
	jw_cstr(w, "syscall", f->syscall);
	jw_i64(w, "child_pid", f->child_pid);
	jw_i64(w, "child_tid", f->child_tid);
	jw_cstr(w, "kind", f->kind == EW_FORK_THREAD ? "thread" : "process");
	jw_u64(w, "clone_flags", f->clone_flags);
}

static void render_exit(struct jw *w, const struct ew_exit *x)
{
	char sigbuf[24];
	const char *sig = x->signaled ? ew_sink_signame(x->signal, sigbuf, sizeof(sigbuf)) : NULL;
	jw_i64_if(w, "code", !x->signaled, x->code);
	jw_cstr(w, "signal", sig);
	jw_i64_if(w, "signal_number", x->signaled, x->signal);
	jw_bool(w, "core_dumped", x->core_dumped);
	jw_i64(w, "status", x->status);
	jw_bool(w, "thread", x->thread);
}

static void render_syscall(struct jw *w, const struct ew_syscall *c)
{
	uint32_t n = c->nargs < EW_SYSCALL_ARGS ? c->nargs : EW_SYSCALL_ARGS;
	jw_cstr(w, "syscall", c->name);
	jw_i64(w, "syscall_nr", c->nr);
	jw_arch(w, "arch", c->arch);
	jw_u64(w, "time_enter", c->time_enter_ns);
	jw_i64_if(w, "time_exit", c->time_exit_ns != 0, (int64_t)c->time_exit_ns);
	jw_bool(w, "returned", c->returned);
	jw_key(w, "args");
	JW_LIT(w, "[");
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			JW_LIT(w, ",");
		jw_u64v(w, c->args[i]);
	}
	JW_LIT(w, "]");
	jw_key(w, "args_repr");
	JW_LIT(w, "[");
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			JW_LIT(w, ",");
		if (!w->err)
			jw_check(w, ew_json_estr(w->b, c->arg_repr[i]));
	}
	JW_LIT(w, "]");
	jw_i64_if(w, "retval", c->returned, c->retval);
	jw_estr(w, "ret_repr", c->ret_repr);
	jw_cstr(w, "errno", c->returned ? errno_name_of(c->retval, c->errno_name) : NULL);
}

static void render_file(struct jw *w, const struct ew_file *f)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} hows[] = {
		{EW_FILE_READ, "read"},		  {EW_FILE_WRITE, "write"},
		{EW_FILE_CREATE, "create"},	  {EW_FILE_DIRECTORY, "directory"},
		{EW_FILE_EXEC, "exec"},		  {EW_FILE_FAILED, "failed"},
		{EW_FILE_STAT, "stat"},
	};
	jw_cstr(w, "syscall", f->syscall);
	jw_estr(w, "path", f->path);
	bool first = true;
	jw_key(w, "how");
	JW_LIT(w, "[");
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		if (!(f->how & hows[i].bit))
			continue;
		if (!first)
			JW_LIT(w, ",");
		first = false;
		if (!w->err)
			jw_check(w, ew_json_str(w->b, hows[i].name, strlen(hows[i].name)));
	}
	JW_LIT(w, "]");
	jw_i64(w, "open_flags", f->open_flags);
	jw_i64(w, "retval", f->retval);
	jw_cstr(w, "errno", errno_name_of(f->retval, f->errno_name));
	jw_estr(w, "program", f->program);
	jw_estr(w, "arg_path", f->arg_path);
	jw_i64(w, "dirfd", f->dirfd);
	jw_estr(w, "caller", f->caller);
}

static void render_library(struct jw *w, const struct ew_library *l)
{
	jw_estr(w, "path", l->path);
	jw_file_info(w, "file", &l->info);
	jw_estr(w, "program", l->program);
	jw_bool(w, "at_exec", l->at_exec);
	jw_cstr(w, "kind", ew_lib_kind_name(l->kind));
	jw_estr(w, "soname", l->soname);
}

static void render_policy(struct jw *w, const struct ew_policy *p)
{
	jw_cstr(w, "action", ew_action_name(p->action));
	jw_cstr(w, "check", p->check);
	jw_estr(w, "path", p->path);
	jw_estr(w, "rule", p->rule);
	jw_estr(w, "reason", p->reason);
	jw_estr(w, "tip", p->tip);
}

static void render_lost(struct jw *w, const struct ew_lost *l)
{
	jw_u64(w, "count", l->count);
	jw_cstr(w, "where", l->where);
}

/* Renders one event as a JSON object and a newline. Returns 0 or -ENOMEM. */
static int render_event(struct ew_buf *b, const struct ew_event *ev)
{
	struct jw w = {b, 0};
	JW_LIT(&w, "{");
	jw_cstr(&w, "event", ew_event_type_name(ev->type));
	jw_u64(&w, "seq", ev->seq);
	jw_u64(&w, "time", ev->time_wall_ns);
	jw_time_iso(&w, "time_iso", ev->time_wall_ns);
	jw_u64(&w, "time_mono", ev->time_mono_ns);
	jw_i64(&w, "pid", ev->pid);
	jw_i64(&w, "tid", ev->tid);
	jw_i64_if(&w, "ppid", ev->ppid != 0, ev->ppid);
	jw_estr(&w, "comm", ev->comm);
	jw_estr(&w, "exe", ev->exe);
	jw_cstr(&w, "backend", ev->backend);
	switch (ev->type) {
	case EW_EV_EXEC: render_exec(&w, &ev->exec); break;
	case EW_EV_FORK: render_fork(&w, &ev->fork); break;
	case EW_EV_EXIT: render_exit(&w, &ev->exit); break;
	case EW_EV_SYSCALL: render_syscall(&w, &ev->syscall); break;
	case EW_EV_FILE: render_file(&w, &ev->file); break;
	case EW_EV_LIBRARY: render_library(&w, &ev->library); break;
	case EW_EV_POLICY: render_policy(&w, &ev->policy); break;
	case EW_EV_LOST: render_lost(&w, &ev->lost); break;
	case EW_EV__COUNT: break;
	}
	JW_LIT(&w, "}\n");
	return w.err;
}

/* ---------------------------------------------------------------------------------------------
 * The sink
 * ------------------------------------------------------------------------------------------- */

static int jsonl_render(struct ew_line_sink *ls, const struct ew_event *ev)
{
	return render_event(&ls->line, ev);
}

static const struct ew_sink_ops jsonl_ops = {
	.name = "JSON output",
	.event = ew_line_sink_event,
	.flush = ew_line_sink_flush,
	.end = ew_line_sink_end,
	.destroy = ew_line_sink_destroy,
};

int ew_sink_jsonl_new(int fd, bool close_fd, struct ew_sink **out)
{
	struct ew_line_sink *ls;
	int r = ew_line_sink_new(sizeof(*ls), fd, close_fd, &jsonl_ops, jsonl_render, &ls);
	if (r < 0)
		return r;
	*out = &ls->base;
	return 0;
}

EW_EXPORT int ew_session_add_jsonl(struct ew_session *s, int fd, bool close_fd)
{
	struct ew_sink *sink;
	int r = ew_sink_jsonl_new(fd, close_fd, &sink);
	if (r < 0)
		return r;
	return ew_session_add_sink(s, sink);
}
