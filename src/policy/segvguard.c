/* SPDX-License-Identifier: MIT */
/*
 * segvguard.c - the crash guard: a program that died of a core-dumping signal MAX times within
 * EXPIRY seconds may not be executed for SUSPENSION seconds. Keyed by the program's path.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define SG_MAX_ENTRIES 4096

struct sg_ent {
	char *path;
	size_t len;
	uint32_t crashes;      /* within the current window */
	uint64_t window_start; /* first crash of the window */
	uint64_t suspended_until;
};

struct ew_segvguard {
	struct sg_ent *v;
	size_t n, cap;
};

int ew_segvguard_new(struct ew_segvguard **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void ew_segvguard_free(struct ew_segvguard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].path);
	free(g->v);
	free(g);
}

bool ew_sig_dumps_core(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return true;
	default:
		return false;
	}
}

static struct sg_ent *find(struct ew_segvguard *g, const char *path, size_t len)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].len == len && !memcmp(g->v[i].path, path, len))
			return &g->v[i];
	return NULL;
}

void ew_segvguard_crash(struct ew_segvguard *g, const struct ew_pol *p, const char *path,
			size_t len, uint64_t now)
{
	if (!p->sg_max || !path)
		return;
	struct sg_ent *e = find(g, path, len);
	if (!e) {
		if (g->n == SG_MAX_ENTRIES)
			return;
		if (g->n == g->cap) {
			size_t cap = g->cap ? g->cap * 2 : 16;
			void *nv = realloc(g->v, cap * sizeof(*g->v));
			if (!nv)
				return;
			g->v = nv;
			g->cap = cap;
		}
		char *cp = strndup(path, len);
		if (!cp)
			return;
		e = &g->v[g->n++];
		*e = (struct sg_ent){cp, len, 0, now, 0};
	}
	if (now - e->window_start > p->sg_expiry) {
		e->window_start = now;
		e->crashes = 0;
	}
	if (++e->crashes >= p->sg_max) {
		e->suspended_until = now + p->sg_suspension;
		e->crashes = 0;
		e->window_start = now;
	}
}

bool ew_segvguard_suspended(struct ew_segvguard *g, const struct ew_pol *p, const char *path,
			    size_t len, uint64_t now)
{
	if (!p->sg_max)
		return false;
	struct sg_ent *e = find(g, path, len);
	return e && now < e->suspended_until;
}
