/* SPDX-License-Identifier: MIT */
/*
 * reader.h - reading an execwatch database (docs/SCHEMA.md) into the model `execwatch report`
 * shows: the run, the process tree, the failed execs.
 *
 * Opening never modifies the file (read-only; a finished recording is a plain rollback-journal
 * database, a live one is read through its WAL) and refuses, with a distinct code:
 *   -errno of open(2)   the file cannot be opened (-ENOENT, -EACCES, -EISDIR...)
 *   -EMEDIUMTYPE        not SQLite, or SQLite without execwatch's application_id
 *   -EPROTONOSUPPORT    written by a newer execwatch (err->schema_version > EW_REPORT_SCHEMA_MAX)
 *   -EUCLEAN            an execwatch database that is damaged (err->detail says how)
 *   other -errno        SQLite failures mapped by ew_sink_sqlite_errno()
 *
 * The model owns all its memory (one arena); strings are byte strings exactly as recorded
 * (TEXT or BLOB columns alike), NUL-terminated. Nothing here prints.
 */
#ifndef EW_REPORT_READER_H
#define EW_REPORT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "execwatch.h"

/* The newest schema this build reads. */
#define EW_REPORT_SCHEMA_MAX 2

struct ew_report_err {
	int schema_version; /* the file's, when known (0 otherwise) */
	char detail[192];   /* for -EUCLEAN and SQLite failures: SQLite's or our explanation */
};

struct ew_report_db;

/* Opens and checks path. *out is owned by the caller: ew_report_close(). err may be NULL. */
int ew_report_open(const char *path, struct ew_report_db **out, struct ew_report_err *err);
void ew_report_close(struct ew_report_db *db);

/* The open database's SQLite handle (borrowed: valid until ew_report_close()), for readers of
 * other tables (execwatch deps). */
struct sqlite3;
struct sqlite3 *ew_report_sqlite(struct ew_report_db *db);

/* A decoded string vector (argv). */
struct ew_report_strv {
	struct ew_str *v;
	size_t count;
};

/* The run (table `runs`). Absent values: NULL ptr / false has_. */
struct ew_report_run {
	int schema_version;
	struct ew_str execwatch_version;
	struct ew_str backend;
	bool has_argv; /* false when attached */
	bool argv_bad; /* the stored argv could not be decoded */
	struct ew_report_strv argv;
	int32_t attach_pid, root_pid;
	int64_t start_wall, end_wall; /* ns since the epoch, 0 if unknown */
	bool finished;
	int status; /* meaningful when finished */
	int64_t events, lost;
	struct ew_str hostname, kernel;
};

#define EW_REPORT_NONE SIZE_MAX

/* One process (one lifetime of a pid: a reused pid makes another process). */
struct ew_report_proc {
	int32_t pid, ppid;
	uint64_t seq;           /* the event that made it known (its fork, or its first event) */
	bool forked;            /* its creation was recorded */
	struct ew_str program;  /* procname of its last successful exec, else inherited exe */
	bool program_inherited; /* no successful exec: program is what it was created with */
	bool has_argv;          /* argv is that of its last successful exec */
	bool argv_bad;
	struct ew_report_strv argv;
	uint32_t execs_ok, execs_failed;
	const char *last_errno; /* errno name of its last failed exec, or NULL */
	bool exited;
	bool signaled, core_dumped;
	int32_t code, signal, status;
	size_t parent, first_child, last_child, next_sibling; /* indexes or EW_REPORT_NONE */
};

/* A failed exec (retval < 0). */
struct ew_report_fail {
	uint64_t seq;
	int32_t pid, tid;
	struct ew_str syscall, path, procname, errno_name, errno_text;
	int64_t retval;
};

struct ew_report {
	struct ew_report_run run;
	struct ew_report_proc *procs; /* in the order they became known */
	size_t nprocs;
	size_t first_root, last_root; /* roots chained through next_sibling */
	struct ew_report_fail *fails; /* in event order */
	size_t nfails;
	struct ew_arena arena; /* owns every string */
};

/*
 * Loads the run, builds the process tree from forks (processes, not threads), execs and exits
 * in event order, and lists the failed execs. *out is owned by the caller: ew_report_free().
 * Returns 0, -ENOMEM, -EUCLEAN (err->detail) or a mapped SQLite error.
 */
int ew_report_load(struct ew_report_db *db, struct ew_report **out, struct ew_report_err *err);
void ew_report_free(struct ew_report *r);

/*
 * Decodes a JSON array of strings as execwatch writes it (ew_json_strv: \udcXX escapes stand for
 * the raw byte XX, PEP 383) into exact byte strings allocated in arena. Returns 0, -EINVAL for
 * anything else than an array of strings, or -ENOMEM.
 */
int ew_report_decode_strv(struct ew_arena *arena, const char *json, size_t len,
                          struct ew_report_strv *out);

#endif
