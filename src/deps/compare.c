/* SPDX-License-Identifier: MIT */
/*
 * compare.c - `deps --diff` (two recordings) and `deps --check` (a manifest against this
 * machine) (manifest.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "escape.h"
#include "manifest.h"

/* ------------------------------------------------------------------------------------------ */
/* Output of differences, text or JSON                                                        */

struct dout {
	FILE *out;
	bool json;
	long count;
	struct ew_buf b;
	const char *cur_prog; /* text: the program heading printed last */
};

static void d_esc(struct dout *d, const char *s)
{
	ew_buf_clear(&d->b);
	if (s && ew_cescape(&d->b, s, strlen(s), 0, NULL) == 0)
		fwrite(d->b.ptr, 1, d->b.len, d->out);
	else
		fputs(s ? s : "?", d->out);
}

static void d_jstr(struct dout *d, const char *s)
{
	ew_buf_clear(&d->b);
	if (!s) {
		fputs("null", d->out);
		return;
	}
	if (ew_json_str(&d->b, s, strlen(s)) == 0)
		fwrite(d->b.ptr, 1, d->b.len, d->out);
}

/* One difference: change "added"/"removed"/"changed", what "program"/"library"/"file". */
static void d_emit(struct dout *d, const char *prog, const char *change, const char *what,
                   const char *path, const char *sha_a, const char *sha_b)
{
	if (d->json) {
		fputs(d->count ? ",\n  {" : "\n  {", d->out);
		fputs("\"program\":", d->out);
		d_jstr(d, prog);
		fprintf(d->out, ",\"change\":\"%s\",\"what\":\"%s\",\"path\":", change, what);
		d_jstr(d, path);
		fputs(",\"sha256_a\":", d->out);
		d_jstr(d, sha_a);
		fputs(",\"sha256_b\":", d->out);
		d_jstr(d, sha_b);
		fputs("}", d->out);
	} else {
		if (!d->cur_prog || strcmp(d->cur_prog, prog)) {
			fputs("program ", d->out);
			d_esc(d, prog);
			fputc('\n', d->out);
			d->cur_prog = prog;
		}
		char sign = change[0] == 'a' ? '+' : change[0] == 'r' ? '-' : '~';
		fprintf(d->out, "  %c %-8s ", sign, what);
		d_esc(d, path);
		if (change[0] == 'c')
			fprintf(d->out, "  sha256 %.12s -> %.12s", sha_a ? sha_a : "none",
			        sha_b ? sha_b : "none");
		fputc('\n', d->out);
	}
	d->count++;
}

/* ------------------------------------------------------------------------------------------ */
/* Diff                                                                                       */

static const char *sha_of(const struct ew_mfile *f)
{
	return f->digested && f->dg.has_sha ? f->dg.sha256 : NULL;
}

static bool same_sha(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static const struct ew_mprog *find_prog(const struct ew_manifest *m, const char *path)
{
	for (size_t i = 0; i < m->nprogs; i++)
		if (!strcmp(m->progs[i].program, path))
			return &m->progs[i];
	return NULL;
}

static const struct ew_mref *find_ref(const struct ew_manifest *m, const struct ew_mref *v,
                                      size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m->files[v[i].file].path, path))
			return &v[i];
	return NULL;
}

/* Files compared: not /proc & co, not directories, and not the libraries the program mapped
 * (ld.so opens them: they are reported once, as libraries). */
static bool diffable_file(const struct ew_manifest *m, const struct ew_mprog *p,
                          const struct ew_mref *r)
{
	const struct ew_mfile *f = &m->files[r->file];
	return !f->system && !(r->how & EW_FILE_DIRECTORY) &&
	       !find_ref(m, p->libs, p->nlibs, f->path);
}

struct named {
	const char *path;
	const struct ew_mfile *f;
};

static int named_cmp(const void *x, const void *y)
{
	return strcmp(((const struct named *)x)->path, ((const struct named *)y)->path);
}

/* The entries of a list that are compared, sorted by path; NULL (n = 0) when empty or ENOMEM. */
static struct named *sorted_refs(const struct ew_manifest *m, const struct ew_mprog *p,
                                 const struct ew_mref *v, size_t n, bool files, size_t *count)
{
	struct named *out = n ? malloc(n * sizeof(*out)) : NULL;
	size_t k = 0;
	for (size_t i = 0; out && i < n; i++) {
		if (files && !diffable_file(m, p, &v[i]))
			continue;
		out[k++] = (struct named){m->files[v[i].file].path, &m->files[v[i].file]};
	}
	if (k)
		qsort(out, k, sizeof(*out), named_cmp);
	*count = k;
	return out;
}

/* Differences of one list (libraries or files) of a program present in both: a merge of the
 * two lists sorted by path. */
static int diff_refs(struct dout *d, const char *prog, const char *what,
                     const struct ew_manifest *a, const struct ew_mprog *pa,
                     const struct ew_mref *va, size_t na, const struct ew_manifest *b,
                     const struct ew_mprog *pb, const struct ew_mref *vb, size_t nb, bool files)
{
	size_t ka, kb;
	struct named *sa = sorted_refs(a, pa, va, na, files, &ka);
	struct named *sb = sorted_refs(b, pb, vb, nb, files, &kb);
	if ((na && !sa) || (nb && !sb)) {
		free(sa);
		free(sb);
		return -ENOMEM;
	}
	size_t i = 0, j = 0;
	while (i < ka || j < kb) {
		int c = i == ka ? 1 : j == kb ? -1 : strcmp(sa[i].path, sb[j].path);
		if (c < 0) {
			d_emit(d, prog, "removed", what, sa[i].path, sha_of(sa[i].f), NULL);
			i++;
		} else if (c > 0) {
			d_emit(d, prog, "added", what, sb[j].path, NULL, sha_of(sb[j].f));
			j++;
		} else {
			if (!same_sha(sha_of(sa[i].f), sha_of(sb[j].f)))
				d_emit(d, prog, "changed", what, sa[i].path, sha_of(sa[i].f),
				       sha_of(sb[j].f));
			i++;
			j++;
		}
	}
	free(sa);
	free(sb);
	return 0;
}

long ew_deps_diff(FILE *out, const struct ew_manifest *a, const struct ew_manifest *b, bool json)
{
	struct dout d = {out, json, 0, EW_BUF_INIT, NULL};
	if (json) {
		fputs("{\"a\":", out);
		d_jstr(&d, a->db_path);
		fputs(",\"b\":", out);
		d_jstr(&d, b->db_path);
		fputs(",\"differences\":[", out);
	}
	for (size_t i = 0; i < a->nprogs; i++) {
		const struct ew_mprog *pa = &a->progs[i];
		const struct ew_mprog *pb = find_prog(b, pa->program);
		if (!pb) {
			d_emit(&d, pa->program, "removed", "program", pa->program,
			       sha_of(&a->files[pa->file]), NULL);
			continue;
		}
		const char *sa = sha_of(&a->files[pa->file]), *sb = sha_of(&b->files[pb->file]);
		if (!same_sha(sa, sb))
			d_emit(&d, pa->program, "changed", "program", pa->program, sa, sb);
		if (diff_refs(&d, pa->program, "library", a, pa, pa->libs, pa->nlibs, b, pb,
		              pb->libs, pb->nlibs, false) < 0 ||
		    diff_refs(&d, pa->program, "file", a, pa, pa->files, pa->nfiles, b, pb,
		              pb->files, pb->nfiles, true) < 0) {
			ew_buf_free(&d.b);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < b->nprogs; i++) {
		const struct ew_mprog *pb = &b->progs[i];
		if (!find_prog(a, pb->program))
			d_emit(&d, pb->program, "added", "program", pb->program, NULL,
			       sha_of(&b->files[pb->file]));
	}
	if (json)
		fprintf(out, "],\"count\":%ld}\n", d.count);
	else if (!d.count)
		fputs("no differences\n", out);
	else
		fprintf(out, "%ld difference%s\n", d.count, d.count == 1 ? "" : "s");
	ew_buf_free(&d.b);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return d.count;
}

/* ------------------------------------------------------------------------------------------ */
/* Check                                                                                      */

static const char *type_of_mode(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular";
	case S_IFDIR: return "directory";
	default: return "other";
	}
}

long ew_deps_check(FILE *out, const char *path, struct ew_hashcache *c, bool json, char *err,
                   size_t errlen)
{
	json_error_t je;
	FILE *in = fopen(path, "re");
	if (!in)
		return -errno;
	json_t *root = json_loadf(in, JSON_REJECT_DUPLICATES, &je);
	fclose(in);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line > 0 ? je.line : 1,
		         je.column > 0 ? je.column : 1, je.text);
		return -EINVAL;
	}
	json_t *deps = json_is_object(root) ? json_object_get(root, "dependencies") : NULL;
	if (!json_is_array(deps)) {
		snprintf(err, errlen,
		         "%s:1:1: not an execwatch manifest (no \"dependencies\" array)", path);
		json_decref(root);
		return -EINVAL;
	}
	size_t n = json_array_size(deps);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(deps, i);
		json_t *p = json_is_object(e) ? json_object_get(e, "path") : NULL;
		json_t *s = json_is_object(e) ? json_object_get(e, "sha256") : NULL;
		if (!json_is_string(p) || (s && !json_is_null(s) && !json_is_string(s))) {
			snprintf(err, errlen,
			         "%s:1:1: dependency %zu: needs a string \"path\" and a string or "
			         "null \"sha256\"",
			         path, i);
			json_decref(root);
			return -EINVAL;
		}
	}
	struct dout d = {out, json, 0, EW_BUF_INIT, NULL};
	size_t ok = 0;
	if (json)
		fputs("{\"manifest\":", out), d_jstr(&d, path), fputs(",\"differences\":[", out);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(deps, i);
		const char *p = json_string_value(json_object_get(e, "path"));
		json_t *sj = json_object_get(e, "sha256");
		const char *want = json_is_string(sj) ? json_string_value(sj) : NULL;
		json_t *tj = json_object_get(e, "type");
		const char *want_type = json_is_string(tj) ? json_string_value(tj) : NULL;
		json_t *pk = json_object_get(e, "package");
		const char *pkg = json_is_string(pk) ? json_string_value(pk) : NULL;
		struct ew_digest dg;
		int r = ew_digest_file(c, p, &dg);
		const char *status = NULL, *detail = NULL;
		if (!dg.stat_ok) {
			status = r == -ENOENT || r == -ENOTDIR ? "missing" : "unreadable";
			detail = dg.error;
		} else if (want_type && strcmp(want_type, type_of_mode(dg.mode)) &&
		           !(strcmp(want_type, "regular") && strcmp(want_type, "directory"))) {
			status = "type";
			detail = type_of_mode(dg.mode);
		} else if (want && !dg.has_sha) {
			status = "unreadable";
			detail = dg.error;
		} else if (want && strcmp(want, dg.sha256)) {
			status = "changed";
		}
		if (!status) {
			ok++;
			continue;
		}
		if (json) {
			fputs(d.count ? ",\n  {" : "\n  {", out);
			fputs("\"path\":", out);
			d_jstr(&d, p);
			fprintf(out, ",\"status\":\"%s\",\"expected_sha256\":", status);
			d_jstr(&d, want);
			fputs(",\"actual_sha256\":", out);
			d_jstr(&d, dg.has_sha ? dg.sha256 : NULL);
			fputs(",\"detail\":", out);
			d_jstr(&d, detail);
			fputs(",\"package\":", out);
			d_jstr(&d, pkg);
			fputs("}", out);
		} else {
			fprintf(out, "%-10s ", status);
			d_esc(&d, p);
			if (!strcmp(status, "changed"))
				fprintf(out, "  sha256 %.12s -> %.12s", want, dg.sha256);
			else if (detail)
				fprintf(out, "  (%s)", detail);
			if (pkg)
				fprintf(out, "  [%s]", pkg);
			fputc('\n', out);
		}
		d.count++;
	}
	if (json)
		fprintf(out, "],\"checked\":%zu,\"same\":%zu,\"count\":%ld}\n", n, ok, d.count);
	else
		fprintf(out, "%zu dependencies checked: %zu the same, %ld different\n", n, ok,
		        d.count);
	ew_buf_free(&d.b);
	json_decref(root);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return d.count;
}
