/* SPDX-License-Identifier: MIT */
/*
 * test_text.c - the live text sink: the exact line of each event kind, escaping of hostile
 * bytes, shortening of long argv/strings, line buffering on a pipe, and the session path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "sink/text.h"

static int setup_tz(void **state)
{
	(void)state;
	/* Lines show local time: make it predictable. */
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static char *render(const struct ew_event *evs, size_t n)
{
	int fd = memfd_create("text-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	struct ew_sink *sink;
	assert_int_equal(ew_sink_text_new(fd, false, &sink), 0);
	for (size_t i = 0; i < n; i++)
		sink->ops->event(sink, &evs[i]);
	assert_int_equal(sink->ops->end(sink, NULL), 0);
	sink->ops->destroy(sink);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	char *out = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(out);
	assert_int_equal(pread(fd, out, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	return out;
}

static void expect(const struct ew_event *ev, const char *want)
{
	char *out = render(ev, 1);
	assert_string_equal(out, want);
	free(out);
}

static struct ew_str S(const char *s)
{
	return (struct ew_str){s, s ? strlen(s) : 0};
}

/* A byte-string literal with its exact length (embedded NULs and odd bytes included). */
#define L(lit) ((struct ew_str){(lit), sizeof(lit) - 1})

static const struct ew_str ls_argv[] = {{"ls", 2}, {"-l", 2}};
static const struct ew_str two_env[] = {{"A=1", 3}, {"B=2", 3}};

static struct ew_event base_event(enum ew_event_type type)
{
	struct ew_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.seq = 1;
	ev.time_wall_ns = 1700000000123456789ull; /* 22:13:20.123456 UTC */
	ev.pid = 100;
	ev.tid = 100;
	ev.ppid = 1;
	return ev;
}

static struct ew_event exec_event(void)
{
	struct ew_event ev = base_event(EW_EV_EXEC);
	ev.exec.syscall = "execve";
	ev.exec.path = S("/bin/ls");
	ev.exec.procname = S("/bin/ls");
	ev.exec.argv = (struct ew_strv){ls_argv, 2, 0, 4};
	ev.exec.env = (struct ew_strv){two_env, 2, 0, 6};
	ev.exec.cwd = S("/");
	return ev;
}

#define T "22:13:20.123456 "

static void test_exec(void **state)
{
	(void)state;
	struct ew_event ev = exec_event();
	expect(&ev, T "[100] execve(\"/bin/ls\", [\"ls\", \"-l\"], 2 vars) = 0\n");

	/* The resolved program is shown when the path does not say it. */
	ev.exec.path = S("ls");
	expect(&ev, T "[100] execve(\"ls\" </bin/ls>, [\"ls\", \"-l\"], 2 vars) = 0\n");

	ev.exec.retval = -2;
	ev.exec.procname = S("/home/u/ls");
	expect(&ev, T "[100] execve(\"ls\" </home/u/ls>, [\"ls\", \"-l\"], 2 vars) = -2 ENOENT "
		      "(No such file or directory)\n");
	/* Names given by the backend win. */
	ev.exec.errno_name = "EACCES";
	ev.exec.errno_text = "Permission denied";
	ev.exec.retval = -13;
	ev.exec.procname = (struct ew_str){NULL, 0};
	ev.exec.env.count = 1;
	expect(&ev, T "[100] execve(\"ls\", [\"ls\", \"-l\"], 1 var) = -13 EACCES "
		      "(Permission denied)\n");
}

static void test_exec_variants(void **state)
{
	(void)state;
	struct ew_event ev = exec_event();
	ev.tid = 101;
	ev.exec.syscall = "execveat";
	ev.exec.flags = EW_EXEC_AT | EW_EXEC_FILELESS | EW_EXEC_NONLEADER;
	ev.exec.dirfd = -100;
	ev.exec.at_flags = 0x1000 | 0x2;
	ev.exec.path = S("");
	ev.exec.procname = S("/memfd:x (deleted)");
	ev.exec.old_tid = 103;
	expect(&ev, T "[100/101] execveat(AT_FDCWD, \"\" </memfd:x (deleted)>, [\"ls\", \"-l\"], "
		      "2 vars, AT_EMPTY_PATH|0x2) = 0 (fileless) (by thread 103)\n");
	ev.exec.dirfd = 5;
	ev.exec.at_flags = 0;
	ev.exec.flags = EW_EXEC_AT;
	expect(&ev, T "[100/101] execveat(5, \"\" </memfd:x (deleted)>, [\"ls\", \"-l\"], "
		      "2 vars, 0) = 0\n");

	/* Unreadable and NULL pointers. */
	ev = exec_event();
	ev.exec.path = (struct ew_str){NULL, 0};
	ev.exec.procname = (struct ew_str){NULL, 0};
	ev.exec.argv = (struct ew_strv){NULL, 0, EW_STRV_NULL, 0};
	ev.exec.env = (struct ew_strv){NULL, 0, EW_STRV_NULL, 0};
	ev.exec.retval = -14;
	expect(&ev, T "[100] execve(<unreadable>, NULL, NULL) = -14 EFAULT (Bad address)\n");
	ev.exec.argv = (struct ew_strv){ls_argv, 1, EW_STRV_FAULT, 2};
	ev.exec.env = (struct ew_strv){two_env, 2, EW_STRV_TRUNCATED, 6};
	ev.exec.retval = 0;
	expect(&ev, T "[100] execve(<unreadable>, [\"ls\", ... (unreadable)], 2+ vars) = 0\n");
	ev.exec.argv = (struct ew_strv){ls_argv, 0, EW_STRV_TRUNCATED, 0};
	expect(&ev, T "[100] execve(<unreadable>, [... (truncated by execwatch)], 2+ vars) = 0\n");
}

static void test_exec_escaping(void **state)
{
	(void)state;
	static const struct ew_str odd[] = {
		L("\xff\xfe"), L("a\nb\"c\\"), L("\x1b[2J"), L("\xc3\xa9t\xc3\xa9")};
	struct ew_event ev = exec_event();
	ev.exec.path = L("/tmp/\x1b]0;x\a");
	ev.exec.procname = ev.exec.path;
	ev.exec.argv = (struct ew_strv){odd, 4, 0, 18};
	char *out = render(&ev, 1);
	assert_string_equal(out, T "[100] execve(\"/tmp/\\e]0;x\\a\", [\"\\xff\\xfe\", "
				   "\"a\\nb\\\"c\\\\\", \"\\e[2J\", \"\xc3\xa9t\xc3\xa9\"], "
				   "2 vars) = 0\n");
	/* Nothing that a terminal would interpret survives. */
	for (const char *p = out; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	free(out);
}

static void test_exec_long(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct ew_str *v = calloc(N, sizeof(*v));
	assert_non_null(v);
	char long_arg[1000];
	memset(long_arg, 'y', sizeof(long_arg));
	for (int i = 0; i < N; i++)
		v[i] = (struct ew_str){"a", 1};
	v[0] = (struct ew_str){long_arg, sizeof(long_arg)};
	struct ew_event ev = exec_event();
	ev.exec.argv = (struct ew_strv){v, N, 0, 0};
	char *out = render(&ev, 1);

	struct ew_buf want = EW_BUF_INIT;
	assert_int_equal(ew_buf_puts(&want, T "[100] execve(\"/bin/ls\", [\""), 0);
	for (int i = 0; i < 256; i++)
		assert_int_equal(ew_buf_putc(&want, 'y'), 0);
	assert_int_equal(ew_buf_puts(&want, "\"..."), 0); /* the string was cut */
	for (int i = 1; i < 32; i++)
		assert_int_equal(ew_buf_puts(&want, ", \"a\""), 0);
	assert_int_equal(ew_buf_puts(&want, ", ... (+4968 more)], 2 vars) = 0\n"), 0);
	assert_string_equal(out, want.ptr);
	ew_buf_free(&want);
	free(out);
	free(v);
}

static void test_fork_exit(void **state)
{
	(void)state;
	struct ew_event ev = base_event(EW_EV_FORK);
	ev.fork = (struct ew_fork){101, 101, EW_FORK_PROCESS, "clone", 0};
	expect(&ev, T "[100] clone -> 101 (process)\n");
	ev.fork = (struct ew_fork){100, 102, EW_FORK_THREAD, "clone3", 0};
	expect(&ev, T "[100] clone3 -> 102 (thread)\n");
	ev.fork = (struct ew_fork){103, 103, EW_FORK_PROCESS, NULL, 0};
	expect(&ev, T "[100] fork -> 103 (process)\n");

	ev = base_event(EW_EV_EXIT);
	ev.exit = (struct ew_exit){false, false, 0, 0, false, 0};
	expect(&ev, T "[100] exit 0\n");
	ev.exit = (struct ew_exit){false, false, 3, 0, false, 3};
	expect(&ev, T "[100] exit 3\n");
	ev.exit = (struct ew_exit){false, true, 0, SIGKILL, false, 137};
	expect(&ev, T "[100] killed by SIGKILL\n");
	ev.tid = 102;
	ev.exit = (struct ew_exit){true, true, 0, SIGSEGV, true, 139};
	expect(&ev, T "[100/102] thread killed by SIGSEGV (core dumped)\n");
	ev.exit = (struct ew_exit){true, false, 1, 0, false, 1};
	expect(&ev, T "[100/102] thread exit 1\n");
	ev.tid = 100;
	ev.exit = (struct ew_exit){false, true, 0, 99, false, 227};
	expect(&ev, T "[100] killed by signal 99\n");
}

static void test_other_types(void **state)
{
	(void)state;
	struct ew_event ev = base_event(EW_EV_SYSCALL);
	struct ew_syscall *c = &ev.syscall;
	c->name = "openat";
	c->returned = true;
	c->nargs = 3;
	c->args[2] = 0x80000;
	c->arg_repr[0] = S("AT_FDCWD");
	c->arg_repr[1] = S("\"/etc/passwd\"");
	c->retval = 3;
	c->ret_repr = S("3</etc/passwd>");
	expect(&ev, T "[100] openat(AT_FDCWD, \"/etc/passwd\", 0x80000) = 3</etc/passwd>\n");
	c->ret_repr = (struct ew_str){NULL, 0};
	c->retval = -2;
	expect(&ev, T "[100] openat(AT_FDCWD, \"/etc/passwd\", 0x80000) = -2 ENOENT "
		      "(No such file or directory)\n");
	/* Rendered text keeps its quotes but loses terminal controls and invalid bytes. */
	c->arg_repr[1] = L("\"\x1b\xff\xc3\xa9\"");
	c->returned = false;
	expect(&ev, T "[100] openat(AT_FDCWD, \"\\x1b\\xff\xc3\xa9\", 0x80000) = ?\n");

	ev = base_event(EW_EV_FILE);
	ev.file = (struct ew_file){"openat", S("/etc/ld.so.cache"), EW_FILE_READ, 0, 3, NULL,
				   S("/bin/ls")};
	expect(&ev, T "[100] file openat \"/etc/ld.so.cache\" (read) = 3\n");
	ev.file = (struct ew_file){"openat", S("/x"),
				   EW_FILE_READ | EW_FILE_WRITE | EW_FILE_CREATE | EW_FILE_FAILED,
				   0, -13, NULL, {NULL, 0}};
	expect(&ev, T "[100] file openat \"/x\" (read,write,create) = -13 EACCES "
		      "(Permission denied)\n");
	ev.file = (struct ew_file){NULL, S("/y"), 0, 0, 0, NULL, {NULL, 0}};
	expect(&ev, T "[100] file \"/y\" = 0\n");

	ev = base_event(EW_EV_LIBRARY);
	ev.library = (struct ew_library){S("/lib/libc.so.6"), {0}, S("/bin/ls"), true};
	expect(&ev, T "[100] library \"/lib/libc.so.6\" (program, at exec)\n");
	ev.library.at_exec = false;
	expect(&ev, T "[100] library \"/lib/libc.so.6\" (program)\n");

	ev = base_event(EW_EV_POLICY);
	ev.policy = (struct ew_policy){EW_ACT_DENY, "tpe", S("/tmp/x"), S("/etc/ew.rules:3"),
				       S("writable directory"), S("allow /tmp/x")};
	expect(&ev, T "[100] policy deny \"/tmp/x\" (tpe, rule /etc/ew.rules:3): writable "
		      "directory; tip: allow /tmp/x\n");
	ev.policy = (struct ew_policy){EW_ACT_ALLOW, NULL, S("/bin/ls"), {NULL, 0}, {NULL, 0},
				       {NULL, 0}};
	expect(&ev, T "[100] policy allow \"/bin/ls\"\n");

	ev = base_event(EW_EV_LOST);
	ev.pid = ev.tid = 0;
	ev.lost = (struct ew_lost){12, "ringbuf"};
	expect(&ev, T "lost 12 events (ringbuf)\n");
	ev.lost = (struct ew_lost){1, NULL};
	expect(&ev, T "lost 1 event\n");
}

static void test_pipe_line_buffered_and_session(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	assert_int_equal(ew_session_add_text(s, p[1], true), 0);
	struct ew_event ev = base_event(EW_EV_EXIT);
	ev.time_wall_ns = 0; /* ew_publish() stamps it */
	ev.exit = (struct ew_exit){false, false, 7, 0, false, 7};
	ew_publish(s, &ev);
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 0), 1); /* written at once */
	char buf[256];
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	/* "HH:MM:SS.uuuuuu [100] exit 7\n" */
	assert_int_equal(n, 16 + 13);
	assert_int_equal(buf[2], ':');
	assert_int_equal(buf[8], '.');
	assert_string_equal(buf + 16, "[100] exit 7\n");
	ew_session_free(s);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 0); /* the sink closed its fd */
	close(p[0]);
}

static void test_write_error(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	struct ew_sink *sink;
	assert_int_equal(ew_sink_text_new(p[1], true, &sink), 0);
	struct ew_event ev = exec_event();
	sink->ops->event(sink, &ev);
	assert_int_equal(sink->error, -EPIPE);
	assert_int_equal(sink->ops->end(sink, NULL), -EPIPE);
	sink->ops->destroy(sink);
	assert_int_equal(ew_sink_text_new(-1, false, &sink), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_variants),
		cmocka_unit_test(test_exec_escaping),
		cmocka_unit_test(test_exec_long),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_pipe_line_buffered_and_session),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
