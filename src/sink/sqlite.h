/* SPDX-License-Identifier: MIT */
/*
 * sqlite.h - the SQLite sink: every event of a session into one database file.
 *
 * docs/SCHEMA.md is the contract for the file's contents (tables, columns, units, the string
 * rule, the version policy); keep both in step and bump EW_SQLITE_SCHEMA_VERSION for any change
 * a reader could notice.
 *
 * Life of the file:
 *  - ew_sink_sqlite_new() creates the file (O_EXCL: an existing path is -EEXIST), the schema and
 *    the `runs` row at once, so an unwritable place fails before any command runs.
 *  - Events are inserted through cached prepared statements inside batched transactions,
 *    committed every EW_SQLITE_BATCH_EVENTS events or EW_SQLITE_BATCH_NS after the last commit
 *    (checked as events arrive), and at flush() and end(). Every commit leaves a consistent
 *    database, visible to other connections (WAL journal, synchronous=NORMAL: a killed
 *    execwatch loses nothing committed; a power loss may lose the last batches).
 *  - end() records the outcome in `runs`, commits, checkpoints the WAL (TRUNCATE) and closes,
 *    so that a single file is left when no reader holds it open.
 *
 * Errors: the first failing SQLite call sets sink->error to -errno (SQLITE_FULL: -ENOSPC,
 * SQLITE_READONLY: -EROFS, SQLITE_CANTOPEN and I/O errors: the system errno when SQLite saw one,
 * else -EACCES / -EIO, SQLITE_NOMEM: -ENOMEM, anything else: -EIO); nothing is written after it.
 *
 * Memory does not grow with the trace: statements are reused, the render buffer is released
 * after a huge exec, and the environment dedup cache has a fixed number of entries.
 */
#ifndef EW_SINK_SQLITE_H
#define EW_SINK_SQLITE_H

#include <stdint.h>

#include "session.h"

/* The schema this build writes and the newest one it reads (`meta`.schema_version and
 * PRAGMA user_version). */
#define EW_SQLITE_SCHEMA_VERSION 2
/* PRAGMA application_id of every execwatch database: 'EWDB'. */
#define EW_SQLITE_APP_ID 0x45574442

/* Batching: commit after this many events, or this long after the last commit. */
#define EW_SQLITE_BATCH_EVENTS 4096u
#define EW_SQLITE_BATCH_NS     (200u * 1000u * 1000u)

/*
 * Creates the database at path with its schema and returns the sink in *out, owned by the caller
 * until handed to ew_session_add_sink() (or freed with (*out)->ops->destroy()). Returns 0,
 * -EEXIST when path exists, the errno of creating the file (-EACCES, -ENOENT, -EROFS...),
 * -ENOMEM, or a mapped SQLite error (see above). On failure no file is left behind.
 */
int ew_sink_sqlite_new(const char *path, struct ew_sink **out);

/* The name to give sqlite3_open_v2() for path (malloc'd; NULL on ENOMEM): SQLite built with
 * URI filenames (as Debian's is) would parse a relative "file:..." name as a URI, so such a name
 * gets a "./" prefix; any other path is copied unchanged. */
char *ew_sink_sqlite_filename(const char *path);

/* Maps an SQLite result code (extended or primary) to -errno; sys_errno is what
 * sqlite3_system_errno() returned (0 if none). Exposed for the report reader and tests. */
int ew_sink_sqlite_errno(int rc, int sys_errno);

#endif
