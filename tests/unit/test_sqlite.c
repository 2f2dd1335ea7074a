/* SPDX-License-Identifier: MIT */
/*
 * test_sqlite.c - the SQLite sink: synthetic events in, every column read back with the sqlite3
 * API; creation failures; batching and flush visibility; environment dedup; write errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "session.h"
#include "sink/sqlite.h"

/* ---------------------------------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------------------------------- */

struct fx {
	char dir[64];
	char path[128];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/ew-test-sqlite.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/x.db", f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[200];
	chmod(f->dir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct ew_str cs(const char *s)
{
	return ew_str_c(s);
}

static struct ew_str bs(const char *s, size_t n)
{
	return (struct ew_str){s, n};
}

static void base_event(struct ew_event *ev, enum ew_event_type t, uint64_t seq, int32_t pid)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	ev->seq = seq;
	ev->time_mono_ns = 1000000 + seq;
	ev->time_wall_ns = 1700000000000000000ull + seq;
	ev->pid = pid;
	ev->tid = pid;
	ev->ppid = 1;
	ev->comm = cs("sh");
	ev->exe = cs("/bin/sh");
	ev->backend = "ptrace";
}

static const struct ew_str env_a[] = {{"PATH=/bin", 9}, {"HOME=/root", 10}};
static const struct ew_str env_b[] = {{"PATH=/usr/bin", 13}};

static void exec_event(struct ew_event *ev, uint64_t seq, int32_t pid, const char *path,
                       const struct ew_str *argv, size_t argc, int err)
{
	base_event(ev, EW_EV_EXEC, seq, pid);
	struct ew_exec *x = &ev->exec;
	x->syscall = "execve";
	x->nr = 59;
	x->arch = AUDIT_ARCH_X86_64;
	x->flags = EW_EXEC_ELF;
	x->path = cs(path);
	x->dirfd = -100;
	x->procname = cs(path);
	x->argv = (struct ew_strv){argv, argc, 0, 0};
	for (size_t i = 0; i < argc; i++)
		x->argv.bytes += argv[i].len;
	x->env = (struct ew_strv){env_a, 2, 0, 19};
	x->cwd = cs("/tmp");
	x->retval = err ? -err : 0;
	x->errno_name = err ? ew_errno_name(err) : NULL;
	x->errno_text = err ? ew_errno_text(err) : NULL;
	if (!err) {
		x->binary = (struct ew_file_info){true,
		                                  0x801,
		                                  1234,
		                                  0100755,
		                                  0,
		                                  0,
		                                  4096,
		                                  1600000000123456789,
		                                  1600000000987654321};
		x->new_exe = cs(path);
	}
}

static struct ew_sink *new_sink(const char *path)
{
	struct ew_sink *s = NULL;
	int r = ew_sink_sqlite_new(path, &s);
	assert_int_equal(r, 0);
	assert_non_null(s);
	return s;
}

static sqlite3 *open_ro(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

/* Runs a query returning one integer. */
static int64_t q_int(sqlite3 *db, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		fail_msg("no row for %s (%d %s)", sql, rc, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A row of a table by seq, for column checks. */
struct row {
	sqlite3_stmt *st;
};

static struct row row_get(sqlite3 *db, const char *table, uint64_t seq)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE seq = %llu", table,
	         (unsigned long long)seq);
	struct row r = {NULL};
	if (sqlite3_prepare_v2(db, sql, -1, &r.st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(r.st) != SQLITE_ROW)
		fail_msg("no row: %s", sql);
	return r;
}

static int col_index(struct row *r, const char *name)
{
	int n = sqlite3_column_count(r->st);
	for (int i = 0; i < n; i++)
		if (!strcmp(sqlite3_column_name(r->st, i), name))
			return i;
	fail_msg("no column %s", name);
	return -1;
}

static int col_type(struct row *r, const char *name)
{
	return sqlite3_column_type(r->st, col_index(r, name));
}

static int64_t col_int(struct row *r, const char *name)
{
	int i = col_index(r, name);
	if (sqlite3_column_type(r->st, i) != SQLITE_INTEGER)
		fail_msg("column %s is not an integer (type %d)", name,
		         sqlite3_column_type(r->st, i));
	return sqlite3_column_int64(r->st, i);
}

static bool col_null(struct row *r, const char *name)
{
	return col_type(r, name) == SQLITE_NULL;
}

/* Checks a column holds TEXT equal to s. */
static void col_text_eq(struct row *r, const char *name, const char *s)
{
	int i = col_index(r, name);
	if (sqlite3_column_type(r->st, i) != SQLITE_TEXT)
		fail_msg("column %s: expected TEXT '%s', got type %d", name, s,
		         sqlite3_column_type(r->st, i));
	const char *t = (const char *)sqlite3_column_text(r->st, i);
	if (strcmp(t, s) != 0)
		fail_msg("column %s: expected '%s', got '%s'", name, s, t);
}

static void col_blob_eq(struct row *r, const char *name, const void *p, size_t n)
{
	int i = col_index(r, name);
	assert_int_equal(sqlite3_column_type(r->st, i), SQLITE_BLOB);
	assert_int_equal(sqlite3_column_bytes(r->st, i), n);
	assert_memory_equal(sqlite3_column_blob(r->st, i), p, n);
}

static void row_done(struct row *r)
{
	sqlite3_finalize(r->st);
}

/* Does path + suffix exist? */
static bool exists(const char *path, const char *suffix)
{
	char p[256];
	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return access(p, F_OK) == 0;
}

/* ---------------------------------------------------------------------------------------------
 * Creation
 * ------------------------------------------------------------------------------------------- */

static void test_eexist(void **state)
{
	struct fx *f = *state;
	int fd = open(f->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	struct ew_sink *s = NULL;
	assert_int_equal(ew_sink_sqlite_new(f->path, &s), -EEXIST);
	assert_null(s);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 4); /* untouched */

	/* A dangling symlink counts as existing too. */
	char link[200];
	snprintf(link, sizeof(link), "%s/link.db", f->dir);
	assert_int_equal(symlink("/nonexistent/ew-target", link), 0);
	assert_int_equal(ew_sink_sqlite_new(link, &s), -EEXIST);
}

static void test_missing_dir(void **state)
{
	struct fx *f = *state;
	char p[200];
	snprintf(p, sizeof(p), "%s/no/such/dir/x.db", f->dir);
	struct ew_sink *s = NULL;
	assert_int_equal(ew_sink_sqlite_new(p, &s), -ENOENT);
	assert_null(s);
}

/* An unwritable directory fails at creation. As root (which ignores permissions) the check
 * runs in a child that dropped to an unprivileged uid; skipped if that is impossible. */
static void test_unwritable_dir(void **state)
{
	struct fx *f = *state;
	char dir[128], p[200];
	snprintf(dir, sizeof(dir), "%s/ro", f->dir);
	assert_int_equal(mkdir(dir, 0555), 0);
	chmod(f->dir, 0755);
	snprintf(p, sizeof(p), "%s/x.db", dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(77);
		struct ew_sink *s = NULL;
		int r = ew_sink_sqlite_new(p, &s);
		_exit(r == -EACCES ? 0 : r == 0 ? 1 : 2);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_false(exists(p, ""));
}

/* The file holds the complete schema and identity right after creation. */
static void test_identity(void **state)
{
	struct fx *f = *state;
	struct ew_sink *s = new_sink(f->path);
	assert_string_equal(s->what, f->path);
	assert_string_equal(s->ops->name, "sqlite");

	sqlite3 *db = open_ro(f->path);
	assert_int_equal(q_int(db, "PRAGMA application_id"), EW_SQLITE_APP_ID);
	assert_int_equal(q_int(db, "PRAGMA user_version"), EW_SQLITE_SCHEMA_VERSION);
	assert_int_equal(q_int(db, "SELECT value FROM meta WHERE key = 'schema_version'"), EW_SQLITE_SCHEMA_VERSION);
	assert_int_equal(q_int(db,
	                       "SELECT count(*) FROM meta WHERE key = 'execwatch_version' "
	                       "AND value = '%s'",
	                       EW_VERSION_STRING),
	                 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM meta WHERE key = 'created'"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(q_int(db, "SELECT finished FROM runs"), 0);
	assert_int_equal(q_int(db, "SELECT hostname IS NOT NULL AND kernel IS NOT NULL FROM runs"),
	                 1);
	assert_int_equal(
	    q_int(db, "SELECT name = 'x86_64' FROM arches WHERE arch = %u", AUDIT_ARCH_X86_64), 1);
	static const char *const tables[] = {"execs",        "forks",     "exits",  "syscalls",
	                                     "files",        "libraries", "policy", "lost",
	                                     "environments", "events"};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		assert_int_equal(q_int(db, "SELECT count(*) FROM %s", tables[i]), 0);
	sqlite3_close(db);
	s->ops->destroy(s);
}

/* ---------------------------------------------------------------------------------------------
 * Round trip
 * ------------------------------------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct ew_sink *s = new_sink(f->path);
	char *argv0[] = {(char *)"sh", (char *)"-c", (char *)"x \"y\"", NULL};
	struct ew_run_info info = {.backend = "ptrace",
	                           .argv = argv0,
	                           .root_pid = 100,
	                           .start_wall_ns = 1700000000000000000ull};
	assert_int_equal(s->ops->begin(s, &info), 0);

	struct ew_event ev;
	/* 1: a successful exec with every field set. */
	static const struct ew_str a1[] = {{"ls", 2}, {"-l", 2}, {"a\tb\"c\\", 6}};
	exec_event(&ev, 1, 100, "/usr/bin/ls", a1, 3, 0);
	ev.exec.syscall = "execveat";
	ev.exec.nr = 322;
	ev.exec.flags = EW_EXEC_AT | EW_EXEC_ELF | EW_EXEC_NONLEADER;
	ev.exec.dirfd = 3;
	ev.exec.at_flags = 0x1000;
	ev.exec.interp = cs("/lib64/ld-linux-x86-64.so.2");
	ev.exec.interp_info = (struct ew_file_info){true, 0x802, 99, 0100755, 1, 2, 200000, 5, 6};
	ev.exec.stdin_mode = 020620;
	ev.exec.stdin_path = cs("/dev/pts/0");
	ev.exec.old_tid = 101;
	s->ops->event(s, &ev);

	/* 2: a failed exec (ENOENT), names derived by the sink when missing. */
	static const struct ew_str a2[] = {{"nope", 4}};
	exec_event(&ev, 2, 100, "/nonexistent/nope", a2, 1, ENOENT);
	ev.exec.errno_name = NULL;
	ev.exec.errno_text = NULL;
	ev.exec.procname = (struct ew_str){NULL, 0};
	s->ops->event(s, &ev);

	/* 3: non-UTF-8 bytes in argv, path, comm and cwd; a NULL env. */
	static const char bad[] = "x\xff\xfe"
	                          "y";
	static const struct ew_str a3[] = {{bad, 4}, {"\xc3\xa9t\xc3\xa9", 5}, {"", 0}};
	exec_event(&ev, 3, 100, "/tmp/\xff", a3, 3, EACCES);
	ev.exec.path = bs("/tmp/\xff", 6);
	ev.comm = bs("c\x80", 2);
	ev.exec.cwd = bs("/tmp/\xfe\xc0", 7);
	ev.exec.env = (struct ew_strv){NULL, 0, EW_STRV_NULL, 0};
	s->ops->event(s, &ev);

	/* 4: a 5000-element argv, truncated flag, faulted env. */
	enum { BIG = 5000 };
	struct ew_str *big = calloc(BIG, sizeof(*big));
	char(*bigs)[16] = calloc(BIG, 16);
	assert_non_null(big);
	assert_non_null(bigs);
	for (int i = 0; i < BIG; i++) {
		snprintf(bigs[i], 16, "arg%d", i);
		big[i] = cs(bigs[i]);
	}
	exec_event(&ev, 4, 102, "/bin/echo", big, BIG, 0);
	ev.exec.argv.flags = EW_STRV_TRUNCATED;
	ev.exec.env.flags = EW_STRV_FAULT;
	s->ops->event(s, &ev);

	/* 5: fork, 6: thread, 7: exit code, 8: exit by signal, 9: thread exit. */
	base_event(&ev, EW_EV_FORK, 5, 100);
	ev.fork = (struct ew_fork){102, 102, EW_FORK_PROCESS, "clone", 0x1200011};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_FORK, 6, 100);
	ev.fork = (struct ew_fork){100, 103, EW_FORK_THREAD, "clone3", 0xffffffff00000000ull};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_EXIT, 7, 102);
	ev.exit = (struct ew_exit){false, false, 3, 0, false, 3};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_EXIT, 8, 100);
	ev.ppid = 0;
	ev.exit = (struct ew_exit){false, true, 0, SIGKILL, true, 128 + SIGKILL};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_EXIT, 9, 100);
	ev.tid = 103;
	ev.exit = (struct ew_exit){true, false, 0, 0, false, 0};
	s->ops->event(s, &ev);

	/* 10: syscall with 3 args, 11: syscall that did not return. */
	base_event(&ev, EW_EV_SYSCALL, 10, 100);
	ev.syscall = (struct ew_syscall){.name = "openat",
	                                 .nr = 257,
	                                 .arch = AUDIT_ARCH_X86_64,
	                                 .time_enter_ns = 50,
	                                 .time_exit_ns = 60,
	                                 .returned = true,
	                                 .nargs = 3,
	                                 .args = {(uint64_t)-100, 0x7fff0000, 0x80000},
	                                 .retval = -2,
	                                 .errno_name = NULL};
	ev.syscall.arg_repr[0] = cs("AT_FDCWD");
	ev.syscall.arg_repr[1] = bs("\"/x\xff\"", 5);
	ev.syscall.arg_repr[2] = cs("O_RDONLY|O_CLOEXEC");
	ev.syscall.ret_repr = cs("-2 ENOENT (No such file or directory)");
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_SYSCALL, 11, 100);
	ev.syscall = (struct ew_syscall){.name = "exit_group",
	                                 .nr = 231,
	                                 .time_enter_ns = 70,
	                                 .returned = false,
	                                 .nargs = 1,
	                                 .args = {0}};
	ev.syscall.arg_repr[0] = cs("0");
	s->ops->event(s, &ev);

	/* 12: file, 13: library, 14: policy, 15: lost. */
	base_event(&ev, EW_EV_FILE, 12, 100);
	ev.file = (struct ew_file){
	    "openat", cs("/etc/passwd"), EW_FILE_READ | EW_FILE_FAILED, 0x80000, -13,
	    NULL,     cs("/usr/bin/ls")};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_LIBRARY, 13, 100);
	ev.library = (struct ew_library){cs("/lib/libc.so.6"),
	                                 {true, 0x803, 77, 0100644, 0, 0, 2000000, 8, 9},
	                                 cs("/usr/bin/ls"),
	                                 true};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_POLICY, 14, 100);
	ev.policy = (struct ew_policy){
	    EW_ACT_DENY, "tpe", cs("/tmp/evil"), cs("rules:3"), cs("world-writable directory"),
	    {NULL, 0}};
	s->ops->event(s, &ev);
	base_event(&ev, EW_EV_LOST, 15, 0);
	ev.lost = (struct ew_lost){42, "ringbuf"};
	s->ops->event(s, &ev);

	assert_int_equal(s->error, 0);
	info.finished = true;
	info.status = 137;
	info.end_wall_ns = 1700000001000000000ull;
	info.events = 15;
	assert_int_equal(s->ops->end(s, &info), 0);
	s->ops->destroy(s);
	free(big);
	free(bigs);

	/* A single file is left. */
	assert_true(exists(f->path, ""));
	assert_false(exists(f->path, "-wal"));
	assert_false(exists(f->path, "-journal"));

	sqlite3 *db = open_ro(f->path);
	struct row r;

	/* runs */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM runs", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	r.st = st;
	col_text_eq(&r, "backend", "ptrace");
	col_text_eq(&r, "argv", "[\"sh\",\"-c\",\"x \\\"y\\\"\"]");
	assert_true(col_null(&r, "attach_pid"));
	assert_int_equal(col_int(&r, "root_pid"), 100);
	assert_int_equal(col_int(&r, "start_wall"), 1700000000000000000ll);
	assert_int_equal(col_int(&r, "end_wall"), 1700000001000000000ll);
	assert_int_equal(col_int(&r, "finished"), 1);
	assert_int_equal(col_int(&r, "status"), 137);
	assert_int_equal(col_int(&r, "events"), 15);
	assert_int_equal(col_int(&r, "lost"), 42);
	col_text_eq(&r, "execwatch_version", EW_VERSION_STRING);
	row_done(&r);

	/* exec 1: every column */
	r = row_get(db, "execs", 1);
	assert_int_equal(col_int(&r, "run_id"), 1);
	assert_int_equal(col_int(&r, "time_mono"), 1000001);
	assert_int_equal(col_int(&r, "time_wall"), 1700000000000000001ll);
	assert_int_equal(col_int(&r, "pid"), 100);
	assert_int_equal(col_int(&r, "tid"), 100);
	assert_int_equal(col_int(&r, "ppid"), 1);
	col_text_eq(&r, "comm", "sh");
	col_text_eq(&r, "exe", "/bin/sh");
	col_text_eq(&r, "backend", "ptrace");
	col_text_eq(&r, "syscall", "execveat");
	assert_int_equal(col_int(&r, "nr"), 322);
	assert_int_equal(col_int(&r, "arch"), AUDIT_ARCH_X86_64);
	assert_int_equal(col_int(&r, "flags"), EW_EXEC_AT | EW_EXEC_ELF | EW_EXEC_NONLEADER);
	assert_int_equal(col_int(&r, "elf"), 1);
	assert_int_equal(col_int(&r, "nonleader"), 1);
	assert_int_equal(col_int(&r, "script"), 0);
	assert_int_equal(col_int(&r, "fileless"), 0);
	col_text_eq(&r, "path", "/usr/bin/ls");
	assert_int_equal(col_int(&r, "dirfd"), 3);
	assert_int_equal(col_int(&r, "at_flags"), 0x1000);
	col_text_eq(&r, "procname", "/usr/bin/ls");
	col_text_eq(&r, "argv", "[\"ls\",\"-l\",\"a\\tb\\\"c\\\\\"]");
	assert_int_equal(col_int(&r, "argc"), 3);
	assert_int_equal(col_int(&r, "argv_flags"), 0);
	assert_int_equal(col_int(&r, "argv_bytes"), 10);
	int64_t env1 = col_int(&r, "env_id");
	assert_int_equal(col_int(&r, "envc"), 2);
	assert_int_equal(col_int(&r, "env_flags"), 0);
	assert_int_equal(col_int(&r, "env_bytes"), 19);
	col_text_eq(&r, "cwd", "/tmp");
	assert_int_equal(col_int(&r, "retval"), 0);
	assert_true(col_null(&r, "errno_name"));
	assert_true(col_null(&r, "errno_text"));
	assert_int_equal(col_int(&r, "bin_dev"), 0x801);
	assert_int_equal(col_int(&r, "bin_ino"), 1234);
	assert_int_equal(col_int(&r, "bin_mode"), 0100755);
	assert_int_equal(col_int(&r, "bin_uid"), 0);
	assert_int_equal(col_int(&r, "bin_gid"), 0);
	assert_int_equal(col_int(&r, "bin_size"), 4096);
	assert_int_equal(col_int(&r, "bin_ctime"), 1600000000123456789ll);
	assert_int_equal(col_int(&r, "bin_mtime"), 1600000000987654321ll);
	col_text_eq(&r, "interp", "/lib64/ld-linux-x86-64.so.2");
	assert_true(col_null(&r, "interp_arg"));
	assert_int_equal(col_int(&r, "interp_dev"), 0x802);
	assert_int_equal(col_int(&r, "interp_ino"), 99);
	assert_int_equal(col_int(&r, "interp_mode"), 0100755);
	assert_int_equal(col_int(&r, "interp_uid"), 1);
	assert_int_equal(col_int(&r, "interp_gid"), 2);
	assert_int_equal(col_int(&r, "interp_size"), 200000);
	assert_int_equal(col_int(&r, "interp_ctime"), 5);
	assert_int_equal(col_int(&r, "interp_mtime"), 6);
	assert_int_equal(col_int(&r, "stdin_mode"), 020620);
	col_text_eq(&r, "stdin_path", "/dev/pts/0");
	assert_int_equal(col_int(&r, "old_tid"), 101);
	col_text_eq(&r, "new_exe", "/usr/bin/ls");
	row_done(&r);
	assert_int_equal(q_int(db,
	                       "SELECT count(*) FROM environments WHERE id = %lld AND "
	                       "env = '[\"PATH=/bin\",\"HOME=/root\"]' AND count = 2 AND "
	                       "bytes = 19",
	                       (long long)env1),
	                 1);

	/* exec 2: failure */
	r = row_get(db, "execs", 2);
	assert_int_equal(col_int(&r, "retval"), -ENOENT);
	col_text_eq(&r, "errno_name", "ENOENT");
	col_text_eq(&r, "errno_text", "No such file or directory");
	assert_true(col_null(&r, "procname"));
	assert_true(col_null(&r, "dirfd"));
	assert_true(col_null(&r, "at_flags"));
	assert_true(col_null(&r, "bin_dev"));
	assert_true(col_null(&r, "bin_mtime"));
	assert_true(col_null(&r, "interp_ino"));
	assert_true(col_null(&r, "stdin_mode"));
	assert_true(col_null(&r, "old_tid"));
	assert_true(col_null(&r, "new_exe"));
	assert_int_equal(col_int(&r, "env_id"), env1); /* deduplicated */
	row_done(&r);

	/* exec 3: exact bytes */
	r = row_get(db, "execs", 3);
	col_blob_eq(&r, "path", "/tmp/\xff", 6);
	col_blob_eq(&r, "comm", "c\x80", 2);
	col_blob_eq(&r, "cwd", "/tmp/\xfe\xc0", 7);
	col_text_eq(&r, "argv", "[\"x\\udcff\\udcfey\",\"\xc3\xa9t\xc3\xa9\",\"\"]");
	col_text_eq(&r, "errno_name", "EACCES");
	assert_int_equal(col_int(&r, "envc"), 0);
	assert_int_equal(col_int(&r, "env_flags"), EW_STRV_NULL);
	int64_t env3 = col_int(&r, "env_id");
	assert_true(env3 != env1);
	row_done(&r);
	assert_int_equal(
	    q_int(db, "SELECT env = '[]' FROM environments WHERE id = %lld", (long long)env3), 1);

	/* exec 4: the big argv, complete and in order */
	r = row_get(db, "execs", 4);
	assert_int_equal(col_int(&r, "argc"), BIG);
	assert_int_equal(col_int(&r, "argv_flags"), EW_STRV_TRUNCATED);
	assert_int_equal(col_int(&r, "env_flags"), EW_STRV_FAULT);
	assert_int_equal(col_int(&r, "env_id"), env1);
	row_done(&r);
	assert_int_equal(q_int(db, "SELECT json_array_length(argv) FROM execs WHERE seq = 4"), BIG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM execs, json_each(execs.argv) AS a "
	                           "WHERE seq = 4 AND a.value = 'arg' || a.key"),
	                 BIG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM environments"), 2);

	/* forks */
	r = row_get(db, "forks", 5);
	col_text_eq(&r, "syscall", "clone");
	assert_int_equal(col_int(&r, "child_pid"), 102);
	assert_int_equal(col_int(&r, "child_tid"), 102);
	col_text_eq(&r, "kind", "process");
	assert_int_equal(col_int(&r, "clone_flags"), 0x1200011);
	row_done(&r);
	r = row_get(db, "forks", 6);
	col_text_eq(&r, "kind", "thread");
	col_text_eq(&r, "syscall", "clone3");
	assert_int_equal(col_int(&r, "child_tid"), 103);
	assert_int_equal((uint64_t)col_int(&r, "clone_flags"), 0xffffffff00000000ull);
	row_done(&r);

	/* exits */
	r = row_get(db, "exits", 7);
	assert_int_equal(col_int(&r, "thread"), 0);
	assert_int_equal(col_int(&r, "signaled"), 0);
	assert_int_equal(col_int(&r, "code"), 3);
	assert_true(col_null(&r, "signal"));
	assert_true(col_null(&r, "signal_name"));
	assert_int_equal(col_int(&r, "core_dumped"), 0);
	assert_int_equal(col_int(&r, "status"), 3);
	row_done(&r);
	r = row_get(db, "exits", 8);
	assert_true(col_null(&r, "ppid"));
	assert_int_equal(col_int(&r, "signaled"), 1);
	assert_true(col_null(&r, "code"));
	assert_int_equal(col_int(&r, "signal"), SIGKILL);
	col_text_eq(&r, "signal_name", "SIGKILL");
	assert_int_equal(col_int(&r, "core_dumped"), 1);
	assert_int_equal(col_int(&r, "status"), 137);
	row_done(&r);
	r = row_get(db, "exits", 9);
	assert_int_equal(col_int(&r, "thread"), 1);
	assert_int_equal(col_int(&r, "tid"), 103);
	row_done(&r);

	/* syscalls */
	r = row_get(db, "syscalls", 10);
	col_text_eq(&r, "name", "openat");
	col_text_eq(&r, "procname", "/bin/sh");
	assert_int_equal(col_int(&r, "nr"), 257);
	assert_int_equal(col_int(&r, "arch"), AUDIT_ARCH_X86_64);
	assert_int_equal(col_int(&r, "time_enter"), 50);
	assert_int_equal(col_int(&r, "time_exit"), 60);
	assert_int_equal(col_int(&r, "returned"), 1);
	assert_int_equal(col_int(&r, "nargs"), 3);
	assert_int_equal(col_int(&r, "arg0"), -100);
	assert_int_equal(col_int(&r, "arg1"), 0x7fff0000);
	assert_int_equal(col_int(&r, "arg2"), 0x80000);
	assert_true(col_null(&r, "arg3"));
	assert_true(col_null(&r, "arg5"));
	col_text_eq(&r, "arg0_repr", "AT_FDCWD");
	col_blob_eq(&r, "arg1_repr", "\"/x\xff\"", 5);
	col_text_eq(&r, "arg2_repr", "O_RDONLY|O_CLOEXEC");
	assert_true(col_null(&r, "arg3_repr"));
	assert_int_equal(col_int(&r, "retno"), -2);
	col_text_eq(&r, "retno_repr", "-2 ENOENT (No such file or directory)");
	col_text_eq(&r, "errno_name", "ENOENT");
	row_done(&r);
	r = row_get(db, "syscalls", 11);
	assert_int_equal(col_int(&r, "returned"), 0);
	assert_true(col_null(&r, "time_exit"));
	assert_true(col_null(&r, "retno"));
	assert_true(col_null(&r, "retno_repr"));
	assert_true(col_null(&r, "errno_name"));
	assert_true(col_null(&r, "arch"));
	assert_int_equal(col_int(&r, "arg0"), 0);
	assert_true(col_null(&r, "arg1"));
	row_done(&r);

	/* files, libraries, policy, lost */
	r = row_get(db, "files", 12);
	col_text_eq(&r, "syscall", "openat");
	col_text_eq(&r, "path", "/etc/passwd");
	assert_int_equal(col_int(&r, "how"), EW_FILE_READ | EW_FILE_FAILED);
	assert_int_equal(col_int(&r, "open_flags"), 0x80000);
	assert_int_equal(col_int(&r, "retval"), -13);
	col_text_eq(&r, "errno_name", "EACCES");
	col_text_eq(&r, "program", "/usr/bin/ls");
	row_done(&r);
	r = row_get(db, "libraries", 13);
	col_text_eq(&r, "path", "/lib/libc.so.6");
	assert_int_equal(col_int(&r, "file_dev"), 0x803);
	assert_int_equal(col_int(&r, "file_ino"), 77);
	assert_int_equal(col_int(&r, "file_mode"), 0100644);
	assert_int_equal(col_int(&r, "file_size"), 2000000);
	assert_int_equal(col_int(&r, "file_ctime"), 8);
	assert_int_equal(col_int(&r, "file_mtime"), 9);
	col_text_eq(&r, "program", "/usr/bin/ls");
	assert_int_equal(col_int(&r, "at_exec"), 1);
	row_done(&r);
	r = row_get(db, "policy", 14);
	col_text_eq(&r, "action", "deny");
	col_text_eq(&r, "check_name", "tpe");
	col_text_eq(&r, "path", "/tmp/evil");
	col_text_eq(&r, "rule", "rules:3");
	col_text_eq(&r, "reason", "world-writable directory");
	assert_true(col_null(&r, "tip"));
	row_done(&r);
	r = row_get(db, "lost", 15);
	assert_int_equal(col_int(&r, "count"), 42);
	col_text_eq(&r, "source", "ringbuf");
	assert_int_equal(col_int(&r, "pid"), 0);
	row_done(&r);

	/* The events view: every event once, in order. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM events"), 15);
	assert_int_equal(q_int(db, "SELECT group_concat(type, ',') = "
	                           "'exec,exec,exec,exec,fork,fork,exit,exit,exit,syscall,syscall,"
	                           "file,library,policy,lost' FROM (SELECT type FROM events "
	                           "ORDER BY seq)"),
	                 1);
	assert_int_equal(q_int(db, "SELECT integrity_check = 'ok' FROM pragma_integrity_check"), 1);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------------------------------------
 * Batching, flush, end
 * ------------------------------------------------------------------------------------------- */

static void fork_event(struct ew_event *ev, uint64_t seq)
{
	base_event(ev, EW_EV_FORK, seq, 100);
	ev->fork = (struct ew_fork){(int32_t)(1000 + seq), (int32_t)(1000 + seq), EW_FORK_PROCESS,
	                            "fork", 0};
}

static int64_t count_other(const char *path, const char *table)
{
	sqlite3 *db = open_ro(path);
	int64_t n = q_int(db, "SELECT count(*) FROM %s", table);
	sqlite3_close(db);
	return n;
}

static void test_flush_visible(void **state)
{
	struct fx *f = *state;
	struct ew_sink *s = new_sink(f->path);
	struct ew_run_info info = {.backend = "ptrace"};
	assert_int_equal(s->ops->begin(s, &info), 0);
	struct ew_event ev;
	for (uint64_t i = 1; i <= 10; i++) {
		fork_event(&ev, i);
		s->ops->event(s, &ev);
	}
	assert_int_equal(s->ops->flush(s), 0);
	assert_int_equal(count_other(f->path, "forks"), 10);
	{
		sqlite3 *db = open_ro(f->path);
		assert_int_equal(q_int(db, "SELECT events FROM runs"), 10);
		sqlite3_close(db);
	}

	/* A full batch commits by itself, no flush needed. */
	for (uint64_t i = 11; i < 11 + EW_SQLITE_BATCH_EVENTS; i++) {
		fork_event(&ev, i);
		s->ops->event(s, &ev);
	}
	assert_true(count_other(f->path, "forks") >= 10 + EW_SQLITE_BATCH_EVENTS);

	/* Time: an event arriving 200 ms after the last commit commits. */
	fork_event(&ev, 11 + EW_SQLITE_BATCH_EVENTS);
	s->ops->event(s, &ev);
	struct timespec ts = {0, 250 * 1000 * 1000};
	nanosleep(&ts, NULL);
	fork_event(&ev, 12 + EW_SQLITE_BATCH_EVENTS);
	s->ops->event(s, &ev);
	assert_int_equal(count_other(f->path, "forks"), 12 + EW_SQLITE_BATCH_EVENTS);

	/* Like SIGTERM: flush then end; everything is there and the run is finished. */
	fork_event(&ev, 13 + EW_SQLITE_BATCH_EVENTS);
	s->ops->event(s, &ev);
	assert_int_equal(s->ops->flush(s), 0);
	info.finished = true;
	info.status = 143;
	assert_int_equal(s->ops->end(s, &info), 0);
	/* end() closed the database: flush and events after it are harmless. */
	assert_int_equal(s->ops->flush(s), 0);
	s->ops->event(s, &ev);
	s->ops->destroy(s);
	assert_int_equal(count_other(f->path, "forks"), 13 + EW_SQLITE_BATCH_EVENTS);
	sqlite3 *db = open_ro(f->path);
	assert_int_equal(q_int(db, "SELECT status FROM runs WHERE finished = 1"), 143);
	assert_int_equal(q_int(db, "SELECT events FROM runs"), 13 + EW_SQLITE_BATCH_EVENTS);
	sqlite3_close(db);
	assert_false(exists(f->path, "-wal"));
}

/* destroy() without end() (the command never ran) keeps the events received. */
static void test_destroy_without_end(void **state)
{
	struct fx *f = *state;
	struct ew_sink *s = new_sink(f->path);
	struct ew_event ev;
	for (uint64_t i = 1; i <= 3; i++) {
		fork_event(&ev, i);
		s->ops->event(s, &ev);
	}
	s->ops->destroy(s);
	assert_int_equal(count_other(f->path, "forks"), 3);
	sqlite3 *db = open_ro(f->path);
	assert_int_equal(q_int(db, "SELECT finished FROM runs"), 0);
	sqlite3_close(db);
}

/* Many distinct environments: each stored once, reused after falling out of the cache. */
static void test_env_dedup(void **state)
{
	struct fx *f = *state;
	struct ew_sink *s = new_sink(f->path);
	struct ew_event ev;
	static const struct ew_str a[] = {{"x", 1}};
	enum { DISTINCT = 40 };
	char vals[DISTINCT][32];
	struct ew_str envs[DISTINCT][1];
	for (int i = 0; i < DISTINCT; i++) {
		snprintf(vals[i], sizeof(vals[i]), "K=%d", i);
		envs[i][0] = cs(vals[i]);
	}
	uint64_t seq = 1;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < DISTINCT; i++) {
			exec_event(&ev, seq++, 100, "/bin/x", a, 1, 0);
			ev.exec.env = (struct ew_strv){envs[i], 1, 0, envs[i][0].len};
			s->ops->event(s, &ev);
		}
		/* The same env again: a cache hit. */
		exec_event(&ev, seq++, 100, "/bin/x", a, 1, 0);
		ev.exec.env = (struct ew_strv){env_b, 1, 0, 13};
		s->ops->event(s, &ev);
	}
	assert_int_equal(s->error, 0);
	s->ops->destroy(s);
	sqlite3 *db = open_ro(f->path);
	assert_int_equal(q_int(db, "SELECT count(*) FROM environments"), DISTINCT + 1);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT env_id) FROM execs"), DISTINCT + 1);
	assert_int_equal(q_int(db,
	                       "SELECT count(*) FROM execs JOIN environments e "
	                       "ON e.id = execs.env_id WHERE json_extract(e.env, '$[0]') = "
	                       "'K=' || ((execs.seq - 1) %% %d) AND (execs.seq %% %d) != 0",
	                       DISTINCT + 1, DISTINCT + 1),
	                 3 * DISTINCT);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

static void test_errno_map(void **state)
{
	(void)state;
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_OK, 0), 0);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_DONE, 0), 0);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_FULL, 0), -ENOSPC);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_READONLY, 0), -EROFS);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_READONLY_DBMOVED, 0), -EROFS);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_CANTOPEN, 0), -EACCES);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_CANTOPEN, ENOENT), -ENOENT);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_IOERR_WRITE, 0), -EIO);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_IOERR_WRITE, EFBIG), -EFBIG);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_NOMEM, 0), -ENOMEM);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_CORRUPT, 0), -EIO);
	assert_int_equal(ew_sink_sqlite_errno(SQLITE_BUSY, 0), -EBUSY);
}

/* A write failure mid-run (file size limit: EFBIG) sets sink->error, stops writing, and leaves
 * a readable database with what was committed. Runs in a child: the limit is per process. */
static void test_write_error(void **state)
{
	struct fx *f = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct ew_sink *s = NULL;
		if (ew_sink_sqlite_new(f->path, &s) != 0)
			_exit(10);
		struct ew_event ev;
		for (uint64_t i = 1; i <= 5; i++) {
			fork_event(&ev, i);
			s->ops->event(s, &ev);
		}
		if (s->ops->flush(s) != 0)
			_exit(11);
		struct rlimit rl = {256 * 1024, 256 * 1024};
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(12);
		static char blob[8192];
		memset(blob, 'a', sizeof(blob) - 1);
		uint64_t i = 6;
		for (; i < 5000 && !s->error; i++) {
			base_event(&ev, EW_EV_FILE, i, 100);
			ev.file = (struct ew_file){"openat", cs(blob), 0, 0, 0, NULL, cs("/x")};
			s->ops->event(s, &ev);
			if (i % 10 == 0)
				s->ops->flush(s);
		}
		if (!s->error)
			_exit(13);
		int err = s->error;
		/* Later events are ignored; end reports the error. */
		s->ops->event(s, &ev);
		struct ew_run_info info = {.finished = true};
		if (s->ops->end(s, &info) != err)
			_exit(14);
		s->ops->destroy(s);
		/* EFBIG when SQLite kept the system errno, else the generic -EIO. */
		_exit(err == -EFBIG || err == -EIO ? 0 : 15);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* The committed part is readable and consistent. */
	sqlite3 *db = open_ro(f->path);
	assert_int_equal(q_int(db, "SELECT count(*) FROM forks"), 5);
	assert_true(q_int(db, "SELECT count(*) FROM files") >= 0);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------------------------------------
 * Speed (reported, with a generous bound so that sanitizer builds pass)
 * ------------------------------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_speed(void **state)
{
	struct fx *f = *state;
	struct ew_sink *s = new_sink(f->path);
	struct ew_event ev;
	enum { N = 100000 };
	double t0 = now_s();
	for (uint64_t i = 1; i <= N; i++) {
		base_event(&ev, EW_EV_SYSCALL, i, 100);
		ev.syscall = (struct ew_syscall){.name = "read",
		                                 .nr = 0,
		                                 .arch = AUDIT_ARCH_X86_64,
		                                 .time_enter_ns = i,
		                                 .time_exit_ns = i + 1,
		                                 .returned = true,
		                                 .nargs = 3,
		                                 .args = {3, 0x1000, 4096},
		                                 .retval = 4096};
		ev.syscall.arg_repr[0] = cs("3</etc/passwd>");
		ev.syscall.arg_repr[1] = cs("\"root:x:0:0:root:/root:/bin/bash\\n\"...");
		ev.syscall.arg_repr[2] = cs("4096");
		ev.syscall.ret_repr = cs("4096");
		s->ops->event(s, &ev);
	}
	struct ew_run_info info = {.finished = true};
	assert_int_equal(s->ops->end(s, &info), 0);
	double t1 = now_s();
	s->ops->destroy(s);
	double us = (t1 - t0) * 1e6 / N;
	print_message("sqlite sink: %d syscall rows in %.3f s: %.2f us per insert\n", N, t1 - t0,
	              us);
	assert_true(us < 50.0);
	assert_int_equal(count_other(f->path, "syscalls"), N);

	/* Exec storm: 2000 execs with a 30-string environment. */
	char p2[160];
	snprintf(p2, sizeof(p2), "%s/storm.db", f->dir);
	s = new_sink(p2);
	struct ew_str env[30];
	char envs[30][64];
	for (int i = 0; i < 30; i++) {
		snprintf(envs[i], 64, "VARIABLE_%d=/some/fairly/long/value/%d", i, i * 7919);
		env[i] = cs(envs[i]);
	}
	static const struct ew_str a[] = {{"cc", 2}, {"-c", 2}, {"-O2", 3}, {"file.c", 6}};
	t0 = now_s();
	for (uint64_t i = 1; i <= 2000; i++) {
		exec_event(&ev, i, (int32_t)(100 + i), "/usr/bin/cc", a, 4, 0);
		ev.exec.env = (struct ew_strv){env, 30, 0, 1200};
		s->ops->event(s, &ev);
	}
	assert_int_equal(s->ops->end(s, &info), 0);
	t1 = now_s();
	s->ops->destroy(s);
	print_message("sqlite sink: 2000 execs in %.3f s: %.2f us per exec\n", t1 - t0,
	              (t1 - t0) * 1e6 / 2000);
	assert_int_equal(count_other(p2, "environments"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_eexist, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_missing_dir, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_unwritable_dir, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_identity, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_roundtrip, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_flush_visible, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_without_end, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_env_dedup, fx_setup, fx_teardown),
	    cmocka_unit_test(test_errno_map),
	    cmocka_unit_test_setup_teardown(test_write_error, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_speed, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
