/* SPDX-License-Identifier: MIT */
/*
 * reader.c - opening an execwatch database read-only and building the report model
 * (contract: reader.h).
 */
#define _GNU_SOURCE
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap.h"
#include "sink/sqlite.h"

struct ew_report_db {
	sqlite3 *db;
};

struct sqlite3 *ew_report_sqlite(struct ew_report_db *db)
{
	return db ? db->db : NULL;
}

static void set_detail(struct ew_report_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_detail(struct ew_report_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
}

/* Maps a failed SQLite call on db: not a database -> -EMEDIUMTYPE, damaged -> -EUCLEAN,
 * anything else through the sink's mapping. Keeps SQLite's message in err->detail. */
static int db_fail(sqlite3 *db, int rc, struct ew_report_err *err)
{
	set_detail(err, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_NOTADB: return -EMEDIUMTYPE;
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
	case SQLITE_SCHEMA:
	case SQLITE_ERROR: /* a table or column that must exist is missing */
	case SQLITE_MISMATCH: return -EUCLEAN;
	default: {
		int e = ew_sink_sqlite_errno(rc, db ? sqlite3_system_errno(db) : 0);
		return e ? e : -EIO;
	}
	}
}

/* Runs a query returning one integer into *v (0 when there is no row). */
static int query_int(sqlite3 *db, const char *sql, int64_t *v, struct ew_report_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err);
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, rc, err);
	sqlite3_finalize(st);
	return r;
}

int ew_report_open(const char *path, struct ew_report_db **out, struct ew_report_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	/* open(2) first: its errno is the clearest explanation (SQLite only says "unable to
	 * open"), and it never creates the file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EMEDIUMTYPE;

	struct ew_report_db *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	char *name = ew_sink_sqlite_filename(path);
	if (!name) {
		free(h);
		return -ENOMEM;
	}
	int rc = sqlite3_open_v2(name, &h->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	free(name);
	if (rc != SQLITE_OK) {
		r = db_fail(h->db, rc, err);
		goto fail;
	}
	sqlite3_extended_result_codes(h->db, 1);
	/* A recording in progress may hold the write lock for a moment. */
	sqlite3_busy_timeout(h->db, 2000);

	int64_t app_id, user_version, meta_version;
	r = query_int(h->db, "PRAGMA application_id", &app_id, err);
	if (r < 0)
		goto fail;
	if (app_id != EW_SQLITE_APP_ID) {
		r = -EMEDIUMTYPE;
		goto fail;
	}
	r = query_int(h->db, "PRAGMA user_version", &user_version, err);
	if (r < 0)
		goto fail;
	if (err)
		err->schema_version = (int)user_version;
	if (user_version > EW_REPORT_SCHEMA_MAX) {
		r = -EPROTONOSUPPORT;
		goto fail;
	}
	r = query_int(h->db, "SELECT value FROM meta WHERE key = 'schema_version'", &meta_version,
	              err);
	if (r < 0)
		goto fail;
	if (meta_version > EW_REPORT_SCHEMA_MAX) {
		if (err)
			err->schema_version = (int)meta_version;
		r = -EPROTONOSUPPORT;
		goto fail;
	}
	if (user_version < 1 || meta_version != user_version) {
		set_detail(err, "schema version %lld in the header, %lld in table meta",
		           (long long)user_version, (long long)meta_version);
		r = -EUCLEAN;
		goto fail;
	}
	*out = h;
	return 0;
fail:
	ew_report_close(h);
	return r;
}

void ew_report_close(struct ew_report_db *db)
{
	if (!db)
		return;
	sqlite3_close(db->db);
	free(db);
}

/* ---------------------------------------------------------------------------------------------
 * JSON string arrays
 * ------------------------------------------------------------------------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hex4(const char *p, const char *end, uint32_t *v)
{
	if (end - p < 4)
		return -EINVAL;
	uint32_t x = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*v = x;
	return 0;
}

static int put_utf8(struct ew_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	return ew_buf_append(b, u, n);
}

/* Decodes the JSON string starting at *pp (at the opening quote) into out (cleared first). */
static int decode_string(const char **pp, const char *end, struct ew_buf *out)
{
	const char *p = *pp;
	ew_buf_clear(out);
	if (p >= end || *p != '"')
		return -EINVAL;
	p++;
	for (;;) {
		const char *run = p;
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p > run) {
			int r = ew_buf_append(out, run, (size_t)(p - run));
			if (r < 0)
				return r;
		}
		if (p >= end)
			return -EINVAL;
		if (*p == '"')
			break;
		/* An escape. */
		if (end - p < 2)
			return -EINVAL;
		char c = p[1];
		p += 2;
		int r;
		switch (c) {
		case '"': r = ew_buf_putc(out, '"'); break;
		case '\\': r = ew_buf_putc(out, '\\'); break;
		case '/': r = ew_buf_putc(out, '/'); break;
		case 'b': r = ew_buf_putc(out, '\b'); break;
		case 'f': r = ew_buf_putc(out, '\f'); break;
		case 'n': r = ew_buf_putc(out, '\n'); break;
		case 'r': r = ew_buf_putc(out, '\r'); break;
		case 't': r = ew_buf_putc(out, '\t'); break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(p, end, &cp) < 0)
				return -EINVAL;
			p += 4;
			if (cp >= 0xdc80 && cp <= 0xdcff) {
				/* surrogateescape: the raw byte. */
				r = ew_buf_putc(out, (char)(cp & 0xff));
			} else if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' &&
			           p[1] == 'u' && hex4(p + 2, end, &lo) == 0 && lo >= 0xdc00 &&
			           lo <= 0xdfff) {
				p += 6;
				r = put_utf8(out, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				return -EINVAL; /* a lone surrogate execwatch never writes */
			} else {
				r = put_utf8(out, cp);
			}
			break;
		}
		default: return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	*pp = p + 1;
	return 0;
}

int ew_report_decode_strv(struct ew_arena *arena, const char *json, size_t len,
                          struct ew_report_strv *out)
{
	const char *p = json, *end = json + len;
	struct ew_buf s = EW_BUF_INIT;
	struct ew_str *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	p = skip_ws(p, end);
	if (p >= end || *p != '[') {
		r = -EINVAL;
		goto out;
	}
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']') {
		p++;
		goto done;
	}
	for (;;) {
		r = decode_string(&p, end, &s);
		if (r < 0)
			goto out;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ew_str *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		v[n] = ew_arena_str(arena, s.ptr ? s.ptr : "", s.len);
		if (!v[n].ptr) {
			r = -ENOMEM;
			goto out;
		}
		n++;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == ']') {
			p++;
			break;
		}
		r = -EINVAL;
		goto out;
	}
done:
	if (skip_ws(p, end) != end) {
		r = -EINVAL;
		goto out;
	}
	out->count = n;
	out->v = ew_arena_alloc(arena, (n ? n : 1) * sizeof(*out->v));
	if (!out->v) {
		r = -ENOMEM;
		goto out;
	}
	if (n)
		memcpy(out->v, v, n * sizeof(*v));
out:
	free(v);
	ew_buf_free(&s);
	return r;
}

/* ---------------------------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------------------------- */

struct loader {
	sqlite3 *db;
	struct ew_report *r;
	struct ew_report_err *err;
	struct ew_imap live; /* pid -> proc index + 1, for processes not seen exiting */
	size_t procs_cap, fails_cap;
};

/* A column as an arena byte string ({NULL, 0} for NULL). Sets *oom on allocation failure. */
static struct ew_str col_str(struct loader *L, sqlite3_stmt *st, int i, bool *oom)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return (struct ew_str){NULL, 0};
	/* blob access returns the stored bytes of TEXT and BLOB alike, without conversion. */
	const void *p = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	struct ew_str s = ew_arena_str(&L->r->arena, p ? p : "", n);
	if (!s.ptr)
		*oom = true;
	return s;
}

/* Decodes a JSON argv column; *bad when it is present but not a string array. */
static int col_strv(struct loader *L, sqlite3_stmt *st, int i, struct ew_report_strv *v,
                    bool *present, bool *bad)
{
	*present = sqlite3_column_type(st, i) != SQLITE_NULL;
	*bad = false;
	v->v = NULL;
	v->count = 0;
	if (!*present)
		return 0;
	const char *p = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	int r = ew_report_decode_strv(&L->r->arena, p ? p : "", n, v);
	if (r == -EINVAL) {
		*bad = true;
		v->v = NULL;
		v->count = 0;
		return 0;
	}
	return r;
}

static int load_run(struct loader *L)
{
	struct ew_report_run *run = &L->r->run;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(L->db,
	                            "SELECT backend, argv, attach_pid, root_pid, start_wall, "
	                            "end_wall, finished, status, events, lost, hostname, kernel, "
	                            "execwatch_version FROM runs ORDER BY id LIMIT 1",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(L->db, rc, L->err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		set_detail(L->err, "no run recorded in table runs");
		return -EUCLEAN;
	}
	if (rc != SQLITE_ROW) {
		int r = db_fail(L->db, rc, L->err);
		sqlite3_finalize(st);
		return r;
	}
	bool oom = false;
	run->backend = col_str(L, st, 0, &oom);
	int r = col_strv(L, st, 1, &run->argv, &run->has_argv, &run->argv_bad);
	run->attach_pid = sqlite3_column_int(st, 2);
	run->root_pid = sqlite3_column_int(st, 3);
	run->start_wall = sqlite3_column_int64(st, 4);
	run->end_wall = sqlite3_column_int64(st, 5);
	run->finished = sqlite3_column_int(st, 6) != 0;
	run->status = sqlite3_column_int(st, 7);
	run->events = sqlite3_column_int64(st, 8);
	run->lost = sqlite3_column_int64(st, 9);
	run->hostname = col_str(L, st, 10, &oom);
	run->kernel = col_str(L, st, 11, &oom);
	run->execwatch_version = col_str(L, st, 12, &oom);
	sqlite3_finalize(st);
	if (!r && oom)
		r = -ENOMEM;
	return r;
}

/* Creates a live process (not yet linked into the tree); EW_REPORT_NONE on ENOMEM. */
static size_t new_proc(struct loader *L, int32_t pid, int32_t ppid, uint64_t seq,
                       struct ew_str program)
{
	struct ew_report *r = L->r;
	if (r->nprocs == L->procs_cap) {
		size_t cap = L->procs_cap ? L->procs_cap * 2 : 64;
		struct ew_report_proc *n = realloc(r->procs, cap * sizeof(*n));
		if (!n)
			return EW_REPORT_NONE;
		r->procs = n;
		L->procs_cap = cap;
	}
	size_t i = r->nprocs;
	if (ew_imap_put(&L->live, pid, (void *)(uintptr_t)(i + 1)) < 0)
		return EW_REPORT_NONE;
	r->nprocs++;
	r->procs[i] = (struct ew_report_proc){
	    .pid = pid,
	    .ppid = ppid,
	    .seq = seq,
	    .program = program,
	    .program_inherited = true,
	    .parent = EW_REPORT_NONE,
	    .first_child = EW_REPORT_NONE,
	    .last_child = EW_REPORT_NONE,
	    .next_sibling = EW_REPORT_NONE,
	};
	return i;
}

/* Appends child i to parent p's children (or to the roots when p is NONE). */
static void link_child(struct ew_report *r, size_t p, size_t i)
{
	size_t *first = p == EW_REPORT_NONE ? &r->first_root : &r->procs[p].first_child;
	size_t *last = p == EW_REPORT_NONE ? &r->last_root : &r->procs[p].last_child;
	r->procs[i].parent = p;
	r->procs[i].next_sibling = EW_REPORT_NONE;
	if (*last == EW_REPORT_NONE)
		*first = i;
	else
		r->procs[*last].next_sibling = i;
	*last = i;
}

/* Detaches i from its parent's (or the roots') children. */
static void unlink_child(struct ew_report *r, size_t i)
{
	size_t p = r->procs[i].parent;
	size_t *first = p == EW_REPORT_NONE ? &r->first_root : &r->procs[p].first_child;
	size_t *last = p == EW_REPORT_NONE ? &r->last_root : &r->procs[p].last_child;
	size_t prev = EW_REPORT_NONE;
	for (size_t c = *first; c != EW_REPORT_NONE; prev = c, c = r->procs[c].next_sibling) {
		if (c != i)
			continue;
		if (prev == EW_REPORT_NONE)
			*first = r->procs[c].next_sibling;
		else
			r->procs[prev].next_sibling = r->procs[c].next_sibling;
		if (*last == i)
			*last = prev;
		break;
	}
	r->procs[i].parent = EW_REPORT_NONE;
	r->procs[i].next_sibling = EW_REPORT_NONE;
}

static size_t live_get(struct loader *L, int32_t pid)
{
	void *v = pid >= 0 ? ew_imap_get(&L->live, pid) : NULL;
	return v ? (size_t)(uintptr_t)v - 1 : EW_REPORT_NONE;
}

/* The live process pid, created (child of its live parent ppid, else a root) when unknown. */
static size_t proc_of(struct loader *L, int32_t pid, int32_t ppid, uint64_t seq, struct ew_str exe)
{
	size_t i = live_get(L, pid);
	if (i != EW_REPORT_NONE)
		return i;
	size_t parent = ppid > 0 ? live_get(L, ppid) : EW_REPORT_NONE;
	i = new_proc(L, pid, ppid, seq, exe);
	if (i != EW_REPORT_NONE)
		link_child(L->r, parent, i);
	return i;
}

/* Event columns shared by the three queries: seq, pid, ppid, exe. */
#define EVQ(cols, table)                                                                           \
	"SELECT seq, pid, coalesce(ppid, 0), exe, " cols " FROM " table " ORDER BY seq"

static int ev_fork(struct loader *L, sqlite3_stmt *st)
{
	bool oom = false;
	uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
	int32_t pid = sqlite3_column_int(st, 1);
	int32_t ppid = sqlite3_column_int(st, 2);
	struct ew_str exe = col_str(L, st, 3, &oom);
	int32_t child = sqlite3_column_int(st, 4);
	if (oom)
		return -ENOMEM;
	size_t parent = proc_of(L, pid, ppid, seq, exe);
	if (parent == EW_REPORT_NONE)
		return -ENOMEM;
	struct ew_report *r = L->r;
	size_t c = live_get(L, child);
	if (c != EW_REPORT_NONE && !r->procs[c].forked && !r->procs[c].exited && c != parent) {
		/* The child's own events came first: adopt it. */
		unlink_child(r, c);
		link_child(r, parent, c);
		r->procs[c].forked = true;
		r->procs[c].ppid = pid;
		return 0;
	}
	/* Inherits what the parent runs now. */
	c = new_proc(L, child, pid, seq, r->procs[parent].program);
	if (c == EW_REPORT_NONE)
		return -ENOMEM;
	link_child(r, parent, c);
	r->procs[c].forked = true;
	return 0;
}

static int add_fail(struct loader *L, const struct ew_report_fail *f)
{
	struct ew_report *r = L->r;
	if (r->nfails == L->fails_cap) {
		size_t cap = L->fails_cap ? L->fails_cap * 2 : 32;
		struct ew_report_fail *n = realloc(r->fails, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->fails = n;
		L->fails_cap = cap;
	}
	r->fails[r->nfails++] = *f;
	return 0;
}

static int ev_exec(struct loader *L, sqlite3_stmt *st)
{
	bool oom = false;
	uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
	int32_t pid = sqlite3_column_int(st, 1);
	int32_t ppid = sqlite3_column_int(st, 2);
	struct ew_str exe = col_str(L, st, 3, &oom);
	int64_t retval = sqlite3_column_int64(st, 4);
	if (oom)
		return -ENOMEM;
	size_t i = proc_of(L, pid, ppid, seq, exe);
	if (i == EW_REPORT_NONE)
		return -ENOMEM;
	struct ew_report_proc *p = &L->r->procs[i];
	if (retval == 0) {
		struct ew_str procname = col_str(L, st, 5, &oom);
		struct ew_str new_exe = col_str(L, st, 11, &oom);
		struct ew_str path = col_str(L, st, 6, &oom);
		if (oom)
			return -ENOMEM;
		p->execs_ok++;
		p->program = procname.ptr ? procname : new_exe.ptr ? new_exe : path;
		p->program_inherited = false;
		return col_strv(L, st, 7, &p->argv, &p->has_argv, &p->argv_bad);
	}
	p->execs_failed++;
	struct ew_report_fail f = {
	    .seq = seq,
	    .pid = pid,
	    .tid = sqlite3_column_int(st, 10),
	    .syscall = col_str(L, st, 8, &oom),
	    .path = col_str(L, st, 6, &oom),
	    .procname = col_str(L, st, 5, &oom),
	    .errno_name = col_str(L, st, 9, &oom),
	    .errno_text = col_str(L, st, 12, &oom),
	    .retval = retval,
	};
	if (oom)
		return -ENOMEM;
	p->last_errno = f.errno_name.ptr;
	return add_fail(L, &f);
}

static int ev_exit(struct loader *L, sqlite3_stmt *st)
{
	bool oom = false;
	uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
	int32_t pid = sqlite3_column_int(st, 1);
	int32_t ppid = sqlite3_column_int(st, 2);
	struct ew_str exe = col_str(L, st, 3, &oom);
	if (oom)
		return -ENOMEM;
	size_t i = proc_of(L, pid, ppid, seq, exe);
	if (i == EW_REPORT_NONE)
		return -ENOMEM;
	struct ew_report_proc *p = &L->r->procs[i];
	p->exited = true;
	p->signaled = sqlite3_column_int(st, 4) != 0;
	p->code = sqlite3_column_int(st, 5);
	p->signal = sqlite3_column_int(st, 6);
	p->core_dumped = sqlite3_column_int(st, 7) != 0;
	p->status = sqlite3_column_int(st, 8);
	/* The pid may be reused by a later, different process. */
	ew_imap_del(&L->live, pid);
	return 0;
}

enum { Q_FORK, Q_EXEC, Q_EXIT, Q__COUNT };

static int load_tree(struct loader *L)
{
	static const char *const sql[Q__COUNT] = {
	    [Q_FORK] = EVQ("child_pid", "forks WHERE kind = 'process'"),
	    [Q_EXEC] = EVQ("retval, procname, path, argv, syscall, errno_name, tid, new_exe, "
	                   "errno_text",
	                   "execs"),
	    [Q_EXIT] = EVQ("signaled, coalesce(code, 0), coalesce(signal, 0), core_dumped, "
	                   "status",
	                   "exits WHERE thread = 0"),
	};
	int (*const handler[Q__COUNT])(struct loader *, sqlite3_stmt *) = {
	    [Q_FORK] = ev_fork, [Q_EXEC] = ev_exec, [Q_EXIT] = ev_exit};
	sqlite3_stmt *st[Q__COUNT] = {NULL};
	bool has_row[Q__COUNT] = {false};
	int r = 0;

	for (int q = 0; q < Q__COUNT && !r; q++) {
		int rc = sqlite3_prepare_v2(L->db, sql[q], -1, &st[q], NULL);
		if (rc != SQLITE_OK)
			r = db_fail(L->db, rc, L->err);
	}
	for (int q = 0; q < Q__COUNT && !r; q++) {
		int rc = sqlite3_step(st[q]);
		has_row[q] = rc == SQLITE_ROW;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = db_fail(L->db, rc, L->err);
	}
	/* Merge the three seq-ordered streams: the tree depends on the order of events. */
	while (!r) {
		int best = -1;
		int64_t best_seq = 0;
		for (int q = 0; q < Q__COUNT; q++) {
			if (!has_row[q])
				continue;
			int64_t s = sqlite3_column_int64(st[q], 0);
			if (best < 0 || s < best_seq)
				best = q, best_seq = s;
		}
		if (best < 0)
			break;
		r = handler[best](L, st[best]);
		if (r)
			break;
		int rc = sqlite3_step(st[best]);
		has_row[best] = rc == SQLITE_ROW;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = db_fail(L->db, rc, L->err);
	}
	for (int q = 0; q < Q__COUNT; q++)
		sqlite3_finalize(st[q]);
	return r;
}

int ew_report_load(struct ew_report_db *db, struct ew_report **out, struct ew_report_err *err)
{
	struct ew_report *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->first_root = r->last_root = EW_REPORT_NONE;
	struct loader L = {.db = db->db, .r = r, .err = err, .live = EW_IMAP_INIT};
	/* One read transaction: a consistent snapshot even while a recording goes on. */
	int rc = sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL);
	int res = rc == SQLITE_OK ? 0 : db_fail(db->db, rc, err);
	int64_t version = 0;
	if (!res)
		res = query_int(db->db, "PRAGMA user_version", &version, err);
	r->run.schema_version = (int)version;
	if (!res)
		res = load_run(&L);
	if (!res)
		res = load_tree(&L);
	sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL);
	ew_imap_free(&L.live);
	if (res < 0) {
		ew_report_free(r);
		return res;
	}
	*out = r;
	return 0;
}

void ew_report_free(struct ew_report *r)
{
	if (!r)
		return;
	free(r->procs);
	free(r->fails);
	ew_arena_free(&r->arena);
	free(r);
}
