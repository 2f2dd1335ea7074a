/* SPDX-License-Identifier: MIT */
/*
 * eval.c - path rule lookup: last match wins. Literal patterns (the common case, e.g. a learned
 * policy) sit in a hash table; the others are tried from the last to the first, each first
 * compared on its literal prefix, stopping as soon as no later rule can beat the best hit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Length of "/first/" in s (the first component with both slashes), or 0. */
static size_t first_component(const char *s, size_t len)
{
	if (len < 2 || s[0] != '/')
		return 0;
	const char *e = memchr(s + 1, '/', len - 1);
	return e ? (size_t)(e - s) + 1 : 0;
}

static int cmp_keyed(const void *a, const void *b)
{
	const struct ew_pkeyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int ew_pol_finish(struct ew_pol *p)
{
	free(p->lit_slots);
	free(p->glob_rules);
	free(p->keyed);
	p->lit_slots = NULL;
	p->glob_rules = NULL;
	p->keyed = NULL;
	p->nglob = 0;
	p->nkeyed = 0;
	size_t nlit = 0;
	for (size_t i = 0; i < p->nrules; i++)
		nlit += p->rules[i].glob.literal;
	size_t cap = 16;
	while (cap < nlit * 2)
		cap *= 2;
	p->lit_cap = cap;
	p->lit_slots = calloc(cap, sizeof(*p->lit_slots));
	p->glob_rules = calloc(p->nrules ? p->nrules : 1, sizeof(*p->glob_rules));
	p->keyed = calloc(p->nrules ? p->nrules : 1, sizeof(*p->keyed));
	if (!p->lit_slots || !p->glob_rules || !p->keyed)
		return -ENOMEM;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ew_glob *g = &p->rules[i].glob;
		if (!g->literal) {
			/* A glob whose literal prefix holds a whole first component can only match
			 * paths with that first component: index it by it. */
			size_t fc = first_component(g->prefix, g->prefix_len);
			if (fc)
				p->keyed[p->nkeyed++] = (struct ew_pkeyed){fnv1a(g->prefix, fc), (uint32_t)i};
			else
				p->glob_rules[p->nglob++] = (uint32_t)i;
			continue;
		}
		size_t h = fnv1a(g->prefix, g->prefix_len) & (cap - 1);
		for (;;) {
			uint32_t s = p->lit_slots[h];
			if (!s)
				break;
			const struct ew_glob *o = &p->rules[s - 1].glob;
			if (o->prefix_len == g->prefix_len && !memcmp(o->prefix, g->prefix, g->prefix_len))
				break; /* same text: the later rule replaces it */
			h = (h + 1) & (cap - 1);
		}
		p->lit_slots[h] = (uint32_t)i + 1;
	}
	qsort(p->keyed, p->nkeyed, sizeof(*p->keyed), cmp_keyed);
	return 0;
}

enum ew_action ew_pol_match_path(const struct ew_pol *p, const char *path, size_t len, long *rule)
{
	long best = -1;
	if (p->lit_slots) {
		size_t h = fnv1a(path, len) & (p->lit_cap - 1);
		for (;;) {
			uint32_t s = p->lit_slots[h];
			if (!s)
				break;
			const struct ew_glob *g = &p->rules[s - 1].glob;
			if (g->prefix_len == len && !memcmp(g->prefix, path, len)) {
				best = (long)s - 1;
				break;
			}
			h = (h + 1) & (p->lit_cap - 1);
		}
		/* Candidates, each list descending: globs keyed by the path's first component, and
		 * the unkeyed ones. Merge by rule index; the first match is the last rule. */
		size_t fc = first_component(path, len);
		size_t klo = 0, khi = 0;
		if (fc && p->nkeyed) {
			uint64_t key = fnv1a(path, fc);
			size_t lo = 0, hi = p->nkeyed;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (p->keyed[mid].key < key)
					lo = mid + 1;
				else
					hi = mid;
			}
			klo = khi = lo;
			while (khi < p->nkeyed && p->keyed[khi].key == key)
				khi++;
		}
		size_t gk = p->nglob;
		for (;;) {
			long ki = khi > klo ? (long)p->keyed[khi - 1].rule : -1;
			long gi = gk > 0 ? (long)p->glob_rules[gk - 1] : -1;
			long i = ki > gi ? ki : gi;
			if (i < 0 || i < best)
				break;
			if (i == ki)
				khi--;
			else
				gk--;
			if (ew_glob_match(&p->rules[i].glob, path, len)) {
				best = i;
				break;
			}
		}
	} else {
		/* Not finished: plain scan. */
		for (size_t i = p->nrules; i-- > 0;) {
			if (ew_glob_match(&p->rules[i].glob, path, len)) {
				best = (long)i;
				break;
			}
		}
	}
	*rule = best;
	return best >= 0 ? p->rules[best].act : p->def;
}

const struct ew_pforce *ew_pol_force_for(const struct ew_pol *p, const char *path, size_t len)
{
	/* The last force line for a path wins, like rules. */
	for (size_t i = p->nforce; i-- > 0;)
		if (p->force[i].path_len == len && !memcmp(p->force[i].path, path, len))
			return &p->force[i];
	return NULL;
}
