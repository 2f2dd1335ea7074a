/* SPDX-License-Identifier: MIT */
/*
 * glob.c - path patterns of the policy language, compiled to tokens and matched by simulating
 * the pattern as an NFA over the string (a bit set of live positions). No recursion and no
 * backtracking, so hostile patterns cannot blow up: time is O(len(string) * tokens).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

enum gkind {
	G_LIT,   /* one byte */
	G_ANY,   /* '?': one byte but '/' */
	G_CLASS, /* "[...]": one byte but '/' in the class */
	G_STAR,  /* '*': any bytes but '/' */
	G_DSTAR, /* "**": any bytes */
	G_DSEG,  /* "**" followed by '/': zero or more whole components, each ending in '/' */
};

struct ew_gtok {
	uint8_t kind;
	uint8_t c;     /* G_LIT byte */
	uint16_t cls;  /* G_CLASS index */
};

void ew_glob_free(struct ew_glob *g)
{
	if (!g)
		return;
	free(g->text);
	free(g->prefix);
	free(g->tok);
	free(g->classes);
	memset(g, 0, sizeof(*g));
}

/* Parses "[...]" at pat[*i] (pointing at '['); returns false when unterminated. */
static bool parse_class(const char *pat, size_t len, size_t *i, uint8_t bits[32])
{
	size_t j = *i + 1;
	bool neg = false;
	memset(bits, 0, 32);
	if (j < len && (pat[j] == '!' || pat[j] == '^')) {
		neg = true;
		j++;
	}
	bool first = true;
	while (j < len && (pat[j] != ']' || first)) {
		first = false;
		unsigned char lo = (unsigned char)pat[j];
		if (lo == '\\' && j + 1 < len)
			lo = (unsigned char)pat[++j];
		unsigned char hi = lo;
		if (j + 2 < len && pat[j + 1] == '-' && pat[j + 2] != ']') {
			j += 2;
			hi = (unsigned char)pat[j];
			if (hi == '\\' && j + 1 < len)
				hi = (unsigned char)pat[++j];
		}
		for (unsigned c = lo; c <= hi; c++)
			bits[c / 8] |= (uint8_t)(1u << (c % 8));
		j++;
	}
	if (j >= len)
		return false;
	if (neg)
		for (int k = 0; k < 32; k++)
			bits[k] = (uint8_t)~bits[k];
	bits['/' / 8] &= (uint8_t)~(1u << ('/' % 8));
	*i = j + 1;
	return true;
}

int ew_glob_compile(const char *pat, size_t len, struct ew_glob *g, size_t *errcol)
{
	memset(g, 0, sizeof(*g));
	size_t cap = len + 3;
	g->text = strndup(pat, len);
	g->tok = calloc(cap, sizeof(*g->tok));
	char *lit = malloc(len + 1);
	if (!g->text || !g->tok || !lit)
		goto nomem;
	/* Slash + triple star at the end: the directory or anything below. */
	size_t n = len;
	if (n >= 4 && !memcmp(pat + n - 4, "/***", 4) && (n < 5 || pat[n - 5] != '\\')) {
		g->dir_tail = true;
		n -= 4; /* compiled as BODY, then "/" and "**" appended below */
	}
	size_t i = 0, nlit = 0;
	bool in_prefix = true;
	while (i < n) {
		char c = pat[i];
		struct ew_gtok t = {0};
		if (c == '\\') {
			if (i + 1 >= n) {
				*errcol = i + 1;
				goto inval;
			}
			t.kind = G_LIT;
			t.c = (uint8_t)pat[i + 1];
			i += 2;
		} else if (c == '*') {
			if (i + 1 < n && pat[i + 1] == '*') {
				size_t j = i;
				while (j < n && pat[j] == '*')
					j++;
				if (j < n && pat[j] == '/') {
					t.kind = G_DSEG;
					j++;
				} else {
					t.kind = G_DSTAR;
				}
				i = j;
			} else {
				t.kind = G_STAR;
				i++;
			}
		} else if (c == '?') {
			t.kind = G_ANY;
			i++;
		} else if (c == '[') {
			uint8_t bits[32];
			size_t j = i;
			if (!parse_class(pat, n, &j, bits)) {
				*errcol = i + 1;
				goto inval;
			}
			void *nc = realloc(g->classes, (g->nclasses + 1) * sizeof(*g->classes));
			if (!nc)
				goto nomem;
			g->classes = nc;
			memcpy(g->classes[g->nclasses], bits, 32);
			if (g->nclasses >= UINT16_MAX) {
				*errcol = i + 1;
				goto inval;
			}
			t.kind = G_CLASS;
			t.cls = (uint16_t)g->nclasses++;
			i = j;
		} else {
			t.kind = G_LIT;
			t.c = (uint8_t)c;
			i++;
		}
		if (t.kind != G_LIT)
			in_prefix = false;
		if (in_prefix)
			lit[nlit++] = (char)t.c;
		/* Two adjacent "any" tokens of the same kind are one. */
		if (g->ntok && (t.kind == G_STAR || t.kind == G_DSTAR) &&
		    g->tok[g->ntok - 1].kind == t.kind)
			continue;
		g->tok[g->ntok++] = t;
	}
	g->body_ntok = g->ntok;
	if (g->dir_tail) {
		g->tok[g->ntok++] = (struct ew_gtok){.kind = G_LIT, .c = '/'};
		g->tok[g->ntok++] = (struct ew_gtok){.kind = G_DSTAR};
	}
	g->literal = in_prefix && !g->dir_tail;
	g->prefix = lit;
	g->prefix_len = nlit;
	lit[nlit] = '\0';
	return 0;
nomem:
	free(lit);
	ew_glob_free(g);
	return -ENOMEM;
inval:
	free(lit);
	ew_glob_free(g);
	return -EINVAL;
}

/* Live-position sets: one bit per token position (0..ntok). */
#define SET_WORDS(n) (((n) + 64) / 64)

static inline void set_bit(uint64_t *s, size_t i)
{
	s[i / 64] |= 1ull << (i % 64);
}
static inline bool get_bit(const uint64_t *s, size_t i)
{
	return (s[i / 64] >> (i % 64)) & 1;
}

/* Adds the positions reachable without consuming a byte. prev: the byte before (or -1). */
static void closure(const struct ew_glob *g, uint64_t *s, int prev)
{
	for (size_t i = 0; i < g->ntok; i++) {
		if (!get_bit(s, i))
			continue;
		uint8_t k = g->tok[i].kind;
		if (k == G_STAR || k == G_DSTAR || (k == G_DSEG && (prev < 0 || prev == '/')))
			set_bit(s, i + 1);
	}
}

static bool match_tokens(const struct ew_glob *g, const char *s, size_t len)
{
	size_t words = SET_WORDS(g->ntok);
	uint64_t small[2 * 4];
	uint64_t *cur = small, *nxt = small + 4;
	uint64_t *heap = NULL;
	if (words > 4) {
		heap = calloc(2 * words, sizeof(uint64_t));
		if (!heap)
			return false;
		cur = heap;
		nxt = heap + words;
	} else {
		memset(small, 0, sizeof(small));
	}
	set_bit(cur, 0);
	closure(g, cur, -1);
	bool live = true;
	for (size_t p = 0; p < len && live; p++) {
		unsigned char c = (unsigned char)s[p];
		memset(nxt, 0, words * sizeof(uint64_t));
		live = false;
		for (size_t i = 0; i < g->ntok; i++) {
			if (!get_bit(cur, i))
				continue;
			const struct ew_gtok *t = &g->tok[i];
			switch (t->kind) {
			case G_LIT:
				if (c == t->c) {
					set_bit(nxt, i + 1);
					live = true;
				}
				break;
			case G_ANY:
				if (c != '/') {
					set_bit(nxt, i + 1);
					live = true;
				}
				break;
			case G_CLASS:
				if (g->classes[t->cls][c / 8] & (1u << (c % 8))) {
					set_bit(nxt, i + 1);
					live = true;
				}
				break;
			case G_STAR:
				if (c != '/') {
					set_bit(nxt, i);
					live = true;
				}
				break;
			case G_DSTAR:
			case G_DSEG:
				set_bit(nxt, i);
				live = true;
				break;
			}
		}
		closure(g, nxt, c);
		uint64_t *tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
	bool ok = live && get_bit(cur, g->ntok);
	free(heap);
	return ok;
}

bool ew_glob_match(const struct ew_glob *g, const char *s, size_t len)
{
	if (g->literal)
		return len == g->prefix_len && !memcmp(s, g->prefix, len);
	if (len < g->prefix_len || memcmp(s, g->prefix, g->prefix_len))
		return false;
	if (g->dir_tail) {
		/* DIR + slash + triple star: DIR itself, or anything below it. */
		struct ew_glob body = *g;
		body.ntok = g->body_ntok;
		if (match_tokens(&body, s, len))
			return true;
	}
	return match_tokens(g, s, len);
}
