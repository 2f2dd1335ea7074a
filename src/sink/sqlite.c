/* SPDX-License-Identifier: MIT */
/*
 * sqlite.c - the SQLite sink (contract: sqlite.h; the file format: docs/SCHEMA.md).
 */
#define _GNU_SOURCE
#include "sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "out.h" /* ew_sink_signame() */

/* One database file holds one run; its row in `runs` has this id. */
#define RUN_ID 1

/* Buffers grown past this by one huge exec are released rather than kept for the run. */
#define BUF_KEEP_MAX (1u << 20)

/* Recently stored environments, looked at before the hash index. */
#define ENV_CACHE 16

/* ---------------------------------------------------------------------------------------------
 * Schema (docs/SCHEMA.md). Byte-string columns are declared TEXT: TEXT affinity never converts
 * the TEXT or BLOB values execwatch binds (see bind_bstr()).
 * ------------------------------------------------------------------------------------------- */

/* clang-format off */
#define COMMON_DEFS                                                                            \
	"seq INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), "                  \
	"time_mono INTEGER NOT NULL, time_wall INTEGER NOT NULL, pid INTEGER NOT NULL, "          \
	"tid INTEGER NOT NULL, ppid INTEGER, comm TEXT, exe TEXT, backend TEXT, "
#define COMMON_COLS "seq, run_id, time_mono, time_wall, pid, tid, ppid, comm, exe, backend, "
#define COMMON_QS "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "

/* A file_info as columns P_dev ... P_mtime, all NULL when the file was not stat'ed. */
#define FILE_DEFS(p)                                                                           \
	p "_dev INTEGER, " p "_ino INTEGER, " p "_mode INTEGER, " p "_uid INTEGER, " p           \
	  "_gid INTEGER, " p "_size INTEGER, " p "_ctime INTEGER, " p "_mtime INTEGER"
#define FILE_COLS(p)                                                                           \
	p "_dev, " p "_ino, " p "_mode, " p "_uid, " p "_gid, " p "_size, " p "_ctime, " p "_mtime"
#define FILE_QS "?, ?, ?, ?, ?, ?, ?, ?"

#define EVENTS_VIEW_PART(type, table)                                                          \
	"SELECT seq, run_id, '" type "' AS type, time_mono, time_wall, pid, tid, ppid, comm, "  \
	"exe, backend FROM " table

static const char schema_sql[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;\n"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, backend TEXT, argv TEXT, attach_pid INTEGER, "
	"root_pid INTEGER, start_wall INTEGER, end_wall INTEGER, "
	"finished INTEGER NOT NULL DEFAULT 0, status INTEGER, events INTEGER NOT NULL DEFAULT 0, "
	"lost INTEGER NOT NULL DEFAULT 0, hostname TEXT, kernel TEXT, machine TEXT, "
	"execwatch_version TEXT, created_wall INTEGER);\n"
	"CREATE TABLE arches (arch INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
	"CREATE TABLE environments (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, "
	"count INTEGER NOT NULL, bytes INTEGER NOT NULL, env TEXT NOT NULL);\n"
	"CREATE INDEX environments_hash ON environments(hash);\n"
	"CREATE TABLE execs (" COMMON_DEFS
	"syscall TEXT, nr INTEGER, arch INTEGER, flags INTEGER NOT NULL, path TEXT, "
	"dirfd INTEGER, at_flags INTEGER, procname TEXT, "
	"argv TEXT NOT NULL, argc INTEGER NOT NULL, argv_flags INTEGER NOT NULL, "
	"argv_bytes INTEGER NOT NULL, "
	"env_id INTEGER NOT NULL REFERENCES environments(id), envc INTEGER NOT NULL, "
	"env_flags INTEGER NOT NULL, env_bytes INTEGER NOT NULL, "
	"cwd TEXT, retval INTEGER NOT NULL, errno_name TEXT, errno_text TEXT, " FILE_DEFS("bin")
	", interp TEXT, interp_arg TEXT, " FILE_DEFS("interp")
	", stdin_mode INTEGER, stdin_path TEXT, old_tid INTEGER, new_exe TEXT, "
	"fileless INTEGER GENERATED ALWAYS AS ((flags & 2) != 0) VIRTUAL, "
	"script INTEGER GENERATED ALWAYS AS ((flags & 4) != 0) VIRTUAL, "
	"elf INTEGER GENERATED ALWAYS AS ((flags & 8) != 0) VIRTUAL, "
	"kernel_invoked INTEGER GENERATED ALWAYS AS ((flags & 16) != 0) VIRTUAL, "
	"nonleader INTEGER GENERATED ALWAYS AS ((flags & 32) != 0) VIRTUAL, "
	"path_fault INTEGER GENERATED ALWAYS AS ((flags & 64) != 0) VIRTUAL, "
	"path_truncated INTEGER GENERATED ALWAYS AS ((flags & 128) != 0) VIRTUAL);\n"
	"CREATE INDEX execs_pid ON execs(pid);\n"
	"CREATE INDEX execs_retval ON execs(retval);\n"
	"CREATE TABLE forks (" COMMON_DEFS
	"syscall TEXT, child_pid INTEGER NOT NULL, child_tid INTEGER NOT NULL, "
	"kind TEXT NOT NULL, clone_flags INTEGER NOT NULL);\n"
	"CREATE INDEX forks_child_pid ON forks(child_pid);\n"
	"CREATE TABLE exits (" COMMON_DEFS
	"thread INTEGER NOT NULL, signaled INTEGER NOT NULL, code INTEGER, signal INTEGER, "
	"signal_name TEXT, core_dumped INTEGER NOT NULL, status INTEGER NOT NULL);\n"
	"CREATE INDEX exits_pid ON exits(pid);\n"
	"CREATE TABLE syscalls (" COMMON_DEFS
	"name TEXT NOT NULL, procname TEXT GENERATED ALWAYS AS (exe) VIRTUAL, nr INTEGER, "
	"arch INTEGER, time_enter INTEGER, time_exit INTEGER, returned INTEGER NOT NULL, "
	"nargs INTEGER NOT NULL, arg0 INTEGER, arg1 INTEGER, arg2 INTEGER, arg3 INTEGER, "
	"arg4 INTEGER, arg5 INTEGER, arg0_repr TEXT, arg1_repr TEXT, arg2_repr TEXT, "
	"arg3_repr TEXT, arg4_repr TEXT, arg5_repr TEXT, retno INTEGER, retno_repr TEXT, "
	"errno_name TEXT);\n"
	"CREATE TABLE files (" COMMON_DEFS
	"syscall TEXT, path TEXT, how INTEGER NOT NULL, open_flags INTEGER, retval INTEGER, "
	"errno_name TEXT, program TEXT, arg_path TEXT, dirfd INTEGER, caller TEXT);\n"
	"CREATE TABLE libraries (" COMMON_DEFS "path TEXT, " FILE_DEFS("file")
	", program TEXT, at_exec INTEGER NOT NULL, kind TEXT, soname TEXT);\n"
	"CREATE TABLE digests (path TEXT PRIMARY KEY NOT NULL, dev INTEGER, ino INTEGER, "
	"mode INTEGER, size INTEGER, mtime INTEGER, ctime INTEGER, sha256 TEXT, error TEXT) WITHOUT ROWID;\n"
	"CREATE TABLE policy (" COMMON_DEFS
	"action TEXT NOT NULL, check_name TEXT, path TEXT, rule TEXT, reason TEXT, tip TEXT);\n"
	"CREATE TABLE lost (" COMMON_DEFS "count INTEGER NOT NULL, source TEXT);\n"
	"CREATE VIEW events AS " EVENTS_VIEW_PART("exec", "execs") " UNION ALL "
	EVENTS_VIEW_PART("fork", "forks") " UNION ALL " EVENTS_VIEW_PART("exit", "exits")
	" UNION ALL " EVENTS_VIEW_PART("syscall", "syscalls") " UNION ALL "
	EVENTS_VIEW_PART("file", "files") " UNION ALL " EVENTS_VIEW_PART("library", "libraries")
	" UNION ALL " EVENTS_VIEW_PART("policy", "policy") " UNION ALL "
	EVENTS_VIEW_PART("lost", "lost") ";\n";

static const char insert_exec_sql[] =
	"INSERT INTO execs (" COMMON_COLS
	"syscall, nr, arch, flags, path, dirfd, at_flags, procname, argv, argc, argv_flags, "
	"argv_bytes, env_id, envc, env_flags, env_bytes, cwd, retval, errno_name, errno_text, "
	FILE_COLS("bin") ", interp, interp_arg, " FILE_COLS("interp")
	", stdin_mode, stdin_path, old_tid, new_exe) VALUES (" COMMON_QS
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " FILE_QS ", ?, ?, " FILE_QS
	", ?, ?, ?, ?)";

static const char insert_fork_sql[] =
	"INSERT INTO forks (" COMMON_COLS "syscall, child_pid, child_tid, kind, clone_flags) "
	"VALUES (" COMMON_QS "?, ?, ?, ?, ?)";

static const char insert_exit_sql[] =
	"INSERT INTO exits (" COMMON_COLS
	"thread, signaled, code, signal, signal_name, core_dumped, status) "
	"VALUES (" COMMON_QS "?, ?, ?, ?, ?, ?, ?)";

static const char insert_syscall_sql[] =
	"INSERT INTO syscalls (" COMMON_COLS
	"name, nr, arch, time_enter, time_exit, returned, nargs, arg0, arg1, arg2, arg3, arg4, "
	"arg5, arg0_repr, arg1_repr, arg2_repr, arg3_repr, arg4_repr, arg5_repr, retno, "
	"retno_repr, errno_name) VALUES (" COMMON_QS
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static const char insert_file_sql[] =
	"INSERT INTO files (" COMMON_COLS
	"syscall, path, how, open_flags, retval, errno_name, program, arg_path, dirfd, caller) "
	"VALUES (" COMMON_QS "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static const char insert_library_sql[] =
	"INSERT INTO libraries (" COMMON_COLS "path, " FILE_COLS("file")
	", program, at_exec, kind, soname) VALUES (" COMMON_QS "?, " FILE_QS ", ?, ?, ?, ?)";

static const char insert_policy_sql[] =
	"INSERT INTO policy (" COMMON_COLS "action, check_name, path, rule, reason, tip) "
	"VALUES (" COMMON_QS "?, ?, ?, ?, ?, ?)";

static const char insert_lost_sql[] =
	"INSERT INTO lost (" COMMON_COLS "count, source) VALUES (" COMMON_QS "?, ?)";

/* Prepared once, reused for every event. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_PROGRESS,
	ST_ENV_BY_ID,
	ST_ENV_BY_HASH,
	ST_ENV_INSERT,
	ST_EXEC,
	ST_FORK,
	ST_EXIT,
	ST_SYSCALL,
	ST_FILE,
	ST_LIBRARY,
	ST_POLICY,
	ST_LOST,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_PROGRESS] = "UPDATE runs SET events = ?, lost = ? WHERE id = ?",
	[ST_ENV_BY_ID] = "SELECT env FROM environments WHERE id = ?",
	[ST_ENV_BY_HASH] = "SELECT id, env FROM environments WHERE hash = ?",
	[ST_ENV_INSERT] = "INSERT INTO environments (hash, count, bytes, env) VALUES (?, ?, ?, ?)",
	[ST_EXEC] = insert_exec_sql,
	[ST_FORK] = insert_fork_sql,
	[ST_EXIT] = insert_exit_sql,
	[ST_SYSCALL] = insert_syscall_sql,
	[ST_FILE] = insert_file_sql,
	[ST_LIBRARY] = insert_library_sql,
	[ST_POLICY] = insert_policy_sql,
	[ST_LOST] = insert_lost_sql,
};

/* clang-format on */

struct env_cache_entry {
	uint64_t hash;
	size_t len;
	int64_t id; /* 0: unused */
};

struct sqlite_sink {
	struct ew_sink base;
	char *path;
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	bool in_txn;
	uint32_t txn_events;  /* events in the open transaction */
	uint64_t last_commit; /* CLOCK_MONOTONIC ns of the last commit (or of the start) */
	uint64_t events;      /* highest seq seen: the progress recorded in `runs` */
	uint64_t lost;        /* sum of EW_EV_LOST counts */
	struct ew_buf argv_json;
	struct ew_buf env_json;
	struct env_cache_entry env_cache[ENV_CACHE]; /* most recently used first */
};

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

int ew_sink_sqlite_errno(int rc, int sys_errno)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE: return 0;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_TOOBIG: return -E2BIG;
	case SQLITE_CANTOPEN: return sys_errno > 0 ? -sys_errno : -EACCES;
	case SQLITE_IOERR:
		if (rc == SQLITE_IOERR_NOMEM)
			return -ENOMEM;
		return sys_errno > 0 ? -sys_errno : -EIO;
	default: return -EIO;
	}
}

/* Records the first error of the sink from rc (a failed SQLite result); returns it. */
static int sq_fail(struct sqlite_sink *q, int rc)
{
	int e = ew_sink_sqlite_errno(rc, q->db ? sqlite3_system_errno(q->db) : 0);
	if (!e)
		e = -EIO;
	if (!q->base.error)
		q->base.error = e;
	return q->base.error;
}

/* ---------------------------------------------------------------------------------------------
 * Binding: every insert binds its parameters in order through a binder, which keeps the first
 * error and lets the caller check that all parameters were bound (no stale pointer survives
 * from the previous row).
 * ------------------------------------------------------------------------------------------- */

struct binder {
	sqlite3_stmt *st;
	int i;
	int rc;
};

static void b_rc(struct binder *b, int rc)
{
	if (rc != SQLITE_OK && b->rc == SQLITE_OK)
		b->rc = rc;
}

static void b_null(struct binder *b)
{
	b_rc(b, sqlite3_bind_null(b->st, ++b->i));
}

static void b_i64(struct binder *b, int64_t v)
{
	b_rc(b, sqlite3_bind_int64(b->st, ++b->i, v));
}

/* Unsigned values keep their bits: above INT64_MAX they read back negative (SCHEMA.md). */
static void b_u64(struct binder *b, uint64_t v)
{
	b_i64(b, (int64_t)v);
}

static void b_i64_if(struct binder *b, bool known, int64_t v)
{
	if (known)
		b_i64(b, v);
	else
		b_null(b);
}

/* A NUL-terminated ASCII/UTF-8 string from execwatch itself (names), or NULL. */
static void b_cstr(struct binder *b, const char *s)
{
	if (!s)
		b_null(b);
	else
		b_rc(b, sqlite3_bind_text(b->st, ++b->i, s, -1, SQLITE_STATIC));
}

/* Whether the bytes are valid UTF-8 (strict: no overlongs, no surrogates). ASCII is checked
 * eight bytes at a time: almost every string is ASCII. */
static bool is_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = ew_utf8_seq(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/*
 * A byte string, losslessly: TEXT when it is valid UTF-8, else a BLOB of the exact bytes;
 * NULL when absent. The bytes must stay valid until the statement is stepped (they do: the
 * event outlives the callback's insert).
 */
static void b_bstr(struct binder *b, struct ew_str s)
{
	if (!s.ptr) {
		b_null(b);
		return;
	}
	if (is_utf8(s.ptr, s.len))
		b_rc(b,
		     sqlite3_bind_text64(b->st, ++b->i, s.ptr, s.len, SQLITE_STATIC, SQLITE_UTF8));
	else
		b_rc(b, sqlite3_bind_blob64(b->st, ++b->i, s.ptr, s.len, SQLITE_STATIC));
}

/* Text known to be valid UTF-8 (rendered JSON). */
static void b_json(struct binder *b, const struct ew_buf *json)
{
	b_rc(b, sqlite3_bind_text64(b->st, ++b->i, json->ptr ? json->ptr : "", json->len,
	                            SQLITE_STATIC, SQLITE_UTF8));
}

static void b_file_info(struct binder *b, const struct ew_file_info *fi)
{
	if (!fi->valid) {
		for (int k = 0; k < 8; k++)
			b_null(b);
		return;
	}
	b_u64(b, fi->dev);
	b_u64(b, fi->ino);
	b_i64(b, fi->mode);
	b_i64(b, fi->uid);
	b_i64(b, fi->gid);
	b_i64(b, fi->size);
	b_i64(b, fi->ctime_ns);
	b_i64(b, fi->mtime_ns);
}

static void b_common(struct binder *b, const struct ew_event *ev)
{
	b_u64(b, ev->seq);
	b_i64(b, RUN_ID);
	b_u64(b, ev->time_mono_ns);
	b_u64(b, ev->time_wall_ns);
	b_i64(b, ev->pid);
	b_i64(b, ev->tid);
	b_i64_if(b, ev->ppid != 0, ev->ppid);
	b_bstr(b, ev->comm);
	b_bstr(b, ev->exe);
	b_cstr(b, ev->backend);
}

/* Steps a statement that returns no row and resets it. Returns 0 or the sink's error. */
static int step_done(struct sqlite_sink *q, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_fail(q, rc);
	return 0;
}

/* Checks the binder (all parameters bound, no error), then steps the insert. */
static int b_finish(struct sqlite_sink *q, struct binder *b)
{
	if (b->rc != SQLITE_OK) {
		sqlite3_reset(b->st);
		return sq_fail(q, b->rc);
	}
	if (b->i != sqlite3_bind_parameter_count(b->st)) {
		/* A programming error: columns and binds out of step. Never write such a row. */
		sqlite3_reset(b->st);
		if (!q->base.error)
			q->base.error = -EIO;
		return q->base.error;
	}
	return step_done(q, b->st);
}

/* errno name and text of a failed call: the event's, else derived from retval. */
static const char *errno_name_of(int64_t retval, const char *given)
{
	if (retval >= 0)
		return NULL;
	if (given)
		return given;
	return retval >= -4095 ? ew_errno_name((int)-retval) : NULL;
}

static const char *errno_text_of(int64_t retval, const char *given)
{
	if (retval >= 0)
		return NULL;
	if (given)
		return given;
	return retval >= -4095 ? ew_errno_text((int)-retval) : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Environments: stored once per distinct vector (its JSON text), found again through a small
 * cache of recent ids and the hash index; a match is always confirmed by comparing the text,
 * so a hash collision (even a crafted one) can never attach the wrong environment.
 * ------------------------------------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* A fast 64-bit hash of bytes (not cryptographic; see above). Stable: it is stored. */
static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0x100000001b3ull);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ mix64(w)) * 0x9fb21c651e98df25ull;
		h = (h << 27) | (h >> 37);
	}
	uint64_t tail = 0;
	for (size_t k = 0; i < n; i++, k += 8)
		tail |= (uint64_t)(unsigned char)p[i] << k;
	return mix64(h ^ mix64(tail ^ 0x2545f4914f6cdd1dull));
}

/* Does column col of the current row hold exactly this text? */
static bool env_row_matches(sqlite3_stmt *st, int col, const char *text, size_t len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	return n == len && (len == 0 || (p && memcmp(p, text, len) == 0));
}

static void env_cache_put(struct sqlite_sink *q, size_t slot, uint64_t hash, size_t len, int64_t id)
{
	/* Move to front: the slot's entry (or the last one) is dropped. */
	memmove(&q->env_cache[1], &q->env_cache[0], slot * sizeof(q->env_cache[0]));
	q->env_cache[0] = (struct env_cache_entry){hash, len, id};
}

/* Returns the id of the environment row holding q->env_json (inserting it), or -errno. */
static int64_t env_id_of(struct sqlite_sink *q, const struct ew_strv *env)
{
	const char *text = q->env_json.ptr ? q->env_json.ptr : "";
	size_t len = q->env_json.len;
	uint64_t h = hash_bytes(text, len);
	int rc;

	for (size_t i = 0; i < ENV_CACHE && q->env_cache[i].id; i++) {
		struct env_cache_entry *e = &q->env_cache[i];
		if (e->hash != h || e->len != len)
			continue;
		sqlite3_stmt *st = q->st[ST_ENV_BY_ID];
		rc = sqlite3_bind_int64(st, 1, e->id);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		bool same = rc == SQLITE_ROW && env_row_matches(st, 0, text, len);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return sq_fail(q, rc);
		if (same) {
			int64_t id = e->id;
			env_cache_put(q, i, h, len, id);
			return id;
		}
	}

	sqlite3_stmt *st = q->st[ST_ENV_BY_HASH];
	int64_t found = 0;
	rc = sqlite3_bind_int64(st, 1, (int64_t)h);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && env_row_matches(st, 1, text, len)) {
			found = sqlite3_column_int64(st, 0);
			break;
		}
	}
	sqlite3_reset(st);
	if (!found && rc != SQLITE_DONE)
		return sq_fail(q, rc);

	if (!found) {
		struct binder b = {q->st[ST_ENV_INSERT], 0, SQLITE_OK};
		b_u64(&b, h);
		b_u64(&b, env->count);
		b_u64(&b, env->bytes);
		b_json(&b, &q->env_json);
		int r = b_finish(q, &b);
		if (r < 0)
			return r;
		found = sqlite3_last_insert_rowid(q->db);
	}
	env_cache_put(q, ENV_CACHE - 1, h, len, found);
	return found;
}

/* ---------------------------------------------------------------------------------------------
 * Inserts, one per event type
 * ------------------------------------------------------------------------------------------- */

static void release_if_huge(struct ew_buf *b)
{
	if (b->cap > BUF_KEEP_MAX)
		ew_buf_free(b);
}

static int insert_exec(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_exec *x = &ev->exec;
	bool at = x->flags & EW_EXEC_AT;

	ew_buf_clear(&q->argv_json);
	ew_buf_clear(&q->env_json);
	int r = ew_json_strv(&q->argv_json, &x->argv);
	if (!r)
		r = ew_json_strv(&q->env_json, &x->env);
	if (r < 0) {
		if (!q->base.error)
			q->base.error = r;
		return r;
	}
	int64_t env_id = env_id_of(q, &x->env);
	if (env_id < 0)
		return (int)env_id;

	struct binder b = {q->st[ST_EXEC], 0, SQLITE_OK};
	b_common(&b, ev);
	b_cstr(&b, x->syscall);
	b_i64(&b, x->nr);
	b_i64_if(&b, x->arch != 0, x->arch);
	b_i64(&b, x->flags);
	b_bstr(&b, x->path);
	b_i64_if(&b, at, x->dirfd);
	b_i64_if(&b, at, x->at_flags);
	b_bstr(&b, x->procname);
	b_json(&b, &q->argv_json);
	b_u64(&b, x->argv.count);
	b_i64(&b, x->argv.flags);
	b_u64(&b, x->argv.bytes);
	b_i64(&b, env_id);
	b_u64(&b, x->env.count);
	b_i64(&b, x->env.flags);
	b_u64(&b, x->env.bytes);
	b_bstr(&b, x->cwd);
	b_i64(&b, x->retval);
	b_cstr(&b, errno_name_of(x->retval, x->errno_name));
	b_cstr(&b, errno_text_of(x->retval, x->errno_text));
	b_file_info(&b, &x->binary);
	b_bstr(&b, x->interp);
	b_bstr(&b, x->interp_arg);
	b_file_info(&b, &x->interp_info);
	b_i64_if(&b, x->stdin_mode != 0, x->stdin_mode);
	b_bstr(&b, x->stdin_path);
	b_i64_if(&b, x->old_tid != 0, x->old_tid);
	b_bstr(&b, x->new_exe);
	r = b_finish(q, &b);
	release_if_huge(&q->argv_json);
	release_if_huge(&q->env_json);
	return r;
}

static int insert_fork(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_fork *f = &ev->fork;
	struct binder b = {q->st[ST_FORK], 0, SQLITE_OK};
	b_common(&b, ev);
	b_cstr(&b, f->syscall);
	b_i64(&b, f->child_pid);
	b_i64(&b, f->child_tid);
	b_cstr(&b, f->kind == EW_FORK_THREAD ? "thread" : "process");
	b_u64(&b, f->clone_flags);
	return b_finish(q, &b);
}

static int insert_exit(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_exit *x = &ev->exit;
	char sigbuf[32];
	struct binder b = {q->st[ST_EXIT], 0, SQLITE_OK};
	b_common(&b, ev);
	b_i64(&b, x->thread);
	b_i64(&b, x->signaled);
	b_i64_if(&b, !x->signaled, x->code);
	b_i64_if(&b, x->signaled, x->signal);
	b_cstr(&b, x->signaled ? ew_sink_signame(x->signal, sigbuf, sizeof(sigbuf)) : NULL);
	b_i64(&b, x->core_dumped);
	b_i64(&b, x->status);
	return b_finish(q, &b);
}

static int insert_syscall(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_syscall *c = &ev->syscall;
	uint32_t n = c->nargs < EW_SYSCALL_ARGS ? c->nargs : EW_SYSCALL_ARGS;
	struct binder b = {q->st[ST_SYSCALL], 0, SQLITE_OK};
	b_common(&b, ev);
	b_cstr(&b, c->name ? c->name : "?");
	b_i64(&b, c->nr);
	b_i64_if(&b, c->arch != 0, c->arch);
	b_u64(&b, c->time_enter_ns);
	b_i64_if(&b, c->time_exit_ns != 0, (int64_t)c->time_exit_ns);
	b_i64(&b, c->returned);
	b_i64(&b, n);
	for (uint32_t i = 0; i < EW_SYSCALL_ARGS; i++)
		b_i64_if(&b, i < n, (int64_t)c->args[i]);
	for (uint32_t i = 0; i < EW_SYSCALL_ARGS; i++) {
		if (i < n)
			b_bstr(&b, c->arg_repr[i]);
		else
			b_null(&b);
	}
	b_i64_if(&b, c->returned, c->retval);
	b_bstr(&b, c->ret_repr);
	b_cstr(&b, c->returned ? errno_name_of(c->retval, c->errno_name) : NULL);
	return b_finish(q, &b);
}

static int insert_file(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_file *f = &ev->file;
	struct binder b = {q->st[ST_FILE], 0, SQLITE_OK};
	b_common(&b, ev);
	b_cstr(&b, f->syscall);
	b_bstr(&b, f->path);
	b_i64(&b, f->how);
	b_i64(&b, f->open_flags);
	b_i64(&b, f->retval);
	b_cstr(&b, errno_name_of(f->retval, f->errno_name));
	b_bstr(&b, f->program);
	b_bstr(&b, f->arg_path);
	b_i64(&b, f->dirfd);
	b_bstr(&b, f->caller);
	return b_finish(q, &b);
}

static int insert_library(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_library *l = &ev->library;
	struct binder b = {q->st[ST_LIBRARY], 0, SQLITE_OK};
	b_common(&b, ev);
	b_bstr(&b, l->path);
	b_file_info(&b, &l->info);
	b_bstr(&b, l->program);
	b_i64(&b, l->at_exec);
	b_cstr(&b, ew_lib_kind_name(l->kind));
	b_bstr(&b, l->soname);
	return b_finish(q, &b);
}

static int insert_policy(struct sqlite_sink *q, const struct ew_event *ev)
{
	const struct ew_policy *p = &ev->policy;
	const char *action = ew_action_name(p->action);
	struct binder b = {q->st[ST_POLICY], 0, SQLITE_OK};
	b_common(&b, ev);
	b_cstr(&b, action ? action : "unknown");
	b_cstr(&b, p->check);
	b_bstr(&b, p->path);
	b_bstr(&b, p->rule);
	b_bstr(&b, p->reason);
	b_bstr(&b, p->tip);
	return b_finish(q, &b);
}

static int insert_lost(struct sqlite_sink *q, const struct ew_event *ev)
{
	struct binder b = {q->st[ST_LOST], 0, SQLITE_OK};
	b_common(&b, ev);
	b_u64(&b, ev->lost.count);
	b_cstr(&b, ev->lost.where);
	return b_finish(q, &b);
}

/* ---------------------------------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int txn_begin(struct sqlite_sink *q)
{
	if (q->in_txn)
		return 0;
	int r = step_done(q, q->st[ST_BEGIN]);
	if (r < 0)
		return r;
	q->in_txn = true;
	q->txn_events = 0;
	return 0;
}

/* Records the progress in `runs` and commits the open transaction, if any. */
static int txn_commit(struct sqlite_sink *q)
{
	if (!q->in_txn)
		return q->base.error;
	struct binder b = {q->st[ST_PROGRESS], 0, SQLITE_OK};
	b_u64(&b, q->events);
	b_u64(&b, q->lost);
	b_i64(&b, RUN_ID);
	int r = q->base.error ? q->base.error : b_finish(q, &b);
	if (r == 0)
		r = step_done(q, q->st[ST_COMMIT]);
	q->in_txn = !sqlite3_get_autocommit(q->db);
	q->txn_events = 0;
	q->last_commit = mono_ns();
	return r;
}

/* After an error: keep what the open transaction already holds, when SQLite still has it
 * (a failed statement is undone alone; some errors roll the transaction back themselves). */
static void txn_salvage(struct sqlite_sink *q)
{
	if (q->db && !sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	q->in_txn = false;
}

/* ---------------------------------------------------------------------------------------------
 * Sink operations
 * ------------------------------------------------------------------------------------------- */

/* Runs SQL that returns no rows (setup and end only). */
static int exec_sql(struct sqlite_sink *q, const char *sql)
{
	int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(q, rc);
}

/* Renders a NULL-terminated argv as a JSON array into out. */
static int argv_json(struct ew_buf *out, char *const *argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	struct ew_str *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	struct ew_strv sv = {v, n, 0, 0};
	for (size_t i = 0; i < n; i++) {
		v[i] = ew_str_c(argv[i]);
		sv.bytes += v[i].len;
	}
	int r = ew_json_strv(out, &sv);
	free(v);
	return r;
}

static int sq_begin(struct ew_sink *sink, const struct ew_run_info *info)
{
	struct sqlite_sink *q = (struct sqlite_sink *)sink;
	if (sink->error)
		return sink->error;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(q->db,
	                            "UPDATE runs SET backend = ?, argv = ?, attach_pid = ?, "
	                            "root_pid = ?, start_wall = ? WHERE id = ?",
	                            -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(q, rc);
	ew_buf_clear(&q->argv_json);
	int r = info->argv ? argv_json(&q->argv_json, info->argv) : 0;
	if (r < 0) {
		sqlite3_finalize(st);
		return sink->error = r;
	}
	struct binder b = {st, 0, SQLITE_OK};
	b_cstr(&b, info->backend);
	if (info->argv)
		b_json(&b, &q->argv_json);
	else
		b_null(&b);
	b_i64_if(&b, info->attach_pid != 0, info->attach_pid);
	b_i64_if(&b, info->root_pid != 0, info->root_pid);
	b_i64_if(&b, info->start_wall_ns != 0, (int64_t)info->start_wall_ns);
	b_i64(&b, RUN_ID);
	r = txn_begin(q);
	if (!r)
		r = b_finish(q, &b);
	sqlite3_finalize(st);
	/* Readers see the command at once. */
	if (!r)
		r = txn_commit(q);
	release_if_huge(&q->argv_json);
	return r;
}

static void sq_event(struct ew_sink *sink, const struct ew_event *ev)
{
	struct sqlite_sink *q = (struct sqlite_sink *)sink;
	if (sink->error || !q->db)
		return;
	int r = txn_begin(q);
	if (r < 0)
		return;
	switch (ev->type) {
	case EW_EV_EXEC: r = insert_exec(q, ev); break;
	case EW_EV_FORK: r = insert_fork(q, ev); break;
	case EW_EV_EXIT: r = insert_exit(q, ev); break;
	case EW_EV_SYSCALL: r = insert_syscall(q, ev); break;
	case EW_EV_FILE: r = insert_file(q, ev); break;
	case EW_EV_LIBRARY: r = insert_library(q, ev); break;
	case EW_EV_POLICY: r = insert_policy(q, ev); break;
	case EW_EV_LOST:
		r = insert_lost(q, ev);
		if (!r)
			q->lost += ev->lost.count;
		break;
	default: return;
	}
	if (r < 0) {
		txn_salvage(q);
		return;
	}
	if (ev->seq > q->events)
		q->events = ev->seq;
	if (++q->txn_events >= EW_SQLITE_BATCH_EVENTS ||
	    mono_ns() - q->last_commit >= EW_SQLITE_BATCH_NS)
		txn_commit(q);
}

static int sq_flush(struct ew_sink *sink)
{
	struct sqlite_sink *q = (struct sqlite_sink *)sink;
	if (sink->error || !q->db)
		return sink->error;
	return txn_commit(q);
}

static void close_db(struct sqlite_sink *q)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(q->st[i]);
		q->st[i] = NULL;
	}
	if (q->db) {
		/* Closing the last connection checkpoints and removes the WAL file. */
		sqlite3_close(q->db);
		q->db = NULL;
	}
}

static int sq_end(struct ew_sink *sink, const struct ew_run_info *info)
{
	struct sqlite_sink *q = (struct sqlite_sink *)sink;
	if (!q->db)
		return sink->error;
	if (sink->error) {
		txn_salvage(q);
		close_db(q);
		return sink->error;
	}
	if (info->events > q->events)
		q->events = info->events;
	if (info->lost > q->lost)
		q->lost = info->lost;
	int r = txn_begin(q);
	sqlite3_stmt *st = NULL;
	if (!r) {
		int rc =
		    sqlite3_prepare_v2(q->db,
		                       "UPDATE runs SET end_wall = ?, finished = ?, status = ?, "
		                       "root_pid = coalesce(?, root_pid) WHERE id = ?",
		                       -1, &st, NULL);
		if (rc != SQLITE_OK)
			r = sq_fail(q, rc);
	}
	if (!r) {
		struct binder b = {st, 0, SQLITE_OK};
		b_i64_if(&b, info->end_wall_ns != 0, (int64_t)info->end_wall_ns);
		b_i64(&b, info->finished);
		b_i64_if(&b, info->finished, info->status);
		b_i64_if(&b, info->root_pid != 0, info->root_pid);
		b_i64(&b, RUN_ID);
		r = b_finish(q, &b);
	}
	sqlite3_finalize(st);
	if (!r)
		r = txn_commit(q);
	if (!r) {
		/* SQLITE_BUSY here only means a reader holds the WAL: it is checkpointed at
		 * close or by the next writer, the database is complete either way. */
		int rc =
		    sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			r = sq_fail(q, rc);
		/* Back to a rollback journal: the finished file is self-contained, and read-only
		 * readers do not create -wal/-shm files beside it. A reader still holding the
		 * file keeps it in WAL mode, which is just as valid. */
		if (!r && rc == SQLITE_OK)
			sqlite3_exec(q->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	} else {
		txn_salvage(q);
	}
	close_db(q);
	return sink->error;
}

static void sq_destroy(struct ew_sink *sink)
{
	struct sqlite_sink *q = (struct sqlite_sink *)sink;
	/* Without end() (the run never happened), still keep what was received. */
	if (q->db && !sink->error)
		txn_commit(q);
	else if (q->db)
		txn_salvage(q);
	close_db(q);
	ew_buf_free(&q->argv_json);
	ew_buf_free(&q->env_json);
	free(q->path);
	free(q);
}

static const struct ew_sink_ops sqlite_ops = {
    .name = "sqlite",
    .begin = sq_begin,
    .event = sq_event,
    .flush = sq_flush,
    .end = sq_end,
    .destroy = sq_destroy,
};

/* ---------------------------------------------------------------------------------------------
 * Creation
 * ------------------------------------------------------------------------------------------- */

static void iso_time(char *out, size_t size, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;
	if (!gmtime_r(&sec, &tm)) {
		snprintf(out, size, "?");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ns % 1000000000u));
}

/* Fills meta, the runs row and arches; sets the version pragmas. Inside the schema's
 * transaction. */
static int write_identity(struct sqlite_sink *q)
{
	static const struct {
		uint32_t arch;
		const char *name;
	} arches[] = {
	    {AUDIT_ARCH_X86_64, "x86_64"},   {AUDIT_ARCH_I386, "i386"},
	    {AUDIT_ARCH_AARCH64, "aarch64"}, {AUDIT_ARCH_ARM, "arm"},
	    {AUDIT_ARCH_RISCV64, "riscv64"},
	};
	uint64_t now = wall_ns();
	char created[48];
	iso_time(created, sizeof(created), now);
	struct utsname u;
	bool have_uname = uname(&u) == 0;

	sqlite3_stmt *st = NULL;
	int rc =
	    sqlite3_prepare_v2(q->db, "INSERT INTO meta (key, value) VALUES (?, ?)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(q, rc);
	const struct {
		const char *key, *text;
		int64_t num;
	} meta[] = {
	    {"schema_version", NULL, EW_SQLITE_SCHEMA_VERSION},
	    {"application", "execwatch", 0},
	    {"execwatch_version", EW_VERSION_STRING, 0},
	    {"created", created, 0},
	    {"created_wall_ns", NULL, (int64_t)now},
	};
	int r = 0;
	for (size_t i = 0; !r && i < sizeof(meta) / sizeof(meta[0]); i++) {
		struct binder b = {st, 0, SQLITE_OK};
		b_cstr(&b, meta[i].key);
		if (meta[i].text)
			b_cstr(&b, meta[i].text);
		else
			b_i64(&b, meta[i].num);
		r = b_finish(q, &b);
	}
	sqlite3_finalize(st);
	if (r)
		return r;

	rc = sqlite3_prepare_v2(q->db, "INSERT INTO arches (arch, name) VALUES (?, ?)", -1, &st,
	                        NULL);
	if (rc != SQLITE_OK)
		return sq_fail(q, rc);
	for (size_t i = 0; !r && i < sizeof(arches) / sizeof(arches[0]); i++) {
		struct binder b = {st, 0, SQLITE_OK};
		b_i64(&b, arches[i].arch);
		b_cstr(&b, arches[i].name);
		r = b_finish(q, &b);
	}
	sqlite3_finalize(st);
	if (r)
		return r;

	rc = sqlite3_prepare_v2(
	    q->db,
	    "INSERT INTO runs (id, hostname, kernel, machine, execwatch_version, "
	    "created_wall) VALUES (?, ?, ?, ?, ?, ?)",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(q, rc);
	struct binder b = {st, 0, SQLITE_OK};
	b_i64(&b, RUN_ID);
	b_bstr(&b, have_uname ? ew_str_c(u.nodename) : (struct ew_str){NULL, 0});
	b_bstr(&b, have_uname ? ew_str_c(u.release) : (struct ew_str){NULL, 0});
	b_bstr(&b, have_uname ? ew_str_c(u.machine) : (struct ew_str){NULL, 0});
	b_cstr(&b, EW_VERSION_STRING);
	b_i64(&b, (int64_t)now);
	r = b_finish(q, &b);
	sqlite3_finalize(st);
	if (r)
		return r;

	char pragmas[128];
	snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	         (int)EW_SQLITE_APP_ID, EW_SQLITE_SCHEMA_VERSION);
	return exec_sql(q, pragmas);
}

static void unlink_companions(const char *path)
{
	static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
	size_t n = strlen(path);
	char *p = malloc(n + 16);
	if (!p)
		return;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		memcpy(p, path, n);
		strcpy(p + n, suffixes[i]);
		unlink(p);
	}
	free(p);
}

char *ew_sink_sqlite_filename(const char *path)
{
	bool uri = strncmp(path, "file:", 5) == 0;
	size_t n = strlen(path);
	char *p = malloc(n + 3);
	if (!p)
		return NULL;
	snprintf(p, n + 3, "%s%s", uri ? "./" : "", path);
	return p;
}

static int setup_db(struct sqlite_sink *q)
{
	char *name = ew_sink_sqlite_filename(q->path);
	if (!name)
		return -ENOMEM;
	int rc = sqlite3_open_v2(name, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	free(name);
	if (rc != SQLITE_OK)
		return sq_fail(q, rc);
	sqlite3_extended_result_codes(q->db, 1);
	/* A reader (`execwatch report` during the run) may hold the WAL briefly. */
	sqlite3_busy_timeout(q->db, 2000);
	/* journal_mode answers with the mode it got; a file system without shared memory keeps
	 * the rollback journal, which is slower but just as correct. */
	int r = exec_sql(q, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
	                    "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 4096;");
	if (!r)
		r = exec_sql(q, "BEGIN IMMEDIATE");
	if (!r)
		r = exec_sql(q, schema_sql);
	if (!r)
		r = write_identity(q);
	if (!r)
		r = exec_sql(q, "COMMIT");
	for (int i = 0; !r && i < ST__COUNT; i++) {
		rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                        &q->st[i], NULL);
		if (rc != SQLITE_OK)
			r = sq_fail(q, rc);
	}
	return r;
}

int ew_sink_sqlite_new(const char *path, struct ew_sink **out)
{
	if (!path || !*path)
		return -EINVAL;
	/* O_EXCL: never overwrite, and fail now (not after the command ran) when the place is
	 * not writable. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -errno;
	close(fd);
	/* Companions of a database that was deleted: SQLite would replay a stale WAL or journal
	 * into the new file. */
	unlink_companions(path);

	struct sqlite_sink *q = calloc(1, sizeof(*q));
	if (!q || !(q->path = strdup(path))) {
		free(q);
		unlink(path);
		return -ENOMEM;
	}
	q->base.ops = &sqlite_ops;
	q->base.what = q->path;
	q->last_commit = mono_ns();
	int r = setup_db(q);
	if (r < 0) {
		close_db(q);
		unlink(path);
		unlink_companions(path);
		free(q->path);
		free(q);
		return r;
	}
	*out = &q->base;
	return 0;
}

EW_EXPORT int ew_session_add_sqlite(struct ew_session *s, const char *path)
{
	struct ew_sink *sink;
	int r = ew_sink_sqlite_new(path, &sink);
	if (r < 0)
		return r;
	char *copy = strdup(path);
	r = ew_session_add_sink(s, sink);
	if (r < 0 && copy) {
		/* The sink is gone: so is the file it had just created. */
		unlink(copy);
		unlink_companions(copy);
	}
	free(copy);
	return r;
}
