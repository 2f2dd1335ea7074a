/* SPDX-License-Identifier: MIT */
/*
 * render.c - text and JSON renderings of a report (contract: render.h).
 */
#define _GNU_SOURCE
#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "sink/out.h" /* ew_sink_signame() */

#define DEFAULT_MAX_ARGS    16
#define DEFAULT_MAX_ARG_LEN 256
/* Deeper levels are not indented further (a marker shows the depth instead). */
#define MAX_INDENT_DEPTH 32
/* Output is handed to the stream in pieces of about this size. */
#define CHUNK (64u * 1024u)

/* Output state: a buffer drained into the stream; the first error sticks. */
struct out {
	FILE *f;
	struct ew_buf b;
	int err;
	size_t max_args, max_arg_len;
};

static void o_check(struct out *o, int r)
{
	if (r < 0 && !o->err)
		o->err = r;
}

static void o_drain(struct out *o, bool force)
{
	if (o->err || (!force && o->b.len < CHUNK) || !o->b.len)
		return;
	if (fwrite(o->b.ptr, 1, o->b.len, o->f) != o->b.len)
		o->err = errno ? -errno : -EIO;
	ew_buf_clear(&o->b);
}

static void o_puts(struct out *o, const char *s)
{
	if (!o->err)
		o_check(o, ew_buf_puts(&o->b, s));
}

static void o_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void o_printf(struct out *o, const char *fmt, ...)
{
	if (o->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	o_check(o, ew_buf_vprintf(&o->b, fmt, ap));
	va_end(ap);
}

/* Ends the output: drains, flushes the stream, reports the first error. */
static int o_finish(struct out *o)
{
	o_drain(o, true);
	if (!o->err && (fflush(o->f) != 0 || ferror(o->f)))
		o->err = errno ? -errno : -EIO;
	ew_buf_free(&o->b);
	return o->err;
}

static void o_init(struct out *o, FILE *f, const struct ew_render_opts *opts)
{
	*o = (struct out){.f = f, .b = EW_BUF_INIT};
	o->max_args = opts && opts->max_args ? opts->max_args : DEFAULT_MAX_ARGS;
	o->max_arg_len = opts && opts->max_arg_len ? opts->max_arg_len : DEFAULT_MAX_ARG_LEN;
}

static void signame(int sig, char *buf, size_t size)
{
	if (!ew_sink_signame(sig, buf, size))
		snprintf(buf, size, "signal %d", sig);
}

/* ---------------------------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------------------------- */

/* "STRING" C-escaped and cut at max_arg_len ("..." after the quote when cut); "(unknown)" when
 * absent. */
static void t_str(struct out *o, struct ew_str s)
{
	if (o->err)
		return;
	if (!s.ptr) {
		o_puts(o, "(unknown)");
		return;
	}
	bool cut = false;
	o_puts(o, "\"");
	if (!o->err)
		o_check(o, ew_cescape(&o->b, s.ptr, s.len, o->max_arg_len, &cut));
	o_puts(o, cut ? "\"..." : "\"");
}

static void t_strv(struct out *o, const struct ew_report_strv *v)
{
	size_t shown = v->count < o->max_args ? v->count : o->max_args;
	o_puts(o, "[");
	for (size_t i = 0; i < shown; i++) {
		if (i)
			o_puts(o, ", ");
		t_str(o, v->v[i]);
	}
	if (shown < v->count)
		o_printf(o, "%s... (+%zu more)", shown ? ", " : "", v->count - shown);
	o_puts(o, "]");
}

static void t_time(struct out *o, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	char buf[64];
	if (!localtime_r(&sec, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
		o_printf(o, "%" PRId64 " ns", ns);
		return;
	}
	char zone[16] = "";
	strftime(zone, sizeof(zone), "%Z", &tm);
	o_printf(o, "%s.%03d %s", buf, (int)((ns / 1000000) % 1000), zone);
}

/* The exit of a process: "exit 3", "killed by SIGKILL (core dumped)", "no exit seen". */
static void t_exit(struct out *o, const struct ew_report_proc *p)
{
	char sig[32];
	if (!p->exited) {
		o_puts(o, "no exit seen");
	} else if (p->signaled) {
		signame(p->signal, sig, sizeof(sig));
		o_printf(o, "killed by %s%s", sig, p->core_dumped ? " (core dumped)" : "");
	} else {
		o_printf(o, "exit %d", p->code);
	}
}

static void t_proc(struct out *o, const struct ew_report_proc *p, size_t depth)
{
	size_t indent = depth < MAX_INDENT_DEPTH ? depth : MAX_INDENT_DEPTH;
	for (size_t i = 0; i < indent; i++)
		o_puts(o, "  ");
	if (depth > MAX_INDENT_DEPTH)
		o_printf(o, "[depth %zu] ", depth);
	o_printf(o, "%" PRId32 " ", p->pid);
	t_str(o, p->program);
	o_puts(o, " ");
	if (p->has_argv && !p->argv_bad)
		t_strv(o, &p->argv);
	else if (p->argv_bad)
		o_puts(o, "(argv unreadable)");
	else
		o_puts(o, "(inherited)");
	o_puts(o, ": ");
	if (p->execs_ok) {
		o_puts(o, "exec ok");
		if (p->execs_ok > 1)
			o_printf(o, " (%" PRIu32 " execs)", p->execs_ok);
		if (p->execs_failed)
			o_printf(o, " after %" PRIu32 " failed", p->execs_failed);
	} else if (p->execs_failed) {
		o_printf(o, "exec failed: %s", p->last_errno ? p->last_errno : "?");
		if (p->execs_failed > 1)
			o_printf(o, " (%" PRIu32 " attempts)", p->execs_failed);
	} else {
		o_puts(o, "no exec");
	}
	o_puts(o, ", ");
	t_exit(o, p);
	o_puts(o, "\n");
	o_drain(o, false);
}

/* The process that stands for the whole run: root_pid's first process, else the first root. */
static const struct ew_report_proc *root_proc(const struct ew_report *r)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->run.root_pid && r->procs[i].pid == r->run.root_pid)
			return &r->procs[i];
	return r->first_root != EW_REPORT_NONE ? &r->procs[r->first_root] : NULL;
}

static void t_header(struct out *o, const struct ew_report *r, const char *file)
{
	const struct ew_report_run *run = &r->run;
	o_puts(o, "execwatch report: ");
	o_check(o, file ? ew_cescape(&o->b, file, strlen(file), 0, NULL) : 0);
	o_printf(o, " (schema %d", run->schema_version);
	if (run->execwatch_version.ptr) {
		o_puts(o, ", written by execwatch ");
		o_check(o, ew_cescape(&o->b, run->execwatch_version.ptr, run->execwatch_version.len,
		                      64, NULL));
	}
	o_puts(o, ")\ncommand:  ");
	if (run->has_argv && !run->argv_bad)
		t_strv(o, &run->argv);
	else if (run->attach_pid)
		o_printf(o, "attached to pid %" PRId32, run->attach_pid);
	else
		o_puts(o, "(unknown)");
	o_puts(o, "\n");
	if (run->backend.ptr || run->hostname.ptr) {
		o_puts(o, "backend:  ");
		o_check(o, run->backend.ptr
		               ? ew_cescape(&o->b, run->backend.ptr, run->backend.len, 64, NULL)
		               : ew_buf_puts(&o->b, "?"));
		if (run->hostname.ptr) {
			o_puts(o, " on ");
			o_check(o,
			        ew_cescape(&o->b, run->hostname.ptr, run->hostname.len, 64, NULL));
		}
		if (run->kernel.ptr) {
			o_puts(o, " (Linux ");
			o_check(o, ew_cescape(&o->b, run->kernel.ptr, run->kernel.len, 64, NULL));
			o_puts(o, ")");
		}
		o_puts(o, "\n");
	}
	if (run->start_wall > 0) {
		o_puts(o, "started:  ");
		t_time(o, run->start_wall);
		if (run->end_wall >= run->start_wall && run->finished)
			o_printf(o, ", ran %.3f s",
			         (double)(run->end_wall - run->start_wall) / 1e9);
		o_puts(o, "\n");
	}
	o_puts(o, "status:   ");
	if (!run->finished) {
		o_puts(o, "unknown: the recording did not finish\n");
	} else {
		const struct ew_report_proc *root = root_proc(r);
		char sig[32];
		o_printf(o, "%d", run->status);
		if (root && root->exited && root->signaled) {
			signame(root->signal, sig, sizeof(sig));
			o_printf(o, " (killed by %s)", sig);
		}
		o_puts(o, "\n");
	}
	o_printf(o, "events:   %" PRId64 " recorded, %" PRId64 " lost\n", run->events, run->lost);
}

/* Visits the tree in pre-order without recursion; calls enter(p, depth) for each process and,
 * for JSON, leave(p) once all its children are done. */
struct walker {
	void (*enter)(struct out *o, const struct ew_report *r, size_t i, size_t depth);
	void (*leave)(struct out *o, const struct ew_report *r, size_t i);
};

static void walk(struct out *o, const struct ew_report *r, const struct walker *w)
{
	size_t cur = r->first_root, depth = 0;
	while (cur != EW_REPORT_NONE && !o->err) {
		w->enter(o, r, cur, depth);
		const struct ew_report_proc *p = &r->procs[cur];
		if (p->first_child != EW_REPORT_NONE) {
			cur = p->first_child;
			depth++;
			continue;
		}
		/* Leaf: climb until a sibling is left. */
		for (;;) {
			if (w->leave)
				w->leave(o, r, cur);
			size_t next = r->procs[cur].next_sibling;
			if (next != EW_REPORT_NONE) {
				cur = next;
				break;
			}
			cur = r->procs[cur].parent;
			if (cur == EW_REPORT_NONE)
				break;
			depth--;
		}
	}
}

static void t_enter(struct out *o, const struct ew_report *r, size_t i, size_t depth)
{
	t_proc(o, &r->procs[i], depth);
}

static void t_fail(struct out *o, const struct ew_report_fail *f)
{
	o_printf(o, "  %" PRId32, f->pid);
	if (f->tid && f->tid != f->pid)
		o_printf(o, "/%" PRId32, f->tid);
	o_puts(o, " ");
	if (f->syscall.ptr)
		o_check(o, ew_cescape(&o->b, f->syscall.ptr, f->syscall.len, 32, NULL));
	o_puts(o, " ");
	t_str(o, f->path);
	if (f->procname.ptr && (!f->path.ptr || f->procname.len != f->path.len ||
	                        memcmp(f->procname.ptr, f->path.ptr, f->path.len) != 0)) {
		o_puts(o, " (procname ");
		t_str(o, f->procname);
		o_puts(o, ")");
	}
	o_puts(o, ": ");
	if (f->errno_name.ptr)
		o_check(o, ew_cescape(&o->b, f->errno_name.ptr, f->errno_name.len, 32, NULL));
	else
		o_puts(o, "?");
	if (f->errno_text.ptr) {
		o_puts(o, " (");
		o_check(o, ew_cescape(&o->b, f->errno_text.ptr, f->errno_text.len, 128, NULL));
		o_puts(o, ")");
	}
	o_printf(o, ", retval %" PRId64 "\n", f->retval);
	o_drain(o, false);
}

int ew_render_text(FILE *f, const struct ew_report *r, const struct ew_render_opts *opts)
{
	struct out o;
	o_init(&o, f, opts);
	t_header(&o, r, opts ? opts->file : NULL);
	o_printf(&o, "\nProcesses (%zu):\n", r->nprocs);
	if (!r->nprocs)
		o_puts(&o, "  none recorded\n");
	static const struct walker tw = {t_enter, NULL};
	walk(&o, r, &tw);
	o_printf(&o, "\nFailed execs (%zu):\n", r->nfails);
	if (!r->nfails)
		o_puts(&o, "  none\n");
	for (size_t i = 0; i < r->nfails && !o.err; i++)
		t_fail(&o, &r->fails[i]);
	return o_finish(&o);
}

/* ---------------------------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------------------------- */

static void j_key(struct out *o, const char *key, bool first)
{
	o_printf(o, "%s\"%s\":", first ? "" : ",", key);
}

static void j_str(struct out *o, const char *key, struct ew_str s)
{
	j_key(o, key, false);
	if (!o->err)
		o_check(o, ew_json_estr(&o->b, s));
}

static void j_cstr(struct out *o, const char *key, const char *s)
{
	j_str(o, key, ew_str_c(s));
}

static void j_int(struct out *o, const char *key, int64_t v)
{
	j_key(o, key, false);
	o_printf(o, "%" PRId64, v);
}

static void j_int_or_null(struct out *o, const char *key, bool known, int64_t v)
{
	if (known) {
		j_int(o, key, v);
	} else {
		j_key(o, key, false);
		o_puts(o, "null");
	}
}

static void j_bool(struct out *o, const char *key, bool v)
{
	j_key(o, key, false);
	o_puts(o, v ? "true" : "false");
}

/* A string array, or null when absent or unreadable. */
static void j_strv_value(struct out *o, bool present, const struct ew_report_strv *v)
{
	if (!present) {
		o_puts(o, "null");
		return;
	}
	o_puts(o, "[");
	for (size_t i = 0; i < v->count && !o->err; i++) {
		if (i)
			o_puts(o, ",");
		o_check(o, ew_json_str(&o->b, v->v[i].ptr, v->v[i].len));
		o_drain(o, false);
	}
	o_puts(o, "]");
}

static void j_strv(struct out *o, const char *key, bool present, const struct ew_report_strv *v)
{
	j_key(o, key, false);
	j_strv_value(o, present, v);
}

static void j_enter(struct out *o, const struct ew_report *r, size_t i, size_t depth)
{
	(void)depth;
	const struct ew_report_proc *p = &r->procs[i];
	size_t first =
	    p->parent == EW_REPORT_NONE ? r->first_root : r->procs[p->parent].first_child;
	o_puts(o, first == i ? "{" : ",{");
	j_key(o, "pid", true);
	o_printf(o, "%" PRId32, p->pid);
	j_int_or_null(o, "ppid", p->ppid > 0, p->ppid);
	j_int(o, "seq", (int64_t)p->seq);
	j_str(o, "program", p->program);
	j_bool(o, "program_inherited", p->program_inherited);
	j_strv(o, "argv", p->has_argv && !p->argv_bad, &p->argv);
	j_int(o, "execs", p->execs_ok);
	j_int(o, "failed_execs", p->execs_failed);
	j_cstr(o, "result", p->execs_ok ? "ok" : p->execs_failed ? "failed" : "none");
	j_cstr(o, "errno", !p->execs_ok ? p->last_errno : NULL);
	j_key(o, "exit", false);
	if (!p->exited) {
		o_puts(o, "null");
	} else {
		char sig[32];
		o_puts(o, "{");
		j_key(o, "status", true);
		o_printf(o, "%" PRId32, p->status);
		j_int_or_null(o, "code", !p->signaled, p->code);
		if (p->signaled) {
			signame(p->signal, sig, sizeof(sig));
			j_cstr(o, "signal", sig);
		} else {
			j_cstr(o, "signal", NULL);
		}
		j_bool(o, "core_dumped", p->core_dumped);
		o_puts(o, "}");
	}
	j_key(o, "children", false);
	o_puts(o, "[");
	o_drain(o, false);
}

static void j_leave(struct out *o, const struct ew_report *r, size_t i)
{
	(void)r;
	(void)i;
	o_puts(o, "]}");
}

static void j_fail(struct out *o, const struct ew_report_fail *f, bool first)
{
	o_puts(o, first ? "{" : ",{");
	j_key(o, "seq", true);
	o_printf(o, "%" PRIu64, f->seq);
	j_int(o, "pid", f->pid);
	j_int(o, "tid", f->tid);
	j_str(o, "syscall", f->syscall);
	j_str(o, "path", f->path);
	j_str(o, "procname", f->procname);
	j_str(o, "errno", f->errno_name);
	j_str(o, "errno_text", f->errno_text);
	j_int(o, "retval", f->retval);
	o_puts(o, "}");
	o_drain(o, false);
}

int ew_render_json(FILE *f, const struct ew_report *r, const struct ew_render_opts *opts)
{
	struct out o;
	o_init(&o, f, opts);
	const struct ew_report_run *run = &r->run;
	o_puts(&o, "{");
	j_key(&o, "file", true);
	if (!o.err)
		o_check(&o, ew_json_estr(&o.b, ew_str_c(opts ? opts->file : NULL)));
	j_int(&o, "schema_version", run->schema_version);
	j_str(&o, "execwatch_version", run->execwatch_version);
	j_key(&o, "run", false);
	o_puts(&o, "{");
	j_key(&o, "command", true);
	j_strv_value(&o, run->has_argv && !run->argv_bad, &run->argv);
	j_int_or_null(&o, "attach_pid", run->attach_pid > 0, run->attach_pid);
	j_int_or_null(&o, "root_pid", run->root_pid > 0, run->root_pid);
	j_str(&o, "backend", run->backend);
	j_str(&o, "hostname", run->hostname);
	j_str(&o, "kernel", run->kernel);
	j_int_or_null(&o, "start_wall", run->start_wall > 0, run->start_wall);
	j_int_or_null(&o, "end_wall", run->end_wall > 0, run->end_wall);
	j_bool(&o, "finished", run->finished);
	j_int_or_null(&o, "exit_status", run->finished, run->status);
	j_int(&o, "events", run->events);
	j_int(&o, "lost", run->lost);
	o_puts(&o, "}");
	j_key(&o, "processes", false);
	o_puts(&o, "[");
	static const struct walker jw = {j_enter, j_leave};
	walk(&o, r, &jw);
	o_puts(&o, "]");
	j_key(&o, "failed_execs", false);
	o_puts(&o, "[");
	for (size_t i = 0; i < r->nfails && !o.err; i++)
		j_fail(&o, &r->fails[i], i == 0);
	o_puts(&o, "]}\n");
	return o_finish(&o);
}
