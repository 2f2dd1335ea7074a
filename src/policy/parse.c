/* SPDX-License-Identifier: MIT */
/*
 * parse.c - the policy language (docs/POLICY.md): one directive per line, '#' comments,
 * "include FILE". Errors name FILE:LINE:COL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

#define MAX_INCLUDE_DEPTH 16
#define MAX_POLICY_BYTES (64u << 20)
#define MAX_TOKENS 8

static const char *const check_names[EW_PC__COUNT] = {
	[EW_PC_TPE] = "tpe",	       [EW_PC_ELF32] = "elf32",	    [EW_PC_DYNAMIC] = "dynamic",
	[EW_PC_STATIC] = "static",     [EW_PC_NOPIE] = "nopie",	    [EW_PC_EXECSTACK] = "execstack",
	[EW_PC_LDSO] = "ldso",	       [EW_PC_FILELESS] = "fileless", [EW_PC_SCRIPT] = "script",
};

const char *ew_pcheck_name(enum ew_pcheck c)
{
	return (unsigned)c < EW_PC__COUNT ? check_names[c] : NULL;
}

static const char *const hash_names[EW_HASH__COUNT] = {"sha256", "sha512", "sha3-256"};
static const size_t hash_lens[EW_HASH__COUNT] = {32, 64, 32};

const char *ew_hash_name(enum ew_hash_algo a)
{
	return (unsigned)a < EW_HASH__COUNT ? hash_names[a] : NULL;
}

size_t ew_hash_len(enum ew_hash_algo a)
{
	return (unsigned)a < EW_HASH__COUNT ? hash_lens[a] : 0;
}

int ew_action_parse(const char *s, size_t len)
{
	for (int a = EW_ACT_ALLOW; a <= EW_ACT_EXIT; a++) {
		const char *n = ew_action_name((enum ew_action)a);
		if (n && strlen(n) == len && !memcmp(n, s, len))
			return a;
	}
	return -1;
}

int ew_pol_new(struct ew_pol **out)
{
	struct ew_pol *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->def = EW_ACT_ALLOW;
	p->def_loc.file = UINT32_MAX;
	for (int i = 0; i < EW_PC__COUNT; i++) {
		p->check[i] = -1;
		p->check_loc[i].file = UINT32_MAX;
	}
	/* On unless switched off: they close ways around the path rules. */
	p->check[EW_PC_LDSO] = EW_ACT_DENY;
	p->check[EW_PC_FILELESS] = EW_ACT_DENY;
	p->tpe_gid = -1;
	p->sg_act = EW_ACT_DENY;
	p->sg_loc.file = UINT32_MAX;
	*out = p;
	return 0;
}

void ew_pol_free(struct ew_pol *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->nrules; i++)
		ew_glob_free(&p->rules[i].glob);
	free(p->rules);
	for (size_t i = 0; i < p->nforce; i++)
		free(p->force[i].path);
	free(p->force);
	free(p->lit_slots);
	free(p->glob_rules);
	free(p->keyed);
	free(p);
}

void ew_ploc_format(const struct ew_pol *p, struct ew_ploc loc, char *buf, size_t len)
{
	if (loc.file >= p->nfiles)
		snprintf(buf, len, "default");
	else
		snprintf(buf, len, "%s:%u", p->files[loc.file], loc.line);
}

/* ---- tokenizer ---------------------------------------------------------------------------- */

struct tok {
	const char *s;
	size_t len;
	size_t col; /* 1-based */
};

struct pctx {
	struct ew_pol *p;
	const char *file;
	uint32_t file_idx;
	uint32_t line;
	int depth;
	char *err;
	size_t errlen;
};

static int perr(struct pctx *c, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(struct pctx *c, size_t col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u:%zu: %s", c->file, c->line, col, msg);
	return -EINVAL;
}

/* Splits a line on unescaped blanks; a token starting with '#' ends the line. */
static int tokenize(struct pctx *c, const char *line, size_t len, struct tok *t, size_t *nt)
{
	size_t i = 0, n = 0;
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i >= len || line[i] == '#')
			break;
		if (n == MAX_TOKENS)
			return perr(c, i + 1, "too many words on one line");
		size_t s = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			if (line[i] == '\\' && i + 1 < len)
				i++;
			i++;
		}
		t[n++] = (struct tok){line + s, i - s, s + 1};
	}
	*nt = n;
	return 0;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return t->len == strlen(w) && !memcmp(t->s, w, t->len);
}

static int parse_onoff(struct pctx *c, const struct tok *t, bool *out)
{
	if (tok_is(t, "on") || tok_is(t, "yes") || tok_is(t, "true") || tok_is(t, "1"))
		*out = true;
	else if (tok_is(t, "off") || tok_is(t, "no") || tok_is(t, "false") || tok_is(t, "0"))
		*out = false;
	else
		return perr(c, t->col, "expected on or off, got '%.*s'", (int)t->len, t->s);
	return 0;
}

static int parse_uint(struct pctx *c, const struct tok *t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!t->len)
		return perr(c, t->col, "expected a number");
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return perr(c, t->col + i, "expected a number, got '%.*s'", (int)t->len, t->s);
		v = v * 10 + (uint64_t)(t->s[i] - '0');
		if (v > max)
			return perr(c, t->col, "number too large (at most %llu)", (unsigned long long)max);
	}
	*out = v;
	return 0;
}

static int parse_action(struct pctx *c, const struct tok *t, enum ew_action *out)
{
	int a = ew_action_parse(t->s, t->len);
	if (a < 0)
		return perr(c, t->col,
			    "unknown action '%.*s' (allow, warn, filter, deny, kill, stop, abort, exit)",
			    (int)t->len, t->s);
	*out = (enum ew_action)a;
	return 0;
}

/* Removes backslash escapes (for plain paths). */
static char *unescape(const struct tok *t, size_t *len)
{
	char *o = malloc(t->len + 1);
	if (!o)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] == '\\' && i + 1 < t->len)
			i++;
		o[n++] = t->s[i];
	}
	o[n] = '\0';
	*len = n;
	return o;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* ---- directives --------------------------------------------------------------------------- */

static int load_file(struct pctx *parent, const char *path, size_t col);
static int load_text(struct pctx *c, const char *text, size_t len);

static struct ew_ploc here(const struct pctx *c)
{
	return (struct ew_ploc){c->file_idx, c->line};
}

static int d_rule(struct pctx *c, enum ew_action act, const struct tok *t, size_t nt)
{
	if (nt != 2)
		return perr(c, nt < 2 ? t[0].col + t[0].len : t[2].col,
			    nt < 2 ? "'%.*s' needs a pattern" : "'%.*s' takes one pattern (escape blanks with \\)",
			    (int)t[0].len, t[0].s);
	if (t[1].s[0] != '/' && t[1].s[0] != '*')
		return perr(c, t[1].col, "a pattern must be an absolute path (start with '/' or '*')");
	struct ew_pol *p = c->p;
	void *n = realloc(p->rules, (p->nrules + 1) * sizeof(*p->rules));
	if (!n)
		return -ENOMEM;
	p->rules = n;
	struct ew_prule *r = &p->rules[p->nrules];
	size_t ecol = 0;
	int e = ew_glob_compile(t[1].s, t[1].len, &r->glob, &ecol);
	if (e == -EINVAL)
		return perr(c, t[1].col + ecol - 1, "malformed pattern (unterminated '[' or trailing '\\')");
	if (e < 0)
		return e;
	r->act = act;
	r->loc = here(c);
	p->nrules++;
	return 0;
}

static int d_force(struct pctx *c, const struct tok *t, size_t nt)
{
	if (nt < 3 || nt > 4)
		return perr(c, nt < 3 ? t[nt - 1].col + t[nt - 1].len : t[4].col,
			    "usage: force PATH ALGO:HEX [ACTION]");
	if (t[1].s[0] != '/')
		return perr(c, t[1].col, "force needs an absolute path");
	const char *colon = memchr(t[2].s, ':', t[2].len);
	if (!colon)
		return perr(c, t[2].col, "expected ALGO:HEX (sha256, sha512 or sha3-256)");
	size_t alen = (size_t)(colon - t[2].s);
	int algo = -1;
	for (int a = 0; a < EW_HASH__COUNT; a++)
		if (strlen(hash_names[a]) == alen && !memcmp(hash_names[a], t[2].s, alen))
			algo = a;
	if (algo < 0)
		return perr(c, t[2].col, "unknown checksum algorithm '%.*s' (sha256, sha512, sha3-256)",
			    (int)alen, t[2].s);
	const char *hex = colon + 1;
	size_t hlen = t[2].len - alen - 1;
	size_t dlen = hash_lens[algo];
	if (hlen != 2 * dlen)
		return perr(c, t[2].col + alen + 1, "%s needs %zu hex digits, got %zu", hash_names[algo],
			    2 * dlen, hlen);
	struct ew_pforce f = {.algo = (enum ew_hash_algo)algo, .dlen = dlen, .act = EW_ACT_DENY};
	for (size_t i = 0; i < dlen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return perr(c, t[2].col + alen + 1 + 2 * i + (hi < 0 ? 0 : 1), "not a hex digit");
		f.digest[i] = (uint8_t)(hi << 4 | lo);
	}
	if (nt == 4) {
		int e = parse_action(c, &t[3], &f.act);
		if (e < 0)
			return e;
	}
	f.loc = here(c);
	struct ew_pol *p = c->p;
	void *n = realloc(p->force, (p->nforce + 1) * sizeof(*p->force));
	if (!n)
		return -ENOMEM;
	p->force = n;
	f.path = unescape(&t[1], &f.path_len);
	if (!f.path)
		return -ENOMEM;
	p->force[p->nforce++] = f;
	return 0;
}

static int d_check(struct pctx *c, const struct tok *t, size_t nt)
{
	if (nt != 3)
		return perr(c, nt < 3 ? t[nt - 1].col + t[nt - 1].len : t[3].col,
			    "usage: check NAME ACTION|off");
	int which = -1;
	for (int i = 0; i < EW_PC__COUNT; i++)
		if (tok_is(&t[1], check_names[i]))
			which = i;
	if (which < 0)
		return perr(c, t[1].col,
			    "unknown check '%.*s' (tpe, elf32, dynamic, static, nopie, execstack, ldso, fileless, script)",
			    (int)t[1].len, t[1].s);
	int act = -1;
	if (!tok_is(&t[2], "off")) {
		enum ew_action a = EW_ACT_ALLOW;
		int e = parse_action(c, &t[2], &a);
		if (e < 0)
			return e;
		act = (int)a;
	}
	c->p->check[which] = act;
	c->p->check_loc[which] = here(c);
	return 0;
}

static int d_tpe(struct pctx *c, const struct tok *t, size_t nt)
{
	struct ew_pol *p = c->p;
	if (nt == 2) { /* tpe on|off: shorthand for check tpe deny|off */
		bool on;
		int e = parse_onoff(c, &t[1], &on);
		if (e < 0)
			return e;
		p->check[EW_PC_TPE] = on ? EW_ACT_DENY : -1;
		p->check_loc[EW_PC_TPE] = here(c);
		return 0;
	}
	if (nt != 3)
		return perr(c, t[0].col, "usage: tpe on|off, tpe user on|off, tpe gid N|none, tpe negate on|off");
	if (tok_is(&t[1], "user"))
		return parse_onoff(c, &t[2], &p->tpe_user);
	if (tok_is(&t[1], "negate"))
		return parse_onoff(c, &t[2], &p->tpe_negate);
	if (tok_is(&t[1], "gid")) {
		if (tok_is(&t[2], "none")) {
			p->tpe_gid = -1;
			return 0;
		}
		uint64_t v;
		int e = parse_uint(c, &t[2], UINT32_MAX - 1, &v);
		if (e < 0)
			return e;
		p->tpe_gid = (int64_t)v;
		return 0;
	}
	return perr(c, t[1].col, "unknown tpe setting '%.*s' (user, gid, negate)", (int)t[1].len, t[1].s);
}

static int d_segvguard(struct pctx *c, const struct tok *t, size_t nt)
{
	struct ew_pol *p = c->p;
	if (nt == 2 && tok_is(&t[1], "off")) {
		p->sg_max = 0;
		p->sg_loc = here(c);
		return 0;
	}
	if (nt < 4 || nt > 5)
		return perr(c, t[0].col, "usage: segvguard MAXCRASHES EXPIRY SUSPENSION [ACTION], or segvguard off");
	uint64_t mx, ex, su;
	int e;
	if ((e = parse_uint(c, &t[1], 1000000, &mx)) < 0 || (e = parse_uint(c, &t[2], 1u << 30, &ex)) < 0 ||
	    (e = parse_uint(c, &t[3], 1u << 30, &su)) < 0)
		return e;
	if (!mx)
		return perr(c, t[1].col, "MAXCRASHES must be at least 1 (or use 'segvguard off')");
	enum ew_action act = EW_ACT_DENY;
	if (nt == 5 && (e = parse_action(c, &t[4], &act)) < 0)
		return e;
	p->sg_max = (uint32_t)mx;
	p->sg_expiry = (uint32_t)ex;
	p->sg_suspension = (uint32_t)su;
	p->sg_act = act;
	p->sg_loc = here(c);
	return 0;
}

static int d_include(struct pctx *c, const struct tok *t, size_t nt)
{
	if (nt != 2)
		return perr(c, t[0].col, "usage: include FILE");
	if (c->p->no_include)
		return perr(c, t[0].col, "include is not allowed here");
	size_t len;
	char *name = unescape(&t[1], &len);
	if (!name)
		return -ENOMEM;
	char *full = NULL;
	if (name[0] != '/') {
		const char *slash = strrchr(c->file, '/');
		if (slash) {
			if (asprintf(&full, "%.*s/%s", (int)(slash - c->file), c->file, name) < 0)
				full = NULL;
			free(name);
			if (!full)
				return -ENOMEM;
			name = full;
		}
	}
	int r = load_file(c, name, t[1].col);
	free(name);
	return r;
}

static int directive(struct pctx *c, const char *line, size_t len)
{
	struct tok t[MAX_TOKENS];
	size_t nt = 0;
	int e = tokenize(c, line, len, t, &nt);
	if (e < 0 || !nt)
		return e;
	int act = ew_action_parse(t[0].s, t[0].len);
	if (act >= 0)
		return d_rule(c, (enum ew_action)act, t, nt);
	if (tok_is(&t[0], "default")) {
		if (nt != 2)
			return perr(c, t[0].col, "usage: default ACTION");
		enum ew_action a = EW_ACT_ALLOW;
		if ((e = parse_action(c, &t[1], &a)) < 0)
			return e;
		c->p->def = a;
		c->p->def_loc = here(c);
		return 0;
	}
	if (tok_is(&t[0], "force"))
		return d_force(c, t, nt);
	if (tok_is(&t[0], "check"))
		return d_check(c, t, nt);
	if (tok_is(&t[0], "tpe"))
		return d_tpe(c, t, nt);
	if (tok_is(&t[0], "segvguard"))
		return d_segvguard(c, t, nt);
	if (tok_is(&t[0], "include"))
		return d_include(c, t, nt);
	return perr(c, t[0].col,
		    "unknown directive '%.*s' (an action, default, force, check, tpe, segvguard, include)",
		    (int)t[0].len, t[0].s);
}

static int load_text(struct pctx *c, const char *text, size_t len)
{
	size_t pos = 0;
	c->line = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		c->line++;
		if (memchr(text + pos, '\0', end - pos))
			return perr(c, (size_t)((const char *)memchr(text + pos, '\0', end - pos) - (text + pos)) + 1,
				    "NUL byte in policy");
		int e = directive(c, text + pos, end - pos);
		if (e < 0)
			return e;
		pos = end + 1;
	}
	return 0;
}

static int add_file(struct ew_pol *p, const char *name, uint32_t *idx)
{
	void *n = realloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	if (!n)
		return -ENOMEM;
	p->files = n;
	p->files[p->nfiles] = strdup(name);
	if (!p->files[p->nfiles])
		return -ENOMEM;
	*idx = (uint32_t)p->nfiles++;
	return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		return -e;
	}
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_POLICY_BYTES) {
				free(b);
				close(fd);
				return -EFBIG;
			}
			cap *= 2;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(b);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*out = b;
	*len = n;
	return 0;
}

static int load_file(struct pctx *parent, const char *path, size_t col)
{
	if (parent->depth >= MAX_INCLUDE_DEPTH)
		return perr(parent, col, "includes nested too deeply (a cycle?)");
	char *text;
	size_t len;
	int r = read_all(path, &text, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return perr(parent, col, "cannot read '%s': %s", path, strerror(-r));
	struct ew_pol *p = parent->p;
	struct pctx c = {p, NULL, 0, 0, parent->depth + 1, parent->err, parent->errlen};
	r = add_file(p, path, &c.file_idx);
	if (r == 0) {
		c.file = p->files[c.file_idx];
		r = load_text(&c, text, len);
	}
	free(text);
	/* The parent's line counter is its own: restore nothing, c was separate. */
	return r;
}

int ew_pol_load_text(struct ew_pol *p, const char *name, const char *text, size_t len, char *err,
		     size_t errlen)
{
	struct pctx c = {p, NULL, 0, 0, 0, err, errlen};
	int r = add_file(p, name, &c.file_idx);
	if (r < 0)
		return r;
	c.file = p->files[c.file_idx];
	return load_text(&c, text, len);
}

int ew_pol_load_file(struct ew_pol *p, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int r = read_all(path, &text, &len);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = ew_pol_load_text(p, path, text, len, err, errlen);
	free(text);
	return r;
}
