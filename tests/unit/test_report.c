/* SPDX-License-Identifier: MIT */
/*
 * test_report.c - `execwatch report`: databases built through the SQLite sink from synthetic
 * events, read back into the tree and the failed execs, rendered as text and JSON; the refusals
 * (missing, not SQLite, foreign, newer schema, corrupt); option parsing; the argv decoder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "cli/cli.h"
#include "escape.h"
#include "report/reader.h"
#include "report/render.h"
#include "session.h"
#include "sink/sqlite.h"

struct fx {
	char dir[64];
	char path[128];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/ew-test-report.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/x.db", f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[200];
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

/* ---------------------------------------------------------------------------------------------
 * Building a recording
 * ------------------------------------------------------------------------------------------- */

struct rec {
	struct ew_sink *sink;
	uint64_t seq;
};

static void rec_start(struct rec *r, const char *path, char **argv)
{
	r->seq = 0;
	assert_int_equal(ew_sink_sqlite_new(path, &r->sink), 0);
	struct ew_run_info info = {.backend = "ptrace",
	                           .argv = argv,
	                           .root_pid = 100,
	                           .start_wall_ns = 1700000000000000000ull};
	assert_int_equal(r->sink->ops->begin(r->sink, &info), 0);
}

static void rec_end(struct rec *r, bool finished, int status)
{
	struct ew_run_info info = {.backend = "ptrace",
	                           .root_pid = 100,
	                           .finished = finished,
	                           .status = status,
	                           .end_wall_ns = 1700000002500000000ull,
	                           .events = r->seq};
	if (finished)
		assert_int_equal(r->sink->ops->end(r->sink, &info), 0);
	r->sink->ops->destroy(r->sink);
	r->sink = NULL;
}

static void ev_init(struct rec *r, struct ew_event *ev, enum ew_event_type t, int32_t pid,
                    int32_t ppid, const char *exe)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = t;
	ev->seq = ++r->seq;
	ev->time_mono_ns = r->seq;
	ev->time_wall_ns = 1700000000000000000ull + r->seq;
	ev->pid = pid;
	ev->tid = pid;
	ev->ppid = ppid;
	ev->exe = cs(exe);
	ev->comm = cs("x");
	ev->backend = "ptrace";
}

static void rec_exec(struct rec *r, int32_t pid, int32_t ppid, const char *exe, const char *path,
                     const struct ew_str *argv, size_t argc, int err)
{
	struct ew_event ev;
	ev_init(r, &ev, EW_EV_EXEC, pid, ppid, exe);
	ev.exec.syscall = "execve";
	ev.exec.path = cs(path);
	ev.exec.procname = cs(path);
	ev.exec.argv = (struct ew_strv){argv, argc, 0, 0};
	ev.exec.env = (struct ew_strv){NULL, 0, 0, 0};
	ev.exec.retval = err ? -err : 0;
	if (!err)
		ev.exec.new_exe = cs(path);
	r->sink->ops->event(r->sink, &ev);
}

static void rec_fork(struct rec *r, int32_t pid, int32_t child, enum ew_fork_kind kind)
{
	struct ew_event ev;
	ev_init(r, &ev, EW_EV_FORK, pid, 1, "/bin/sh");
	ev.fork =
	    (struct ew_fork){child, kind == EW_FORK_THREAD ? child + 50 : child, kind, "clone", 0};
	if (kind == EW_FORK_THREAD)
		ev.fork.child_pid = pid;
	r->sink->ops->event(r->sink, &ev);
}

static void rec_exit(struct rec *r, int32_t pid, int code, int sig)
{
	struct ew_event ev;
	ev_init(r, &ev, EW_EV_EXIT, pid, 1, "/bin/sh");
	ev.exit =
	    (struct ew_exit){false, sig != 0, sig ? 0 : code, sig, false, sig ? 128 + sig : code};
	r->sink->ops->event(r->sink, &ev);
}

/*
 * The standard recording:
 *   100 /bin/sh  sh -c 'x'                          exit 0
 *     101 fails /nonexistent (ENOENT), then runs /usr/bin/true  exit 0
 *     102 /bin/echo with 5000 args                 killed by SIGKILL
 *     (a thread of 100 is created: not a process)
 *     101 again (pid reused): forked, no exec, non-UTF-8 exec fails with EACCES, exit 3
 */
enum { BIG = 5000 };
static char *std_argv[] = {(char *)"sh", (char *)"-c", (char *)"x", NULL};

static void make_standard(const char *path)
{
	struct rec r;
	rec_start(&r, path, std_argv);
	static const struct ew_str a_sh[] = {{"sh", 2}, {"-c", 2}, {"x", 1}};
	static const struct ew_str a_true[] = {{"true", 4}};
	static const struct ew_str a_bad[] = {{"b\xff", 2}};
	struct ew_str *big = calloc(BIG, sizeof(*big));
	char(*bigs)[16] = calloc(BIG, 16);
	assert_non_null(big);
	assert_non_null(bigs);
	for (int i = 0; i < BIG; i++) {
		snprintf(bigs[i], 16, "a%d", i);
		big[i] = cs(bigs[i]);
	}
	rec_exec(&r, 100, 99, "/usr/bin/execwatch", "/bin/sh", a_sh, 3, 0);
	rec_fork(&r, 100, 101, EW_FORK_PROCESS);
	rec_exec(&r, 101, 100, "/bin/sh", "/nonexistent", a_true, 1, ENOENT);
	rec_exec(&r, 101, 100, "/bin/sh", "/usr/bin/true", a_true, 1, 0);
	rec_fork(&r, 100, 102, EW_FORK_PROCESS);
	rec_fork(&r, 100, 0, EW_FORK_THREAD);
	rec_exit(&r, 101, 0, 0);
	rec_exec(&r, 102, 100, "/bin/sh", "/bin/echo", big, BIG, 0);
	rec_exit(&r, 102, 0, SIGKILL);
	rec_fork(&r, 100, 101, EW_FORK_PROCESS);
	rec_exec(&r, 101, 100, "/bin/sh", "/tmp/b\xff", a_bad, 1, EACCES);
	rec_exit(&r, 101, 3, 0);
	rec_exit(&r, 100, 0, 0);
	rec_end(&r, true, 0);
	free(big);
	free(bigs);
}

static struct ew_report *load(const char *path)
{
	struct ew_report_db *db = NULL;
	struct ew_report_err err;
	int r = ew_report_open(path, &db, &err);
	if (r)
		fail_msg("open %s: %d %s", path, r, err.detail);
	struct ew_report *rep = NULL;
	r = ew_report_load(db, &rep, &err);
	if (r)
		fail_msg("load %s: %d %s", path, r, err.detail);
	ew_report_close(db);
	return rep;
}

/* Renders into a string (caller frees). */
static char *render(const struct ew_report *rep, bool json, const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct ew_render_opts o = {.file = file};
	int r = json ? ew_render_json(f, rep, &o) : ew_render_text(f, rep, &o);
	assert_int_equal(r, 0);
	fclose(f);
	return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected to find\n  %s\nin:\n%s", needle, hay);
}

/* ---------------------------------------------------------------------------------------------
 * The model
 * ------------------------------------------------------------------------------------------- */

static void test_tree_model(void **state)
{
	struct fx *f = *state;
	make_standard(f->path);
	struct ew_report *rep = load(f->path);

	assert_int_equal(rep->run.schema_version, EW_SQLITE_SCHEMA_VERSION);
	assert_true(rep->run.finished);
	assert_int_equal(rep->run.status, 0);
	assert_true(rep->run.has_argv);
	assert_int_equal(rep->run.argv.count, 3);
	assert_string_equal(rep->run.argv.v[2].ptr, "x");
	assert_string_equal(rep->run.backend.ptr, "ptrace");
	assert_int_equal(rep->run.root_pid, 100);
	assert_int_equal(rep->run.events, 13);

	/* 100, 101, 102, 101 again: threads are not processes. */
	assert_int_equal(rep->nprocs, 4);
	size_t root = rep->first_root;
	assert_int_not_equal(root, EW_REPORT_NONE);
	assert_int_equal(rep->procs[root].next_sibling, EW_REPORT_NONE);
	const struct ew_report_proc *p = &rep->procs[root];
	assert_int_equal(p->pid, 100);
	assert_string_equal(p->program.ptr, "/bin/sh");
	assert_false(p->program_inherited);
	assert_int_equal(p->execs_ok, 1);
	assert_true(p->exited);
	assert_int_equal(p->code, 0);

	size_t c1 = p->first_child;
	const struct ew_report_proc *k = &rep->procs[c1];
	assert_int_equal(k->pid, 101);
	assert_int_equal(k->execs_ok, 1);
	assert_int_equal(k->execs_failed, 1);
	assert_string_equal(k->program.ptr, "/usr/bin/true");
	assert_int_equal(k->argv.count, 1);
	assert_int_equal(k->parent, root);

	const struct ew_report_proc *k2 = &rep->procs[k->next_sibling];
	assert_int_equal(k2->pid, 102);
	assert_int_equal(k2->argv.count, BIG);
	assert_string_equal(k2->argv.v[BIG - 1].ptr, "a4999");
	assert_true(k2->signaled);
	assert_int_equal(k2->signal, SIGKILL);

	const struct ew_report_proc *k3 = &rep->procs[k2->next_sibling];
	assert_int_equal(k3->pid, 101); /* the reused pid: another process */
	assert_true(k3 != k);
	assert_true(k3->program_inherited);
	assert_string_equal(k3->program.ptr, "/bin/sh");
	assert_false(k3->has_argv);
	assert_int_equal(k3->execs_failed, 1);
	assert_string_equal(k3->last_errno, "EACCES");
	assert_int_equal(k3->code, 3);
	assert_int_equal(k3->next_sibling, EW_REPORT_NONE);

	assert_int_equal(rep->nfails, 2);
	assert_string_equal(rep->fails[0].path.ptr, "/nonexistent");
	assert_string_equal(rep->fails[0].errno_name.ptr, "ENOENT");
	assert_string_equal(rep->fails[0].errno_text.ptr, "No such file or directory");
	assert_int_equal(rep->fails[0].retval, -ENOENT);
	assert_int_equal(rep->fails[0].pid, 101);
	assert_int_equal(rep->fails[1].path.len, 7);
	assert_memory_equal(rep->fails[1].path.ptr, "/tmp/b\xff", 7);
	ew_report_free(rep);
}

/* A child whose events arrive before its parent's fork event is adopted, not duplicated; a
 * process first seen without a fork hangs under its live parent (ppid). */
static void test_tree_adoption(void **state)
{
	struct fx *f = *state;
	struct rec r;
	rec_start(&r, f->path, std_argv);
	static const struct ew_str a[] = {{"a", 1}};
	rec_exec(&r, 100, 1, "/bin/sh", "/bin/sh", a, 1, 0);
	rec_exec(&r, 200, 100, "/bin/sh", "/bin/ls", a, 1, 0); /* before its fork */
	rec_fork(&r, 100, 200, EW_FORK_PROCESS);
	rec_exec(&r, 300, 200, "/bin/ls", "/bin/cat", a, 1, 0); /* never forked: under 200 */
	rec_exec(&r, 400, 7, "/x", "/bin/date", a, 1, 0);       /* unknown parent: a root */
	rec_end(&r, false, 0);

	struct ew_report *rep = load(f->path);
	assert_false(rep->run.finished);
	assert_int_equal(rep->nprocs, 4);
	const struct ew_report_proc *root = &rep->procs[rep->first_root];
	assert_int_equal(root->pid, 100);
	const struct ew_report_proc *c = &rep->procs[root->first_child];
	assert_int_equal(c->pid, 200);
	assert_true(c->forked);
	assert_int_equal(c->next_sibling, EW_REPORT_NONE);
	assert_int_equal(rep->procs[c->first_child].pid, 300);
	assert_int_equal(rep->procs[root->next_sibling].pid, 400);
	char *text = render(rep, false, "x.db");
	assert_contains(text, "status:   unknown: the recording did not finish\n");
	assert_contains(text, "100 \"/bin/sh\" [\"a\"]: exec ok, no exit seen\n"
	                      "  200 \"/bin/ls\" [\"a\"]: exec ok, no exit seen\n"
	                      "    300 \"/bin/cat\" [\"a\"]: exec ok, no exit seen\n"
	                      "400 \"/bin/date\"");
	free(text);
	ew_report_free(rep);
}

/* ---------------------------------------------------------------------------------------------
 * Rendering
 * ------------------------------------------------------------------------------------------- */

static void test_text(void **state)
{
	struct fx *f = *state;
	make_standard(f->path);
	struct ew_report *rep = load(f->path);
	char *t = render(rep, false, "x.db");
	assert_contains(t, "execwatch report: x.db (schema 2, written by execwatch ");
	assert_contains(t, "\ncommand:  [\"sh\", \"-c\", \"x\"]\n");
	assert_contains(t, "\nbackend:  ptrace on ");
	assert_contains(t, "\nstarted:  ");
	assert_contains(t, ", ran 2.500 s\n");
	assert_contains(t, "\nstatus:   0\n");
	assert_contains(t, "\nevents:   13 recorded, 0 lost\n");
	assert_contains(t, "\nProcesses (4):\n"
	                   "100 \"/bin/sh\" [\"sh\", \"-c\", \"x\"]: exec ok, exit 0\n"
	                   "  101 \"/usr/bin/true\" [\"true\"]: exec ok after 1 failed, exit 0\n"
	                   "  102 \"/bin/echo\" [\"a0\", \"a1\", \"a2\", \"a3\", \"a4\", \"a5\", "
	                   "\"a6\", \"a7\", \"a8\", \"a9\", \"a10\", \"a11\", \"a12\", \"a13\", "
	                   "\"a14\", \"a15\", ... (+4984 more)]: exec ok, killed by SIGKILL\n"
	                   "  101 \"/bin/sh\" (inherited): exec failed: EACCES, exit 3\n");
	assert_contains(t,
	                "\nFailed execs (2):\n"
	                "  101 execve \"/nonexistent\": ENOENT (No such file or directory), "
	                "retval -2\n"
	                "  101 execve \"/tmp/b\\xff\": EACCES (Permission denied), retval -13\n");
	free(t);
	ew_report_free(rep);
}

/* Runs jq FILTER on the file; true when jq exits 0 (-e: last output true). */
static bool jq_true(const char *file, const char *filter)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "jq -e '%s' '%s' >/dev/null 2>&1", filter, file);
	return system(cmd) == 0;
}

static void test_json(void **state)
{
	struct fx *f = *state;
	if (system("jq --version >/dev/null 2>&1") != 0)
		skip();
	make_standard(f->path);
	struct ew_report *rep = load(f->path);
	char *j = render(rep, true, "x.db");
	char out[160];
	snprintf(out, sizeof(out), "%s/r.json", f->dir);
	FILE *o = fopen(out, "we");
	assert_non_null(o);
	fputs(j, o);
	fclose(o);
	static const char *const checks[] = {
	    ".file == \"x.db\" and .schema_version == 2",
	    ".run.command == [\"sh\",\"-c\",\"x\"] and .run.exit_status == 0 and "
	    ".run.finished and .run.events == 13 and .run.backend == \"ptrace\" and "
	    ".run.root_pid == 100 and .run.attach_pid == null",
	    ".processes | length == 1",
	    ".processes[0] | .pid == 100 and .program == \"/bin/sh\" and .result == \"ok\" and "
	    ".exit == {\"status\":0,\"code\":0,\"signal\":null,\"core_dumped\":false}",
	    ".processes[0].children | map(.pid) == [101,102,101]",
	    ".processes[0].children[0] | .execs == 1 and .failed_execs == 1 and "
	    ".argv == [\"true\"] and .children == []",
	    ".processes[0].children[1] | (.argv | length) == 5000 and .argv[4999] == \"a4999\" "
	    "and .exit.signal == \"SIGKILL\" and .exit.code == null and .exit.status == 137",
	    ".processes[0].children[2] | .argv == null and .result == \"failed\" and "
	    ".errno == \"EACCES\" and .program_inherited",
	    ".failed_execs | length == 2",
	    ".failed_execs[0] | .pid == 101 and .path == \"/nonexistent\" and .errno == "
	    "\"ENOENT\" and .retval == -2 and .errno_text == \"No such file or directory\" and "
	    ".syscall == \"execve\"",
	    ".failed_execs[1].path == \"/tmp/b\\udcff\"",
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!jq_true(out, checks[i]))
			fail_msg("jq check failed: %s\non: %.2000s", checks[i], j);
	free(j);
	ew_report_free(rep);
}

/* A 20000-deep chain of forks: rendering does not recurse, indentation is capped. */
static void test_deep_tree(void **state)
{
	struct fx *f = *state;
	enum { DEPTH = 20000 };
	struct rec r;
	rec_start(&r, f->path, std_argv);
	for (int i = 0; i < DEPTH; i++)
		rec_fork(&r, 1000 + i, 1001 + i, EW_FORK_PROCESS);
	rec_end(&r, true, 0);
	struct ew_report *rep = load(f->path);
	assert_int_equal(rep->nprocs, DEPTH + 1);
	char *t = render(rep, false, "x.db");
	assert_contains(t, "[depth 20000] 21000 \"/bin/sh\" (inherited): no exec, no exit seen\n");
	free(t);
	char *j = render(rep, true, "x.db");
	size_t opens = 0, closes = 0;
	for (const char *p = j; *p; p++) {
		opens += *p == '[';
		closes += *p == ']';
	}
	assert_int_equal(opens, closes);
	free(j);
	ew_report_free(rep);
}

/* ---------------------------------------------------------------------------------------------
 * The CLI and its refusals
 * ------------------------------------------------------------------------------------------- */

struct cli_result {
	int status;
	char out[256 * 1024];
	char err[2048];
};

static void slurp(int fd, char *buf, size_t size)
{
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Runs ew_cmd_report(args) with stdout and stderr captured. */
static void run_cli(struct cli_result *res, int argc, const char **args)
{
	char *argv[16];
	assert_true(argc < 16);
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	FILE *fo = tmpfile(), *fe = tmpfile();
	assert_non_null(fo);
	assert_non_null(fe);
	int so = dup(1), se = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	res->status = ew_cmd_report(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(fileno(fo), res->out, sizeof(res->out));
	slurp(fileno(fe), res->err, sizeof(res->err));
	fclose(fo);
	fclose(fe);
}

static void assert_refused(const char *path, const char *expected_err)
{
	static struct cli_result res;
	const char *args[] = {"report", "-i", path};
	run_cli(&res, 3, args);
	if (res.status != 1 || strcmp(res.err, expected_err) != 0)
		fail_msg("report -i %s: status %d, stderr:\n%s\nexpected status 1 and:\n%s", path,
		         res.status, res.err, expected_err);
	assert_string_equal(res.out, "");
}

static void test_cli_ok(void **state)
{
	struct fx *f = *state;
	make_standard(f->path);
	static struct cli_result res;
	const char *a1[] = {"report", "-i", f->path};
	run_cli(&res, 3, a1);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.err, "");
	assert_contains(res.out, "  101 \"/usr/bin/true\" [\"true\"]: exec ok after 1 failed");
	assert_contains(res.out, "Failed execs (2):");

	char opt[200];
	snprintf(opt, sizeof(opt), "--input=%s", f->path);
	const char *a2[] = {"report", opt, "--json"};
	run_cli(&res, 3, a2);
	assert_int_equal(res.status, 0);
	assert_true(res.out[0] == '{');
	assert_contains(res.out, "\"failed_execs\":[{");

	/* Default file: ./execwatch.db */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(rename(f->path, "execwatch.db"), 0);
	const char *a3[] = {"report"};
	run_cli(&res, 1, a3);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(res.status, 0);
	assert_contains(res.out, "execwatch report: execwatch.db");
}

/* A relative name that looks like an SQLite URI is a plain file name, for writing and reading. */
static void test_uri_like_name(void **state)
{
	struct fx *f = *state;
	static const char name[] = "file:odd.db?mode=memory";
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	make_standard(name);
	bool on_disk = access(name, F_OK) == 0;
	static struct cli_result res;
	const char *args[] = {"report", "-i", name};
	run_cli(&res, 3, args);
	assert_int_equal(chdir(cwd), 0);
	assert_true(on_disk);
	assert_int_equal(res.status, 0);
	assert_contains(res.out, "Failed execs (2):");
}

static void test_cli_options(void **state)
{
	(void)state;
	static struct cli_result res;
	const char *a1[] = {"report", "--bogus"};
	run_cli(&res, 2, a1);
	assert_int_equal(res.status, 2);
	assert_contains(res.err, "execwatch: report: unknown option '--bogus'\n");
	assert_string_equal(res.out, "");

	const char *a2[] = {"report", "-i"};
	run_cli(&res, 2, a2);
	assert_int_equal(res.status, 2);
	assert_contains(res.err, "needs a file name");

	const char *a3[] = {"report", "file.db"};
	run_cli(&res, 2, a3);
	assert_int_equal(res.status, 2);
	assert_contains(res.err, "unexpected argument 'file.db'");

	const char *a4[] = {"report", "--help"};
	run_cli(&res, 2, a4);
	assert_int_equal(res.status, 0);
	assert_contains(res.out, "Usage: execwatch report [-i FILE] [--json]");
	assert_string_equal(res.err, "");

	const char *a5[] = {"report", "-x", "--json"};
	run_cli(&res, 3, a5);
	assert_int_equal(res.status, 2);
	assert_contains(res.err, "unknown option '-x'");
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	char p[200], expect[512];

	snprintf(p, sizeof(p), "%s/missing.db", f->dir);
	snprintf(expect, sizeof(expect), "execwatch: cannot open '%s': No such file or directory\n",
	         p);
	assert_refused(p, expect);
	assert_int_equal(access(p, F_OK), -1); /* not created */

	snprintf(expect, sizeof(expect), "execwatch: cannot open '%s': Is a directory\n", f->dir);
	assert_refused(f->dir, expect);

	/* Not SQLite: text, and an empty file. */
	snprintf(p, sizeof(p), "%s/text.db", f->dir);
	char text[4096];
	memset(text, 'x', sizeof(text));
	write_file(p, text, sizeof(text));
	snprintf(expect, sizeof(expect), "execwatch: '%s' is not an execwatch database\n", p);
	assert_refused(p, expect);
	snprintf(p, sizeof(p), "%s/empty.db", f->dir);
	write_file(p, "", 0);
	snprintf(expect, sizeof(expect), "execwatch: '%s' is not an execwatch database\n", p);
	assert_refused(p, expect);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0); /* untouched */

	/* A foreign SQLite database. */
	snprintf(p, sizeof(p), "%s/foreign.db", f->dir);
	sql_exec(p, "CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 2);");
	snprintf(expect, sizeof(expect), "execwatch: '%s' is not an execwatch database\n", p);
	assert_refused(p, expect);
	/* Another application's id, even with tables named like ours. */
	sql_exec(p, "CREATE TABLE meta (key, value); PRAGMA application_id = 1234;");
	assert_refused(p, expect);

	/* A newer schema. */
	snprintf(p, sizeof(p), "%s/newer.db", f->dir);
	make_standard(p);
	sql_exec(p, "PRAGMA user_version = 7; UPDATE meta SET value = 7 WHERE key = "
	            "'schema_version';");
	snprintf(expect, sizeof(expect),
	         "execwatch: '%s' was written by a newer execwatch (schema 7, this build reads "
	         "up to 2)\n",
	         p);
	assert_refused(p, expect);

	/* Only the meta table says newer. */
	snprintf(p, sizeof(p), "%s/newer2.db", f->dir);
	make_standard(p);
	sql_exec(p, "UPDATE meta SET value = 3 WHERE key = 'schema_version';");
	snprintf(expect, sizeof(expect),
	         "execwatch: '%s' was written by a newer execwatch (schema 3, this build reads "
	         "up to 2)\n",
	         p);
	assert_refused(p, expect);

	/* Damaged: a table dropped; pages overwritten. */
	snprintf(p, sizeof(p), "%s/notable.db", f->dir);
	make_standard(p);
	sql_exec(p, "DROP VIEW events; DROP TABLE forks;");
	static struct cli_result res;
	const char *args[] = {"report", "-i", p};
	run_cli(&res, 3, args);
	assert_int_equal(res.status, 1);
	snprintf(expect, sizeof(expect), "execwatch: '%s' is corrupt (no such table: forks)\n", p);
	assert_string_equal(res.err, expect);

	snprintf(p, sizeof(p), "%s/corrupt.db", f->dir);
	make_standard(p);
	assert_int_equal(stat(p, &st), 0);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	/* Keep page 1 (header, schema), garble everything after it. */
	for (off_t off = 4096; off < st.st_size; off += (off_t)sizeof(text))
		assert_true(pwrite(fd, text, sizeof(text), off) > 0);
	close(fd);
	run_cli(&res, 3, args);
	assert_int_equal(res.status, 1);
	snprintf(expect, sizeof(expect), "execwatch: '%s' is corrupt (", p);
	if (strncmp(res.err, expect, strlen(expect)) != 0 &&
	    !strstr(res.err, "is not an execwatch database"))
		fail_msg("corrupt file: %s", res.err);
	assert_int_equal(strchr(res.err, '\n') - res.err + 1, (long)strlen(res.err));
}

/* ---------------------------------------------------------------------------------------------
 * argv decoder
 * ------------------------------------------------------------------------------------------- */

static int decode(const char *json, struct ew_report_strv *v, struct ew_arena *a)
{
	return ew_report_decode_strv(a, json, strlen(json), v);
}

static void test_decode_strv(void **state)
{
	(void)state;
	struct ew_arena a = EW_ARENA_INIT;
	struct ew_report_strv v;
	assert_int_equal(decode("[]", &v, &a), 0);
	assert_int_equal(v.count, 0);
	assert_int_equal(decode(" [ \"a\" , \"\" ,\"b c\"] ", &v, &a), 0);
	assert_int_equal(v.count, 3);
	assert_string_equal(v.v[0].ptr, "a");
	assert_int_equal(v.v[1].len, 0);
	assert_string_equal(v.v[2].ptr, "b c");
	assert_int_equal(decode("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u007f\\u00e9\"]", &v, &a),
	                 0);
	assert_int_equal(v.v[0].len, 12);
	assert_memory_equal(v.v[0].ptr, "\"\\/\b\f\n\r\t\x01\x7f\xc3\xa9", 12);
	/* surrogateescape bytes and a real surrogate pair */
	assert_int_equal(decode("[\"x\\udcff\\udc80y\",\"\\ud83d\\ude00\"]", &v, &a), 0);
	assert_int_equal(v.v[0].len, 4);
	assert_memory_equal(v.v[0].ptr, "x\xff\x80y", 4);
	assert_int_equal(v.v[1].len, 4);
	assert_memory_equal(v.v[1].ptr, "\xf0\x9f\x98\x80", 4);
	/* raw UTF-8 passes through */
	assert_int_equal(decode("[\"\xc3\xa9\"]", &v, &a), 0);
	assert_string_equal(v.v[0].ptr, "\xc3\xa9");

	static const char *const bad[] = {
	    "",          "{}",        "[",           "[\"a\"",        "[\"a\",]", "[1]",
	    "[\"a\"] x", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\ud800\"]", "[,]",      "[\"a\" \"b\"]",
	    "null"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (decode(bad[i], &v, &a) != -EINVAL)
			fail_msg("accepted bad JSON: %s", bad[i]);
	ew_arena_free(&a);
}

/* Round trip: any bytes through the sink's JSON and back. */
static void test_decode_roundtrip(void **state)
{
	(void)state;
	char bytes[255];
	for (int i = 0; i < 255; i++)
		bytes[i] = (char)(i + 1);
	struct ew_str one = {bytes, sizeof(bytes)};
	struct ew_strv sv = {&one, 1, 0, sizeof(bytes)};
	struct ew_buf b = EW_BUF_INIT;
	assert_int_equal(ew_json_strv(&b, &sv), 0);
	struct ew_arena a = EW_ARENA_INIT;
	struct ew_report_strv v;
	assert_int_equal(ew_report_decode_strv(&a, b.ptr, b.len, &v), 0);
	assert_int_equal(v.count, 1);
	assert_int_equal(v.v[0].len, sizeof(bytes));
	assert_memory_equal(v.v[0].ptr, bytes, sizeof(bytes));
	ew_buf_free(&b);
	ew_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tree_model, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tree_adoption, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_text, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_json, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_deep_tree, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cli_ok, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_uri_like_name, fx_setup, fx_teardown),
	    cmocka_unit_test(test_cli_options),
	    cmocka_unit_test_setup_teardown(test_refusals, fx_setup, fx_teardown),
	    cmocka_unit_test(test_decode_strv),
	    cmocka_unit_test(test_decode_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
