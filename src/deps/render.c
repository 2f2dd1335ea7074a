/* SPDX-License-Identifier: MIT */
/* render.c - the manifest as JSON (docs/DEPS.md), text and a tree of programs (manifest.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "escape.h"
#include "execwatch.h"
#include "manifest.h"

/* A library's kind, or "unknown" (a database without kinds). */
static const char *kind_name(int kind)
{
	const char *n = kind >= 0 ? ew_lib_kind_name((enum ew_lib_kind)kind) : NULL;
	return n ? n : "unknown";
}

/* ------------------------------------------------------------------------------------------ */
/* JSON                                                                                       */

struct jout {
	struct ew_buf b;
	int err;
};

static void j_raw(struct jout *j, const char *s)
{
	if (!j->err)
		j->err = ew_buf_puts(&j->b, s);
}

static void j_str(struct jout *j, const char *s)
{
	if (j->err)
		return;
	j->err = s ? ew_json_str(&j->b, s, strlen(s)) : ew_buf_puts(&j->b, "null");
}

static void j_key(struct jout *j, const char *k)
{
	j_str(j, k);
	j_raw(j, ":");
}

static void j_int(struct jout *j, int64_t v)
{
	if (!j->err)
		j->err = ew_buf_printf(&j->b, "%" PRId64, v);
}

/* A JSON text stored by execwatch (already valid), or null. */
static void j_stored(struct jout *j, const char *json)
{
	j_raw(j, json && *json ? json : "null");
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

/* "size", "sha256", "package" (and "error" when it has no checksum) of a file. */
static void j_facts(struct jout *j, const struct ew_manifest *m, const struct ew_mfile *f)
{
	j_key(j, "size");
	if (f->digested && f->dg.stat_ok)
		j_int(j, f->dg.size);
	else
		j_raw(j, "null");
	j_raw(j, ",");
	j_key(j, "sha256");
	j_str(j, f->digested && f->dg.has_sha ? f->dg.sha256 : NULL);
	if (f->digested && !f->dg.has_sha) {
		j_raw(j, ",");
		j_key(j, "error");
		j_str(j, f->dg.error);
	}
	j_raw(j, ",");
	j_key(j, "package");
	j_str(j, m->packages_known ? f->package : NULL);
}

static void j_how(struct jout *j, uint32_t how)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} hows[] = {
	    {EW_FILE_READ, "read"},           {EW_FILE_WRITE, "write"}, {EW_FILE_CREATE, "create"},
	    {EW_FILE_DIRECTORY, "directory"}, {EW_FILE_EXEC, "exec"},   {EW_FILE_FAILED, "failed"},
	    {EW_FILE_STAT, "stat"},
	};
	j_raw(j, "[");
	bool first = true;
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		if (!(how & hows[i].bit))
			continue;
		if (!first)
			j_raw(j, ",");
		first = false;
		j_str(j, hows[i].name);
	}
	j_raw(j, "]");
}

static void j_roles(struct jout *j, unsigned roles)
{
	static const char *const names[] = {"program", "interpreter", "library", "input",
	                                    "output",  "directory",   "other"};
	j_raw(j, "[");
	bool first = true;
	for (unsigned i = 0; i < 7; i++) {
		if (!(roles & (1u << i)))
			continue;
		if (!first)
			j_raw(j, ",");
		first = false;
		j_str(j, names[i]);
	}
	j_raw(j, "]");
}

static int flush_buf(FILE *out, struct ew_buf *b)
{
	if (b->len && fwrite(b->ptr, 1, b->len, out) != b->len)
		return -EIO;
	ew_buf_clear(b);
	return 0;
}

int ew_manifest_write_json(FILE *out, const struct ew_manifest *m)
{
	struct jout j = {EW_BUF_INIT, 0};
	j_raw(&j, "{\"manifest_version\":1,\"execwatch_version\":");
	j_str(&j, ew_version());
	j_raw(&j, ",\"database\":");
	j_str(&j, m->db_path);
	j_raw(&j, ",\n \"run\":{\"command\":");
	j_stored(&j, m->command_json);
	j_raw(&j, ",\"hostname\":");
	j_str(&j, m->hostname);
	j_raw(&j, ",\"kernel\":");
	j_str(&j, m->kernel);
	j_raw(&j, ",\"machine\":");
	j_str(&j, m->machine);
	j_raw(&j, ",\"start_wall\":");
	j_int(&j, m->start_wall);
	j_raw(&j, ",\"finished\":");
	j_raw(&j, m->finished ? "true" : "false");
	j_raw(&j, ",\"exit_status\":");
	if (m->finished)
		j_int(&j, m->status);
	else
		j_raw(&j, "null");
	j_raw(&j, "},\n \"programs\":[");
	int r = 0;
	for (size_t i = 0; i < m->nprogs && !j.err && !r; i++) {
		const struct ew_mprog *p = &m->progs[i];
		j_raw(&j, i ? ",\n  {" : "\n  {");
		j_key(&j, "program");
		j_str(&j, p->program);
		j_raw(&j, ",\"runs\":[");
		for (size_t k = 0; k < p->nruns; k++) {
			const struct ew_mrun *run = &p->runs[k];
			j_raw(&j, k ? ",{" : "{");
			j_key(&j, "pid");
			j_int(&j, run->pid);
			j_raw(&j, ",\"ppid\":");
			j_int(&j, run->ppid);
			j_raw(&j, ",\"seq\":");
			j_int(&j, (int64_t)run->seq);
			j_raw(&j, ",\"invoked_as\":");
			j_str(&j, run->invoked);
			j_raw(&j, ",\"argv\":");
			j_stored(&j, run->argv_json);
			j_raw(&j, ",\"env\":");
			j_stored(&j, run->env_json);
			j_raw(&j, ",\"cwd\":");
			j_str(&j, run->cwd);
			j_raw(&j, ",\"script\":");
			j_raw(&j, run->script ? "true" : "false");
			j_raw(&j, ",\"interpreter\":");
			j_str(&j, run->interp);
			j_raw(&j, "}");
		}
		j_raw(&j, "],\n   \"libraries\":[");
		for (size_t k = 0; k < p->nlibs; k++) {
			const struct ew_mref *ref = &p->libs[k];
			const struct ew_mfile *f = &m->files[ref->file];
			j_raw(&j, k ? ",\n    {" : "\n    {");
			j_key(&j, "path");
			j_str(&j, f->path);
			j_raw(&j, ",\"kind\":");
			j_str(&j, kind_name(ref->kind));
			j_raw(&j, ",\"soname\":");
			j_str(&j, ref->soname);
			j_raw(&j, ",");
			j_facts(&j, m, f);
			j_raw(&j, "}");
		}
		j_raw(&j, "],\n   \"files\":[");
		for (size_t k = 0; k < p->nfiles; k++) {
			const struct ew_mref *ref = &p->files[k];
			const struct ew_mfile *f = &m->files[ref->file];
			j_raw(&j, k ? ",\n    {" : "\n    {");
			j_key(&j, "path");
			j_str(&j, f->path);
			j_raw(&j, ",\"how\":");
			j_how(&j, ref->how);
			j_raw(&j, ",\"opens\":");
			j_int(&j, ref->count);
			if (ref->caller) {
				j_raw(&j, ",\"caller\":");
				j_str(&j, ref->caller);
			}
			j_raw(&j, ",");
			j_facts(&j, m, f);
			j_raw(&j, "}");
		}
		j_raw(&j, "],\n   \"failed\":[");
		for (size_t k = 0; k < p->nfailed; k++) {
			const struct ew_mref *ref = &p->failed[k];
			j_raw(&j, k ? ",\n    {" : "\n    {");
			j_key(&j, "path");
			j_str(&j, m->files[ref->file].path);
			j_raw(&j, ",\"how\":");
			j_how(&j, ref->how);
			j_raw(&j, ",\"errno\":");
			j_str(&j, ref->errno_name);
			j_raw(&j, ",\"count\":");
			j_int(&j, ref->count);
			j_raw(&j, "}");
		}
		j_raw(&j, "],\n   \"executed\":[");
		for (size_t k = 0; k < p->nexecuted; k++) {
			if (k)
				j_raw(&j, ",");
			j_str(&j, m->progs[p->executed[k]].program);
		}
		j_raw(&j, "]}");
		if (j.b.len > (1u << 16))
			r = flush_buf(out, &j.b);
	}
	j_raw(&j, "],\n \"dependencies\":[");
	size_t ndeps = 0, owned = 0;
	for (size_t i = 0; i < m->nfiles && !j.err && !r; i++) {
		const struct ew_mfile *f = &m->files[i];
		if (!ew_mfile_is_dep(f))
			continue;
		j_raw(&j, ndeps++ ? ",\n  {" : "\n  {");
		owned += f->package != NULL;
		j_key(&j, "path");
		j_str(&j, f->path);
		j_raw(&j, ",\"roles\":");
		j_roles(&j, f->roles);
		j_raw(&j, ",\"type\":");
		j_str(&j, f->digested && f->dg.stat_ok ? type_name(f->dg.mode) : NULL);
		j_raw(&j, ",");
		j_facts(&j, m, f);
		j_raw(&j, "}");
		if (j.b.len > (1u << 16))
			r = flush_buf(out, &j.b);
	}
	j_raw(&j, "],\n \"outputs\":[");
	size_t nout = 0;
	for (size_t i = 0; i < m->nfiles && !j.err && !r; i++) {
		const struct ew_mfile *f = &m->files[i];
		if (f->system || !(f->roles & EW_MF_OUTPUT) || ew_mfile_is_dep(f))
			continue;
		j_raw(&j, nout++ ? ",\n  {" : "\n  {");
		j_key(&j, "path");
		j_str(&j, f->path);
		j_raw(&j, ",");
		j_facts(&j, m, f);
		j_raw(&j, "}");
	}
	j_raw(&j, "],\n \"summary\":{\"programs\":");
	j_int(&j, (int64_t)m->nprogs);
	j_raw(&j, ",\"dependencies\":");
	j_int(&j, (int64_t)ndeps);
	j_raw(&j, ",\"packages_known\":");
	j_raw(&j, m->packages_known ? "true" : "false");
	j_raw(&j, ",\"owned\":");
	j_int(&j, (int64_t)owned);
	j_raw(&j, ",\"unowned\":");
	j_int(&j, (int64_t)(ndeps - owned));
	j_raw(&j, ",\"outputs\":");
	j_int(&j, (int64_t)nout);
	j_raw(&j, "}}\n");
	if (!r)
		r = j.err ? j.err : flush_buf(out, &j.b);
	ew_buf_free(&j.b);
	if (!r && fflush(out) != 0)
		r = -EIO;
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Text                                                                                       */

/* Writes s C-escaped (no byte can garble a terminal). */
static void t_esc(FILE *out, struct ew_buf *b, const char *s)
{
	ew_buf_clear(b);
	if (!s) {
		fputs("?", out);
		return;
	}
	if (ew_cescape(b, s, strlen(s), 0, NULL) < 0)
		return;
	fwrite(b->ptr, 1, b->len, out);
}

static void t_facts(FILE *out, const struct ew_manifest *m, const struct ew_mfile *f)
{
	if (f->digested && f->dg.stat_ok && f->dg.has_sha)
		fprintf(out, "  %" PRId64 " sha256:%s", f->dg.size, f->dg.sha256);
	else if (f->digested && f->dg.error)
		fprintf(out, "  (%s)", f->dg.error);
	if (m->packages_known && f->digested && (f->dg.has_sha || f->dg.stat_ok))
		fprintf(out, "  [%s]", f->package ? f->package : "no package");
}

static void t_how(FILE *out, uint32_t how)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} hows[] = {
	    {EW_FILE_READ, "read"},     {EW_FILE_WRITE, "write"}, {EW_FILE_CREATE, "create"},
	    {EW_FILE_DIRECTORY, "dir"}, {EW_FILE_STAT, "path"},
	};
	const char *sep = "";
	char buf[64] = "";
	size_t n = 0;
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		if (how & hows[i].bit) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", sep, hows[i].name);
			sep = ",";
		}
	}
	fprintf(out, "%-17s ", buf);
}

int ew_manifest_write_text(FILE *out, const struct ew_manifest *m)
{
	struct ew_buf b = EW_BUF_INIT;
	fputs("execwatch deps: ", out);
	t_esc(out, &b, m->db_path);
	fputs(" (", out);
	t_esc(out, &b, m->hostname);
	fprintf(out, ", %s digests)\n", m->stored_digests ? "recorded" : "computed now");
	size_t ndeps = 0, unowned = 0;
	for (size_t i = 0; i < m->nprogs; i++) {
		const struct ew_mprog *p = &m->progs[i];
		fputs("\nprogram ", out);
		t_esc(out, &b, p->program);
		if (p->nruns) {
			fprintf(out, "  (%zu run%s: pid", p->nruns, p->nruns == 1 ? "" : "s");
			for (size_t k = 0; k < p->nruns && k < 8; k++)
				fprintf(out, " %d", (int)p->runs[k].pid);
			fputs(p->nruns > 8 ? " ...)" : ")", out);
		}
		fputc('\n', out);
		for (size_t k = 0; k < p->nruns && k < 1; k++) {
			if (p->runs[k].argv_json) {
				/* Stored JSON: control bytes are escaped already, safe as is. */
				fputs("  argv     ", out);
				fputs(p->runs[k].argv_json, out);
				fputc('\n', out);
			}
			if (p->runs[k].script && p->runs[k].interp) {
				fputs("  script   interpreter ", out);
				t_esc(out, &b, p->runs[k].interp);
				fputc('\n', out);
			}
		}
		for (size_t k = 0; k < p->nlibs; k++) {
			const struct ew_mfile *f = &m->files[p->libs[k].file];
			fprintf(out, "  library  %-17s ", kind_name(p->libs[k].kind));
			t_esc(out, &b, f->path);
			t_facts(out, m, f);
			fputc('\n', out);
		}
		for (size_t k = 0; k < p->nfiles; k++) {
			const struct ew_mfile *f = &m->files[p->files[k].file];
			fputs("  file     ", out);
			t_how(out, p->files[k].how);
			t_esc(out, &b, f->path);
			if (p->files[k].count > 1)
				fprintf(out, " (x%u)", p->files[k].count);
			if (p->files[k].caller) {
				fputs(" by ", out);
				t_esc(out, &b, p->files[k].caller);
			}
			if (!f->system && !(f->roles & EW_MF_DIR))
				t_facts(out, m, f);
			fputc('\n', out);
		}
		for (size_t k = 0; k < p->nfailed; k++) {
			const struct ew_mref *r = &p->failed[k];
			fprintf(out, "  failed   %-17s ", r->errno_name ? r->errno_name : "?");
			t_esc(out, &b, m->files[r->file].path);
			if (r->count > 1)
				fprintf(out, " (x%u)", r->count);
			fputc('\n', out);
		}
		for (size_t k = 0; k < p->nexecuted; k++) {
			fputs("  executes ", out);
			t_esc(out, &b, m->progs[p->executed[k]].program);
			fputc('\n', out);
		}
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		if (!ew_mfile_is_dep(&m->files[i]))
			continue;
		ndeps++;
		unowned += !m->files[i].package;
	}
	fprintf(out, "\n%zu program%s, %zu dependencies", m->nprogs, m->nprogs == 1 ? "" : "s",
	        ndeps);
	if (m->packages_known)
		fprintf(out, ", %zu owned by Debian packages, %zu by none", ndeps - unowned,
		        unowned);
	fputc('\n', out);
	ew_buf_free(&b);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

/* ------------------------------------------------------------------------------------------ */
/* Tree: programs by who executed whom, with their dependencies                               */

static void tree_prog(FILE *out, struct ew_buf *b, const struct ew_manifest *m, size_t pi,
                      struct ew_buf *prefix, bool *visited)
{
	const struct ew_mprog *p = &m->progs[pi];
	visited[pi] = true;
	size_t nitems = p->nlibs + p->nexecuted;
	size_t inputs = 0;
	for (size_t k = 0; k < p->nfiles; k++)
		inputs += (m->files[p->files[k].file].roles & EW_MF_INPUT) &&
		          !m->files[p->files[k].file].system;
	nitems += inputs ? 1 : 0;
	nitems += p->nfailed ? 1 : 0;
	size_t item = 0;
	for (size_t k = 0; k < p->nlibs; k++) {
		const struct ew_mfile *f = &m->files[p->libs[k].file];
		fputs(prefix->ptr ? prefix->ptr : "", out);
		fputs(++item == nitems ? "`-- " : "|-- ", out);
		t_esc(out, b, f->path);
		fprintf(out, " (%s)", kind_name(p->libs[k].kind));
		if (m->packages_known)
			fprintf(out, " [%s]", f->package ? f->package : "no package");
		fputc('\n', out);
	}
	if (inputs) {
		fputs(prefix->ptr ? prefix->ptr : "", out);
		fprintf(out, "%s%zu input file%s\n", ++item == nitems ? "`-- " : "|-- ", inputs,
		        inputs == 1 ? "" : "s");
	}
	if (p->nfailed) {
		fputs(prefix->ptr ? prefix->ptr : "", out);
		fprintf(out, "%s%zu failed open%s\n", ++item == nitems ? "`-- " : "|-- ",
		        p->nfailed, p->nfailed == 1 ? "" : "s");
	}
	for (size_t k = 0; k < p->nexecuted; k++) {
		size_t ci = p->executed[k];
		bool last = ++item == nitems;
		fputs(prefix->ptr ? prefix->ptr : "", out);
		fputs(last ? "`-- " : "|-- ", out);
		t_esc(out, b, m->progs[ci].program);
		if (visited[ci] || ci == pi) {
			fputs(" (see above)\n", out);
			continue;
		}
		fputc('\n', out);
		size_t keep = prefix->len;
		(void)ew_buf_puts(prefix, last ? "    " : "|   ");
		tree_prog(out, b, m, ci, prefix, visited);
		prefix->len = keep;
		if (prefix->ptr)
			prefix->ptr[keep] = '\0';
	}
}

int ew_manifest_write_tree(FILE *out, const struct ew_manifest *m)
{
	bool *visited = calloc(m->nprogs ? m->nprogs : 1, sizeof(*visited));
	if (!visited)
		return -ENOMEM;
	struct ew_buf b = EW_BUF_INIT, prefix = EW_BUF_INIT;
	(void)ew_buf_puts(&prefix, "");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->nprogs; i++) {
			/* Roots first; then anything not reached (cycles, unknown parents). */
			if (visited[i] || (pass == 0 && m->progs[i].is_child))
				continue;
			t_esc(out, &b, m->progs[i].program);
			fputc('\n', out);
			tree_prog(out, &b, m, i, &prefix, visited);
		}
	}
	ew_buf_free(&b);
	ew_buf_free(&prefix);
	free(visited);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
