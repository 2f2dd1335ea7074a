/* SPDX-License-Identifier: MIT */
/*
 * exec_counter.c - an example execwatch plugin: counts execs, and failed execs per errno.
 *
 * Build (only the public header is needed):
 *     gcc -shared -fPIC -fvisibility=hidden -I include -o exec_counter.so exec_counter.c
 * Use:
 *     execwatch record --plugin ./exec_counter.so:summary.txt -- make
 * When the session ends it writes one line to ARG (a file, created or truncated), or to stderr
 * without ARG:
 *     exec_counter: 12 execs, 3 failed (ENOENT 2, EACCES 1)
 * Failures are listed by count, most frequent first.
 *
 * The plugin may be loaded more than once (even the same file: the dynamic loader then shares
 * its globals), so its state lives in an instance per ew_plugin_init() call, not in globals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execwatch.h"

EW_EXPORT int ew_plugin_abi = EW_ABI_VERSION;

struct failure {
	char name[32]; /* "ENOENT", or "errno 1234" for a number without a name */
	unsigned long count;
};

struct counter {
	struct counter *next;
	struct ew_session *session;
	FILE *out;     /* the summary's destination (owned unless it is stderr) */
	unsigned long execs, failed;
	struct failure *fails;
	size_t nfails, cap;
	bool oom;      /* a failure could not be recorded by name: say so in the summary */
};

/* Instances in load order; ew_plugin_fini() finishes the oldest one of its session. */
static struct counter *instances;

static void count_failure(struct counter *c, const struct ew_event *ev)
{
	char name[32];
	const char *en = ev->exec.errno_name;
	if (!en)
		en = ew_errno_name((int)-ev->exec.retval);
	if (en)
		snprintf(name, sizeof(name), "%s", en);
	else
		snprintf(name, sizeof(name), "errno %lld", (long long)-ev->exec.retval);
	for (size_t i = 0; i < c->nfails; i++) {
		if (!strcmp(c->fails[i].name, name)) {
			c->fails[i].count++;
			return;
		}
	}
	if (c->nfails == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct failure *n = realloc(c->fails, cap * sizeof(*n));
		if (!n) {
			c->oom = true;
			return;
		}
		c->fails = n;
		c->cap = cap;
	}
	struct failure *f = &c->fails[c->nfails++];
	memcpy(f->name, name, sizeof(f->name));
	f->count = 1;
}

/* Runs on the tracer's thread for every exec event: keep it short, never block. */
static void on_exec(const struct ew_event *ev, void *userdata)
{
	struct counter *c = userdata;
	c->execs++;
	if (ev->exec.retval < 0) {
		c->failed++;
		count_failure(c, ev);
	}
}

static int by_count_desc(const void *a, const void *b)
{
	const struct failure *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

EW_EXPORT int ew_plugin_init(struct ew_session *s, const char *arg);
EW_EXPORT void ew_plugin_fini(struct ew_session *s);

EW_EXPORT int ew_plugin_init(struct ew_session *s, const char *arg)
{
	struct counter *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->session = s;
	c->out = stderr;
	if (arg && *arg) {
		/* Opened now so that a bad path stops the run before the command starts. */
		c->out = fopen(arg, "we");
		if (!c->out) {
			int err = errno;
			free(c);
			return -err;
		}
	}
	int id = ew_subscribe(s, EW_MASK(EW_EV_EXEC), on_exec, c);
	if (id < 0) {
		if (c->out != stderr)
			fclose(c->out);
		free(c);
		return id;
	}
	struct counter **tail = &instances;
	while (*tail)
		tail = &(*tail)->next;
	*tail = c;
	return 0;
}

EW_EXPORT void ew_plugin_fini(struct ew_session *s)
{
	struct counter **pp = &instances;
	while (*pp && (*pp)->session != s)
		pp = &(*pp)->next;
	struct counter *c = *pp;
	if (!c)
		return;
	*pp = c->next;

	if (c->nfails)
		qsort(c->fails, c->nfails, sizeof(*c->fails), by_count_desc);
	fprintf(c->out, "exec_counter: %lu exec%s, %lu failed", c->execs, c->execs == 1 ? "" : "s",
		c->failed);
	for (size_t i = 0; i < c->nfails; i++)
		fprintf(c->out, "%s%s %lu", i ? ", " : " (", c->fails[i].name, c->fails[i].count);
	if (c->oom)
		fprintf(c->out, "%s...", c->nfails ? ", " : " (");
	if (c->nfails || c->oom)
		fputc(')', c->out);
	fputc('\n', c->out);
	if (c->out == stderr)
		fflush(stderr);
	else
		fclose(c->out);
	free(c->fails);
	free(c);
}
