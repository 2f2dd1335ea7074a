/* SPDX-License-Identifier: MIT */
/* manifest.c - building the dependency manifest from a recording (manifest.h). */
#define _GNU_SOURCE
#include "manifest.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dpkg.h"
#include "execwatch.h"
#include "imap.h"
#include "report/reader.h"
#include "sink/sqlite.h"

/* ------------------------------------------------------------------------------------------ */
/* A string -> index map (open addressing)                                                    */

struct smap_slot {
	const char *key; /* borrowed from the manifest; NULL: empty */
	uint64_t hash;
	size_t val;
};

struct smap {
	struct smap_slot *slots;
	size_t cap, len;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool smap_get(const struct smap *m, const char *key, size_t *val)
{
	if (!m->cap)
		return false;
	uint64_t h = str_hash(key);
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct smap_slot *s = &m->slots[i];
		if (!s->key)
			return false;
		if (s->hash == h && !strcmp(s->key, key)) {
			*val = s->val;
			return true;
		}
	}
}

static int smap_put(struct smap *m, const char *key, size_t val)
{
	if ((m->len + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		struct smap_slot *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].key)
				continue;
			size_t j = m->slots[i].hash & (ncap - 1);
			while (ns[j].key)
				j = (j + 1) & (ncap - 1);
			ns[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	uint64_t h = str_hash(key);
	size_t i = h & (m->cap - 1);
	while (m->slots[i].key) {
		if (m->slots[i].hash == h && !strcmp(m->slots[i].key, key)) {
			m->slots[i].val = val;
			return 0;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->slots[i] = (struct smap_slot){key, h, val};
	m->len++;
	return 0;
}

static void smap_free(struct smap *m)
{
	free(m->slots);
	*m = (struct smap){0};
}

struct priv {
	struct smap files, progs;
	struct ew_imap current; /* pid -> 1 + program index */
};

/* ------------------------------------------------------------------------------------------ */
/* Building                                                                                   */

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!t)
		return NULL;
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, t, n);
		s[n] = '\0';
		/* A path cannot hold NUL; a stored one that does is cut there. */
	}
	return s;
}

static bool is_system_path(const char *p)
{
	static const char *const roots[] = {"/proc", "/sys", "/dev"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(roots[i]);
		if (!strncmp(p, roots[i], n) && (p[n] == '/' || p[n] == '\0'))
			return true;
	}
	return p[0] != '/';
}

#define GROW(arr, n, cap)                                                                          \
	({                                                                                         \
		int _r = 0;                                                                        \
		if ((n) == (cap)) {                                                                \
			size_t _c = (cap) ? (cap)*2 : 8;                                           \
			void *_p = realloc((arr), _c * sizeof(*(arr)));                            \
			if (_p) {                                                                  \
				(arr) = _p;                                                        \
				(cap) = _c;                                                        \
			} else {                                                                   \
				_r = -ENOMEM;                                                      \
			}                                                                          \
		}                                                                                  \
		_r;                                                                                \
	})

struct builder {
	struct ew_manifest *m;
	struct priv *p;
	size_t cap_files, cap_progs;
};

/* Index of path's file entry (created); owns path from now on. SIZE_MAX on ENOMEM. */
static size_t file_of(struct builder *b, char *path)
{
	size_t idx;
	if (smap_get(&b->p->files, path, &idx)) {
		free(path);
		return idx;
	}
	struct ew_manifest *m = b->m;
	if (GROW(m->files, m->nfiles, b->cap_files) < 0) {
		free(path);
		return SIZE_MAX;
	}
	idx = m->nfiles;
	m->files[idx] = (struct ew_mfile){.path = path, .system = is_system_path(path)};
	if (smap_put(&b->p->files, path, idx) < 0) {
		free(path);
		return SIZE_MAX;
	}
	m->nfiles++;
	return idx;
}

static size_t prog_of(struct builder *b, const char *path)
{
	size_t idx;
	if (smap_get(&b->p->progs, path, &idx))
		return idx;
	char *copy = strdup(path);
	if (!copy)
		return SIZE_MAX;
	size_t f = file_of(b, copy);
	if (f == SIZE_MAX)
		return SIZE_MAX;
	struct ew_manifest *m = b->m;
	if (GROW(m->progs, m->nprogs, b->cap_progs) < 0)
		return SIZE_MAX;
	idx = m->nprogs;
	m->progs[idx] = (struct ew_mprog){.program = m->files[f].path, .file = f};
	if (smap_put(&b->p->progs, m->progs[idx].program, idx) < 0)
		return SIZE_MAX;
	m->nprogs++;
	m->files[f].roles |= EW_MF_PROGRAM;
	return idx;
}

/* The program pid runs now; exe_col (the event's exe) when the pid's history is unknown. */
static size_t current_prog(struct builder *b, int32_t pid, sqlite3_stmt *st, int exe_col)
{
	void *v = ew_imap_get(&b->p->current, pid);
	if (v)
		return (size_t)(uintptr_t)v - 1;
	const unsigned char *exe = sqlite3_column_text(st, exe_col);
	if (!exe || exe[0] != '/')
		return SIZE_MAX;
	size_t idx = prog_of(b, (const char *)exe);
	if (idx != SIZE_MAX)
		(void)ew_imap_put(&b->p->current, pid, (void *)(uintptr_t)(idx + 1));
	return idx;
}

/* Finds (or adds) the reference to file f in a program's list. */
static struct ew_mref *ref_of(struct ew_mref **list, size_t *n, size_t f)
{
	for (size_t i = *n; i-- > 0;)
		if ((*list)[i].file == f)
			return &(*list)[i];
	struct ew_mref *v = realloc(*list, (*n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*list = v;
	v[*n] = (struct ew_mref){.file = f, .kind = -1};
	return &v[(*n)++];
}

static int on_exec(struct builder *b, sqlite3_stmt *st)
{
	int32_t pid = sqlite3_column_int(st, 2);
	const unsigned char *procname = sqlite3_column_text(st, 4);
	const unsigned char *new_exe = sqlite3_column_text(st, 11);
	bool script = (sqlite3_column_int64(st, 9) & EW_EXEC_SCRIPT) != 0;
	if (!procname)
		return 0;
	/* Keyed by the resolved path (/proc/PID/exe after the exec); a script by its own path
	 * (its exe is the interpreter). */
	const char *key = (const char *)procname;
	if (!script && new_exe && new_exe[0] == '/')
		key = (const char *)new_exe;
	void *v = ew_imap_get(&b->p->current, pid);
	size_t before = v ? (size_t)(uintptr_t)v - 1 : SIZE_MAX;
	size_t pi = prog_of(b, key);
	if (pi == SIZE_MAX)
		return -ENOMEM;
	struct ew_mprog *pr = &b->m->progs[pi];
	struct ew_mrun run = {
	    .pid = pid,
	    .ppid = sqlite3_column_int(st, 3),
	    .seq = (uint64_t)sqlite3_column_int64(st, 0),
	    .cwd = dup_col(st, 5),
	    .argv_json = dup_col(st, 6),
	    .env_json = dup_col(st, 7),
	    .interp = dup_col(st, 8),
	    .script = script,
	    .invoked = strdup((const char *)procname),
	};
	struct ew_mrun *runs = realloc(pr->runs, (pr->nruns + 1) * sizeof(*runs));
	if (!runs) {
		free(run.cwd);
		free(run.argv_json);
		free(run.env_json);
		free(run.interp);
		free(run.invoked);
		return -ENOMEM;
	}
	pr->runs = runs;
	runs[pr->nruns++] = run;
	if (strcmp(key, (const char *)procname)) {
		/* The path exec'd (a symlink, an alternative) is needed too. */
		char *ip = strdup((const char *)procname);
		size_t f = ip ? file_of(b, ip) : SIZE_MAX;
		if (f == SIZE_MAX)
			return -ENOMEM;
		b->m->files[f].roles |= EW_MF_PROGRAM;
	}
	if (run.script && run.interp) {
		char *ip = strdup(run.interp);
		size_t f = ip ? file_of(b, ip) : SIZE_MAX;
		if (f == SIZE_MAX)
			return -ENOMEM;
		b->m->files[f].roles |= EW_MF_INTERP;
	}
	if (before != SIZE_MAX) {
		struct ew_mprog *ex = &b->m->progs[before];
		bool have = false;
		for (size_t i = 0; i < ex->nexecuted; i++)
			have |= ex->executed[i] == pi;
		if (!have) {
			size_t *e = realloc(ex->executed, (ex->nexecuted + 1) * sizeof(*e));
			if (!e)
				return -ENOMEM;
			ex->executed = e;
			e[ex->nexecuted++] = pi;
		}
		if (before != pi)
			b->m->progs[pi].is_child = true;
	}
	return ew_imap_put(&b->p->current, pid, (void *)(uintptr_t)(pi + 1));
}

static int on_fork(struct builder *b, sqlite3_stmt *st)
{
	int32_t parent = sqlite3_column_int(st, 2);
	int32_t child = sqlite3_column_int(st, 3);
	size_t pi = current_prog(b, parent, st, 10);
	if (pi == SIZE_MAX) {
		ew_imap_del(&b->p->current, child);
		return 0;
	}
	return ew_imap_put(&b->p->current, child, (void *)(uintptr_t)(pi + 1));
}

static int on_library(struct builder *b, sqlite3_stmt *st)
{
	int32_t pid = sqlite3_column_int(st, 2);
	size_t pi = current_prog(b, pid, st, 10);
	char *path = dup_col(st, 4);
	if (pi == SIZE_MAX || !path) {
		free(path);
		return 0;
	}
	size_t f = file_of(b, path);
	if (f == SIZE_MAX)
		return -ENOMEM;
	struct ew_mprog *pr = &b->m->progs[pi];
	struct ew_mref *r = ref_of(&pr->libs, &pr->nlibs, f);
	if (!r)
		return -ENOMEM;
	const char *kind = (const char *)sqlite3_column_text(st, 5);
	int k = kind ? EW_LIB_DLOPEN : -1; /* -1: not recorded (schema 1) */
	for (int i = 0; i <= EW_LIB_DLOPEN; i++)
		if (kind && !strcmp(kind, ew_lib_kind_name((enum ew_lib_kind)i)))
			k = i;
	/* The strongest reason wins: seen at exec as the program, else needed, else dlopen. */
	if (r->kind < 0 || (k >= 0 && k < r->kind))
		r->kind = k;
	if (!r->soname)
		r->soname = dup_col(st, 6);
	r->count++;
	b->m->files[f].roles |= k == EW_LIB_PROGRAM ? EW_MF_PROGRAM : EW_MF_LIBRARY;
	return 0;
}

static int on_file(struct builder *b, sqlite3_stmt *st)
{
	int32_t pid = sqlite3_column_int(st, 2);
	size_t pi = current_prog(b, pid, st, 10);
	char *path = dup_col(st, 4);
	if (pi == SIZE_MAX || !path) {
		free(path);
		return 0;
	}
	uint32_t how = (uint32_t)sqlite3_column_int64(st, 9);
	size_t f = file_of(b, path);
	if (f == SIZE_MAX)
		return -ENOMEM;
	struct ew_mprog *pr = &b->m->progs[pi];
	struct ew_mfile *mf = &b->m->files[f];
	if (how & EW_FILE_FAILED) {
		struct ew_mref *r = ref_of(&pr->failed, &pr->nfailed, f);
		if (!r)
			return -ENOMEM;
		r->how |= how;
		r->count++;
		free(r->errno_name);
		r->errno_name = dup_col(st, 5);
		return 0;
	}
	struct ew_mref *r = ref_of(&pr->files, &pr->nfiles, f);
	if (!r)
		return -ENOMEM;
	r->how |= how;
	r->count++;
	if (!r->caller)
		r->caller = dup_col(st, 11);
	if (!mf->opened) {
		mf->opened = true;
		mf->writes_first = (how & (EW_FILE_WRITE | EW_FILE_CREATE)) != 0;
	}
	if (how & EW_FILE_DIRECTORY)
		mf->roles |= EW_MF_DIR;
	else if ((how & (EW_FILE_READ | EW_FILE_WRITE | EW_FILE_CREATE)) == 0)
		mf->roles |= EW_MF_OTHER;
	if (!(how & EW_FILE_DIRECTORY)) {
		if ((how & EW_FILE_READ) && !mf->writes_first)
			mf->roles |= EW_MF_INPUT;
		if (how & (EW_FILE_WRITE | EW_FILE_CREATE))
			mf->roles |= EW_MF_OUTPUT;
	}
	return 0;
}

static int load_run(sqlite3 *db, struct ew_manifest *m)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db,
	                            "SELECT argv, hostname, kernel, machine, finished, status, "
	                            "start_wall FROM runs ORDER BY id LIMIT 1",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK)
		return ew_sink_sqlite_errno(rc, 0);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m->command_json = dup_col(st, 0);
		m->hostname = dup_col(st, 1);
		m->kernel = dup_col(st, 2);
		m->machine = dup_col(st, 3);
		m->finished = sqlite3_column_int(st, 4) != 0;
		m->status = sqlite3_column_int(st, 5);
		m->start_wall = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	return 0;
}

/* The %s are column names, or NULL for a database written before they existed (schema 1 has
 * neither libraries.kind nor libraries.soname; early schema 2 files lack files.caller). */
static const char events_sql[] =
    "SELECT seq, 0, pid, ppid, procname, cwd, argv, "
    "(SELECT env FROM environments WHERE id = env_id), interp, flags, exe, new_exe "
    "FROM execs WHERE retval = 0 "
    "UNION ALL SELECT seq, 1, pid, child_pid, NULL, NULL, NULL, NULL, NULL, 0, exe, NULL "
    "FROM forks WHERE kind = 'process' "
    "UNION ALL SELECT seq, 2, pid, ppid, path, %s, %s, NULL, NULL, 0, exe, NULL "
    "FROM libraries "
    "UNION ALL SELECT seq, 3, pid, ppid, path, errno_name, NULL, NULL, NULL, how, exe, %s "
    "FROM files ORDER BY 1";

static bool has_column(sqlite3 *db, const char *table, const char *col)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'", table,
	         col);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	bool yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* Attaches the stored digests (table `digests`, schema 2) to the files. */
static int load_digests(sqlite3 *db, struct ew_manifest *m)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT dev, ino, size, mtime, ctime, sha256, error, mode FROM digests "
	    "WHERE path = ?",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return 0; /* an older schema: no table */
	for (size_t i = 0; i < m->nfiles; i++) {
		struct ew_mfile *f = &m->files[i];
		sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			struct ew_digest *d = &f->dg;
			memset(d, 0, sizeof(*d));
			d->stat_ok = sqlite3_column_type(st, 0) != SQLITE_NULL;
			d->dev = (uint64_t)sqlite3_column_int64(st, 0);
			d->ino = (uint64_t)sqlite3_column_int64(st, 1);
			d->size = sqlite3_column_int64(st, 2);
			d->mtime_ns = sqlite3_column_int64(st, 3);
			d->ctime_ns = sqlite3_column_int64(st, 4);
			d->mode = (uint32_t)sqlite3_column_int64(st, 7);
			const unsigned char *sha = sqlite3_column_text(st, 5);
			if (sha && strlen((const char *)sha) == 64) {
				memcpy(d->sha256, sha, 65);
				d->has_sha = true;
			}
			const unsigned char *err = sqlite3_column_text(st, 6);
			if (err) {
				/* Errors are a small fixed set: keep a static name. */
				static const char *const known[] = {
				    "directory", "not a regular file",
				    "ENOENT",    "EACCES",
				    "EPERM",     "ELOOP",
				    "ENOTDIR",   "EIO"};
				d->error = "error";
				for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
					if (!strcmp((const char *)err, known[k]))
						d->error = known[k];
			}
			f->digested = true;
			m->stored_digests = true;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

int ew_manifest_load(const char *path, struct ew_manifest **out, struct ew_report_err *err)
{
	struct ew_report_db *rdb = NULL;
	int r = ew_report_open(path, &rdb, err);
	if (r < 0)
		return r;
	sqlite3 *db = ew_report_sqlite(rdb);
	struct ew_manifest *m = calloc(1, sizeof(*m));
	struct priv *p = calloc(1, sizeof(*p));
	if (!m || !p || !(m->db_path = strdup(path))) {
		free(m);
		free(p);
		ew_report_close(rdb);
		return -ENOMEM;
	}
	m->priv = p;
	struct builder b = {m, p, 0, 0};
	r = load_run(db, m);
	sqlite3_stmt *st = NULL;
	if (!r) {
		char sql[sizeof(events_sql) + 32];
		bool v2 = has_column(db, "libraries", "kind");
		snprintf(sql, sizeof(sql), events_sql, v2 ? "kind" : "NULL", v2 ? "soname" : "NULL",
		         has_column(db, "files", "caller") ? "caller" : "NULL");
		int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
		if (rc != SQLITE_OK) {
			if (err)
				snprintf(err->detail, sizeof(err->detail), "%s",
				         sqlite3_errmsg(db));
			r = -EUCLEAN;
		}
	}
	while (!r) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			r = ew_sink_sqlite_errno(rc, sqlite3_system_errno(db));
			if (err)
				snprintf(err->detail, sizeof(err->detail), "%s",
				         sqlite3_errmsg(db));
			break;
		}
		switch (sqlite3_column_int(st, 1)) {
		case 0: r = on_exec(&b, st); break;
		case 1: r = on_fork(&b, st); break;
		case 2: r = on_library(&b, st); break;
		default: r = on_file(&b, st); break;
		}
	}
	sqlite3_finalize(st);
	if (!r)
		r = load_digests(db, m);
	ew_report_close(rdb);
	ew_imap_free(&p->current);
	if (r < 0) {
		ew_manifest_free(m);
		return r;
	}
	*out = m;
	return 0;
}

static void refs_free(struct ew_mref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].soname);
		free(v[i].errno_name);
		free(v[i].caller);
	}
	free(v);
}

void ew_manifest_free(struct ew_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nprogs; i++) {
		struct ew_mprog *p = &m->progs[i];
		for (size_t k = 0; k < p->nruns; k++) {
			free(p->runs[k].argv_json);
			free(p->runs[k].env_json);
			free(p->runs[k].cwd);
			free(p->runs[k].interp);
			free(p->runs[k].invoked);
		}
		free(p->runs);
		refs_free(p->libs, p->nlibs);
		refs_free(p->files, p->nfiles);
		refs_free(p->failed, p->nfailed);
		free(p->executed);
	}
	free(m->progs);
	for (size_t i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		free(m->files[i].package);
	}
	free(m->files);
	struct priv *p = m->priv;
	if (p) {
		smap_free(&p->files);
		smap_free(&p->progs);
		ew_imap_free(&p->current);
		free(p);
	}
	free(m->db_path);
	free(m->command_json);
	free(m->hostname);
	free(m->kernel);
	free(m->machine);
	free(m);
}

bool ew_mfile_is_dep(const struct ew_mfile *f)
{
	return !f->system &&
	       (f->roles & (EW_MF_PROGRAM | EW_MF_INTERP | EW_MF_LIBRARY | EW_MF_INPUT)) != 0;
}

/* Files worth a digest: anything the run used, outside /proc, /sys and /dev. */
static bool wants_digest(const struct ew_mfile *f)
{
	return !f->system && f->roles != 0;
}

int ew_manifest_digest(struct ew_manifest *m, struct ew_hashcache *c)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		struct ew_mfile *f = &m->files[i];
		if (f->digested || !wants_digest(f))
			continue;
		(void)ew_digest_file(c, f->path, &f->dg);
		f->digested = true;
	}
	return 0;
}

int ew_manifest_packages(struct ew_manifest *m, const char *admindir)
{
	const char **paths = calloc(m->nfiles ? m->nfiles : 1, sizeof(*paths));
	char **owners = calloc(m->nfiles ? m->nfiles : 1, sizeof(*owners));
	size_t *idx = calloc(m->nfiles ? m->nfiles : 1, sizeof(*idx));
	int r = 0;
	if (!paths || !owners || !idx) {
		r = -ENOMEM;
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < m->nfiles; i++) {
		if (!wants_digest(&m->files[i]))
			continue;
		paths[n] = m->files[i].path;
		idx[n++] = i;
	}
	r = ew_dpkg_owners(admindir, ew_dpkg_merged_dirs("/"), paths, n, owners);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	m->packages_known = true;
	for (size_t k = 0; k < n; k++) {
		free(m->files[idx[k]].package);
		m->files[idx[k]].package = owners[k];
	}
out:
	free(paths);
	free(owners);
	free(idx);
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Sealing: the digests table                                                                 */

int ew_deps_seal(const char *path, struct ew_hashcache *c)
{
	struct ew_manifest *m;
	int r = ew_manifest_load(path, &m, NULL);
	if (r < 0)
		return r;
	(void)ew_manifest_digest(m, c);
	char *name = ew_sink_sqlite_filename(path);
	sqlite3 *db = NULL;
	int rc = name ? sqlite3_open_v2(name, &db, SQLITE_OPEN_READWRITE, NULL) : SQLITE_NOMEM;
	free(name);
	sqlite3_stmt *st = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    db,
		    "INSERT OR REPLACE INTO digests (path, dev, ino, size, mtime, "
		    "ctime, sha256, error, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < m->nfiles; i++) {
		const struct ew_mfile *f = &m->files[i];
		if (!f->digested)
			continue;
		const struct ew_digest *d = &f->dg;
		sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
		if (d->stat_ok) {
			sqlite3_bind_int64(st, 2, (int64_t)d->dev);
			sqlite3_bind_int64(st, 3, (int64_t)d->ino);
			sqlite3_bind_int64(st, 4, d->size);
			sqlite3_bind_int64(st, 5, d->mtime_ns);
			sqlite3_bind_int64(st, 6, d->ctime_ns);
			sqlite3_bind_int64(st, 9, d->mode);
		} else {
			for (int k = 2; k <= 6; k++)
				sqlite3_bind_null(st, k);
			sqlite3_bind_null(st, 9);
		}
		if (d->has_sha)
			sqlite3_bind_text(st, 7, d->sha256, 64, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		if (d->error)
			sqlite3_bind_text(st, 8, d->error, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 8);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	else if (db)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	r = rc == SQLITE_OK ? 0 : ew_sink_sqlite_errno(rc, db ? sqlite3_system_errno(db) : 0);
	sqlite3_close(db);
	ew_manifest_free(m);
	return r;
}
