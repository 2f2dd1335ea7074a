/* SPDX-License-Identifier: MIT */
/*
 * test_jsonl.c - the JSON Lines sink: exact lines for every event type, null for absent values,
 * arbitrary bytes, a 5000-element argv, buffering (file vs pipe), write errors, and the session
 * path. jq and python3, when present, check that the output parses and round-trips.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <poll.h>
#include <pthread.h>
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "sink/jsonl.h"
#include "sink/out.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static int memfd(void)
{
	int fd = memfd_create("jsonl-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* The whole content of a regular file, NUL-terminated; *len receives its size. */
static char *file_content(int fd, size_t *len)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	char *p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, p + got, (size_t)st.st_size - got, (off_t)got);
		assert_true(r > 0);
		got += (size_t)r;
	}
	p[got] = '\0';
	if (len)
		*len = got;
	return p;
}

/* Renders events through a fresh sink into a memory file; returns the output. */
static char *render(const struct ew_event *evs, size_t n)
{
	int fd = memfd();
	struct ew_sink *sink = NULL;
	assert_int_equal(ew_sink_jsonl_new(fd, false, &sink), 0);
	for (size_t i = 0; i < n; i++)
		sink->ops->event(sink, &evs[i]);
	assert_int_equal(sink->ops->end(sink, NULL), 0);
	sink->ops->destroy(sink);
	char *out = file_content(fd, NULL);
	close(fd);
	return out;
}

static struct ew_str S(const char *s)
{
	return (struct ew_str){s, s ? strlen(s) : 0};
}

static const struct ew_str ls_argv[] = {{"ls", 2}, {"-l", 2}};
static const struct ew_str ls_env[] = {{"PATH=/bin", 9}, {"A=", 2}};

static struct ew_event base_event(enum ew_event_type type)
{
	struct ew_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.seq = 7;
	ev.time_wall_ns = 1700000000123456789ull; /* 2023-11-14T22:13:20.123456789Z */
	ev.time_mono_ns = 5000;
	ev.pid = 100;
	ev.tid = 100;
	ev.ppid = 1;
	ev.comm = S("sh");
	ev.exe = S("/bin/sh");
	ev.backend = "ptrace";
	return ev;
}

static struct ew_event exec_event(void)
{
	struct ew_event ev = base_event(EW_EV_EXEC);
	struct ew_exec *x = &ev.exec;
	x->syscall = "execve";
	x->nr = 59;
	x->arch = AUDIT_ARCH_X86_64;
	x->flags = EW_EXEC_ELF;
	x->path = S("ls");
	x->dirfd = -100;
	x->procname = S("/bin/ls");
	x->argv = (struct ew_strv){ls_argv, 2, 0, 4};
	x->env = (struct ew_strv){ls_env, 2, 0, 11};
	x->cwd = S("/tmp");
	x->retval = 0;
	x->binary = (struct ew_file_info){true, makedev(8, 1), 42, 0100755, 0, 0, 1000, 11, 22};
	x->interp = S("/lib64/ld-linux-x86-64.so.2");
	x->interp_info = (struct ew_file_info){true, 2049, 43, 0100755, 0, 0, 200, 33, 44};
	x->stdin_mode = 020620;
	x->stdin_path = S("/dev/pts/0");
	x->new_exe = S("/bin/ls");
	return ev;
}

#define COMMON                                                                                     \
	"{\"event\":\"%s\",\"seq\":7,\"time\":1700000000123456789,"                                \
	"\"time_iso\":\"2023-11-14T22:13:20.123456789Z\",\"time_mono\":5000,\"pid\":100,"          \
	"\"tid\":100,\"ppid\":1,\"comm\":\"sh\",\"exe\":\"/bin/sh\",\"backend\":\"ptrace\","

static void expect_line(const struct ew_event *ev, const char *type, const char *rest)
{
	char *out = render(ev, 1);
	char want[8192];
	snprintf(want, sizeof(want), COMMON, type);
	strncat(want, rest, sizeof(want) - strlen(want) - 1);
	strncat(want, "}\n", sizeof(want) - strlen(want) - 1);
	assert_string_equal(out, want);
	free(out);
}

/* ---- exact lines ---------------------------------------------------------------------------- */

static void test_exec_success(void **state)
{
	(void)state;
	struct ew_event ev = exec_event();
	expect_line(&ev, "exec",
		    "\"syscall\":\"execve\",\"syscall_nr\":59,\"arch\":\"x86_64\",\"path\":\"ls\","
		    "\"dirfd\":null,\"at_flags\":null,\"procname\":\"/bin/ls\","
		    "\"argv\":[\"ls\",\"-l\"],\"argv_bytes\":4,\"argv_null\":false,"
		    "\"argv_fault\":false,\"argv_truncated\":false,"
		    "\"env\":[\"PATH=/bin\",\"A=\"],\"env_bytes\":11,\"env_null\":false,"
		    "\"env_fault\":false,\"env_truncated\":false,"
		    "\"cwd\":\"/tmp\",\"retval\":0,\"errno\":null,\"errno_text\":null,"
		    "\"fileless\":false,\"script\":false,\"elf\":true,\"kernel_invoked\":false,"
		    "\"nonleader\":false,\"path_fault\":false,\"path_truncated\":false,"
		    "\"binary\":{\"dev\":2049,\"ino\":42,\"mode\":33261,\"type\":\"regular\","
		    "\"perm\":\"0755\",\"uid\":0,\"gid\":0,\"size\":1000,\"ctime\":11,"
		    "\"mtime\":22},"
		    "\"interpreter\":\"/lib64/ld-linux-x86-64.so.2\",\"interpreter_arg\":null,"
		    "\"interpreter_binary\":{\"dev\":2049,\"ino\":43,\"mode\":33261,"
		    "\"type\":\"regular\",\"perm\":\"0755\",\"uid\":0,\"gid\":0,\"size\":200,"
		    "\"ctime\":33,\"mtime\":44},"
		    "\"stdin\":{\"mode\":8592,\"type\":\"chardev\",\"path\":\"/dev/pts/0\"},"
		    "\"old_tid\":null,\"new_exe\":\"/bin/ls\"");
}

/* Everything unknown is null, never omitted; errno is derived from retval when not given. */
static void test_exec_failed_absent(void **state)
{
	(void)state;
	struct ew_event ev = base_event(EW_EV_EXEC);
	ev.ppid = 0;
	ev.comm = (struct ew_str){NULL, 0};
	ev.exe = (struct ew_str){NULL, 0};
	ev.backend = NULL;
	ev.pid = 200;
	ev.tid = 201;
	struct ew_exec *x = &ev.exec;
	x->syscall = "execveat";
	x->nr = 322;
	x->arch = AUDIT_ARCH_I386;
	x->flags = EW_EXEC_AT | EW_EXEC_FILELESS | EW_EXEC_SCRIPT | EW_EXEC_NONLEADER |
		   EW_EXEC_KERNEL | EW_EXEC_PATH_FAULT;
	x->dirfd = 3;
	x->at_flags = 0x1000;
	x->argv = (struct ew_strv){NULL, 0, EW_STRV_NULL, 0};
	x->env = (struct ew_strv){ls_env, 1, EW_STRV_FAULT | EW_STRV_TRUNCATED, 9};
	x->retval = -2;
	x->stdin_mode = 0;
	x->old_tid = 201;
	char *out = render(&ev, 1);
	assert_string_equal(
		out,
		"{\"event\":\"exec\",\"seq\":7,\"time\":1700000000123456789,"
		"\"time_iso\":\"2023-11-14T22:13:20.123456789Z\",\"time_mono\":5000,\"pid\":200,"
		"\"tid\":201,\"ppid\":null,\"comm\":null,\"exe\":null,\"backend\":null,"
		"\"syscall\":\"execveat\",\"syscall_nr\":322,\"arch\":\"i386\",\"path\":null,"
		"\"dirfd\":3,\"at_flags\":4096,\"procname\":null,"
		"\"argv\":[],\"argv_bytes\":0,\"argv_null\":true,\"argv_fault\":false,"
		"\"argv_truncated\":false,"
		"\"env\":[\"PATH=/bin\"],\"env_bytes\":9,\"env_null\":false,\"env_fault\":true,"
		"\"env_truncated\":true,"
		"\"cwd\":null,\"retval\":-2,\"errno\":\"ENOENT\","
		"\"errno_text\":\"No such file or directory\","
		"\"fileless\":true,\"script\":true,\"elf\":false,\"kernel_invoked\":true,"
		"\"nonleader\":true,\"path_fault\":true,\"path_truncated\":false,\"binary\":null,\"interpreter\":null,\"interpreter_arg\":null,"
		"\"interpreter_binary\":null,\"stdin\":null,\"old_tid\":201,\"new_exe\":null}\n");
	free(out);

	/* The event's own names win over derived ones; unknown arch numbers are shown in hex. */
	x->errno_name = "EACCES";
	x->errno_text = "Permission denied";
	x->retval = -13;
	x->arch = 0x12345678;
	out = render(&ev, 1);
	assert_non_null(strstr(out, "\"retval\":-13,\"errno\":\"EACCES\","
				    "\"errno_text\":\"Permission denied\","));
	assert_non_null(strstr(out, "\"arch\":\"0x12345678\","));
	free(out);
	x->arch = 0;
	out = render(&ev, 1);
	assert_non_null(strstr(out, "\"arch\":null,"));
	free(out);
}

static void test_fork_exit(void **state)
{
	(void)state;
	struct ew_event ev = base_event(EW_EV_FORK);
	ev.fork = (struct ew_fork){101, 101, EW_FORK_PROCESS, "clone", 0x1200011};
	expect_line(&ev, "fork",
		    "\"syscall\":\"clone\",\"child_pid\":101,\"child_tid\":101,"
		    "\"kind\":\"process\",\"clone_flags\":18874385");
	ev.fork = (struct ew_fork){100, 102, EW_FORK_THREAD, NULL, 0};
	expect_line(&ev, "fork",
		    "\"syscall\":null,\"child_pid\":100,\"child_tid\":102,\"kind\":\"thread\","
		    "\"clone_flags\":0");

	ev = base_event(EW_EV_EXIT);
	ev.exit = (struct ew_exit){false, false, 3, 0, false, 3};
	expect_line(&ev, "exit",
		    "\"code\":3,\"signal\":null,\"signal_number\":null,\"core_dumped\":false,"
		    "\"status\":3,\"thread\":false");
	ev.exit = (struct ew_exit){false, true, 0, SIGKILL, false, 137};
	expect_line(&ev, "exit",
		    "\"code\":null,\"signal\":\"SIGKILL\",\"signal_number\":9,"
		    "\"core_dumped\":false,\"status\":137,\"thread\":false");
	ev.exit = (struct ew_exit){true, true, 0, SIGSEGV, true, 139};
	expect_line(&ev, "exit",
		    "\"code\":null,\"signal\":\"SIGSEGV\",\"signal_number\":11,"
		    "\"core_dumped\":true,\"status\":139,\"thread\":true");
	ev.exit = (struct ew_exit){false, true, 0, SIGRTMIN + 2, false, 128 + SIGRTMIN + 2};
	char *out = render(&ev, 1);
	assert_non_null(strstr(out, "\"signal\":\"SIGRTMIN+2\","));
	free(out);
}

static void test_other_types(void **state)
{
	(void)state;
	struct ew_event ev = base_event(EW_EV_SYSCALL);
	struct ew_syscall *c = &ev.syscall;
	c->name = "openat";
	c->nr = 257;
	c->arch = AUDIT_ARCH_X86_64;
	c->time_enter_ns = 10;
	c->time_exit_ns = 20;
	c->returned = true;
	c->nargs = 3;
	c->args[0] = (uint64_t)-100;
	c->args[1] = 0x7ffd0000;
	c->args[2] = 0;
	c->arg_repr[0] = S("AT_FDCWD");
	c->arg_repr[1] = S("\"/etc/passwd\"");
	c->retval = -2;
	c->ret_repr = S("-2 ENOENT (No such file or directory)");
	expect_line(&ev, "syscall",
		    "\"syscall\":\"openat\",\"syscall_nr\":257,\"arch\":\"x86_64\","
		    "\"time_enter\":10,\"time_exit\":20,\"returned\":true,"
		    "\"args\":[18446744073709551516,2147287040,0],"
		    "\"args_repr\":[\"AT_FDCWD\",\"\\\"/etc/passwd\\\"\",null],"
		    "\"retval\":-2,\"ret_repr\":\"-2 ENOENT (No such file or directory)\","
		    "\"errno\":\"ENOENT\"");
	memset(c, 0, sizeof(*c));
	c->name = "exit_group";
	c->nr = 231;
	c->nargs = 1;
	c->time_enter_ns = 10;
	expect_line(&ev, "syscall",
		    "\"syscall\":\"exit_group\",\"syscall_nr\":231,\"arch\":null,"
		    "\"time_enter\":10,\"time_exit\":null,\"returned\":false,\"args\":[0],"
		    "\"args_repr\":[null],\"retval\":null,\"ret_repr\":null,\"errno\":null");

	ev = base_event(EW_EV_FILE);
	ev.file = (struct ew_file){"openat", S("/etc/ld.so.cache"), EW_FILE_READ | EW_FILE_FAILED,
				   O_RDONLY | O_CLOEXEC, -2, NULL, S("/bin/ls")};
	expect_line(&ev, "file",
		    "\"syscall\":\"openat\",\"path\":\"/etc/ld.so.cache\","
		    "\"how\":[\"read\",\"failed\"],\"open_flags\":524288,\"retval\":-2,"
		    "\"errno\":\"ENOENT\",\"program\":\"/bin/ls\",\"arg_path\":null,\"dirfd\":0,\"caller\":null");
	ev.file = (struct ew_file){NULL, S("/x"), 0x7f, 0, 3, NULL, {NULL, 0}, S("x"), 5};
	expect_line(&ev, "file",
		    "\"syscall\":null,\"path\":\"/x\",\"how\":[\"read\",\"write\",\"create\","
		    "\"directory\",\"exec\",\"failed\",\"stat\"],\"open_flags\":0,\"retval\":3,"
		    "\"errno\":null,\"program\":null,\"arg_path\":\"x\",\"dirfd\":5,\"caller\":null");

	ev = base_event(EW_EV_LIBRARY);
	ev.library = (struct ew_library){S("/lib/libc.so.6"), {0}, S("/bin/ls"), true,
					 EW_LIB_NEEDED, S("libc.so.6")};
	expect_line(&ev, "library",
		    "\"path\":\"/lib/libc.so.6\",\"file\":null,\"program\":\"/bin/ls\","
		    "\"at_exec\":true,\"kind\":\"needed\",\"soname\":\"libc.so.6\"");

	ev = base_event(EW_EV_POLICY);
	ev.policy = (struct ew_policy){EW_ACT_DENY, "tpe", S("/tmp/x"), S("rules:3"),
				       S("writable directory"), {NULL, 0}};
	expect_line(&ev, "policy",
		    "\"action\":\"deny\",\"check\":\"tpe\",\"path\":\"/tmp/x\","
		    "\"rule\":\"rules:3\",\"reason\":\"writable directory\",\"tip\":null");

	ev = base_event(EW_EV_LOST);
	ev.lost = (struct ew_lost){12, "ringbuf"};
	expect_line(&ev, "lost", "\"count\":12,\"where\":\"ringbuf\"");

	/* An unknown type writes nothing. */
	ev.type = EW_EV__COUNT;
	char *out = render(&ev, 1);
	assert_string_equal(out, "");
	free(out);
}

/* ---- arbitrary bytes ------------------------------------------------------------------------ */

static const struct ew_str odd_argv[] = {
	{"\xff\xfe", 2},		  /* not UTF-8 */
	{"a\nb\x01\x7f", 5},		  /* controls, DEL */
	{"q\"b\\s", 5},			  /* quote, backslash */
	{"\xc3\xa9\xe2\x82\xac", 5},	  /* valid UTF-8 */
	{"\xed\xa0\x80", 3},		  /* encoded surrogate */
	{"", 0},			  /* empty */
	{"\x1b[31mred\x1b[0m", 12},	  /* terminal escapes */
};
static const struct ew_str odd_env[] = {{"K=\x80v", 4}, {"TAB=\t", 5}};

static struct ew_event odd_event(void)
{
	struct ew_event ev = exec_event();
	ev.exec.path = (struct ew_str){"/tmp/\xff", 6};
	ev.exec.argv = (struct ew_strv){odd_argv, 7, 0, 32};
	ev.exec.env = (struct ew_strv){odd_env, 2, 0, 9};
	ev.comm = (struct ew_str){"c\xc3", 2};
	return ev;
}

static void test_odd_bytes(void **state)
{
	(void)state;
	struct ew_event ev = odd_event();
	char *out = render(&ev, 1);
	assert_non_null(strstr(out, "\"comm\":\"c\\udcc3\","));
	assert_non_null(strstr(out, "\"path\":\"/tmp/\\udcff\","));
	assert_non_null(strstr(out, "\"argv\":[\"\\udcff\\udcfe\",\"a\\nb\\u0001\\u007f\","
				    "\"q\\\"b\\\\s\",\"\xc3\xa9\xe2\x82\xac\","
				    "\"\\udced\\udca0\\udc80\",\"\","
				    "\"\\u001b[31mred\\u001b[0m\"],"));
	assert_non_null(strstr(out, "\"env\":[\"K=\\udc80v\",\"TAB=\\t\"],"));
	/* One line: the only newline is the terminator, and no raw control byte is left. */
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	for (const char *p = out; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	free(out);
}

/* ---- a very long argv ----------------------------------------------------------------------- */

enum { BIG = 5000 };

/* BIG strings "argN" followed by pad x's (pad <= 40). */
static struct ew_str *big_argv_padded(char **storage, int pad)
{
	struct ew_str *v = calloc(BIG, sizeof(*v));
	char *s = malloc(BIG * (size_t)(pad + 16));
	assert_non_null(v);
	assert_non_null(s);
	char *p = s;
	for (int i = 0; i < BIG; i++) {
		int n = sprintf(p, "arg%d%.*s", i, pad, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		v[i] = (struct ew_str){p, (size_t)n};
		p += n + 1;
	}
	*storage = s;
	return v;
}

static struct ew_str *big_argv(char **storage)
{
	return big_argv_padded(storage, 0);
}

static void test_big_argv(void **state)
{
	(void)state;
	char *storage;
	struct ew_str *v = big_argv(&storage);
	struct ew_event ev = exec_event();
	ev.exec.argv = (struct ew_strv){v, BIG, 0, 0};
	char *out = render(&ev, 1);

	struct ew_buf want = EW_BUF_INIT;
	assert_int_equal(ew_buf_puts(&want, "\"argv\":["), 0);
	for (int i = 0; i < BIG; i++)
		assert_int_equal(ew_buf_printf(&want, "%s\"arg%d\"", i ? "," : "", i), 0);
	assert_int_equal(ew_buf_puts(&want, "],"), 0);
	assert_non_null(strstr(out, want.ptr));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	ew_buf_free(&want);
	free(out);
	free(v);
	free(storage);
}

/* ---- buffering and errors ------------------------------------------------------------------- */

static void test_file_is_block_buffered(void **state)
{
	(void)state;
	int fd = memfd();
	struct ew_sink *sink;
	assert_int_equal(ew_sink_jsonl_new(fd, false, &sink), 0);
	struct ew_event ev = exec_event();
	sink->ops->event(sink, &ev);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0); /* still in the userspace buffer */
	assert_int_equal(sink->ops->flush(sink), 0);
	size_t one;
	free(file_content(fd, &one));
	assert_true(one > 100);
	/* Past ~64 KiB the buffer is written without waiting for flush(). */
	size_t n = 2 * EW_SINK_OUT_BUFSZ / one + 2;
	for (size_t i = 0; i < n; i++)
		sink->ops->event(sink, &ev);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true((size_t)st.st_size >= EW_SINK_OUT_BUFSZ);
	assert_true((size_t)st.st_size < (n + 1) * one);
	assert_int_equal(sink->ops->end(sink, NULL), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((size_t)st.st_size, (n + 1) * one); /* end() writes the rest */
	sink->ops->destroy(sink);
	/* close_fd was false: fd is still ours. */
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
}

static void test_pipe_is_line_buffered(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	struct ew_sink *sink;
	assert_int_equal(ew_sink_jsonl_new(p[1], true, &sink), 0);
	struct ew_event ev = base_event(EW_EV_LOST);
	ev.lost = (struct ew_lost){1, "x"};
	sink->ops->event(sink, &ev);
	/* Readable at once, without flush(). */
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 0), 1);
	char buf[1024];
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(buf[n - 1], '\n');
	assert_non_null(strstr(buf, "\"event\":\"lost\""));
	assert_int_equal(sink->ops->end(sink, NULL), 0);
	/* close_fd: end() closed the write end, so the reader sees EOF. */
	assert_int_equal(read(p[0], buf, sizeof(buf)), 0);
	sink->ops->destroy(sink);
	close(p[0]);
}

static void test_epipe_stops_without_signal(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	struct ew_sink *sink;
	assert_int_equal(ew_sink_jsonl_new(p[1], false, &sink), 0);
	struct ew_event ev = exec_event();
	/* SIGPIPE's default action would kill this test: the sink must suppress it. */
	sink->ops->event(sink, &ev);
	assert_int_equal(sink->error, -EPIPE);
	sink->ops->event(sink, &ev);
	assert_int_equal(sink->error, -EPIPE);
	assert_int_equal(sink->ops->flush(sink), -EPIPE);
	assert_int_equal(sink->ops->end(sink, NULL), -EPIPE);
	sink->ops->destroy(sink);
	sigset_t pending;
	sigpending(&pending);
	assert_int_equal(sigismember(&pending, SIGPIPE), 0);
	close(p[1]);
}

static void test_enospc(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		print_message("SKIP: /dev/full not available\n");
		skip();
	}
	struct ew_sink *sink;
	assert_int_equal(ew_sink_jsonl_new(fd, true, &sink), 0);
	struct ew_event ev = exec_event();
	sink->ops->event(sink, &ev);
	assert_int_equal(sink->error, -ENOSPC);
	assert_int_equal(sink->ops->end(sink, NULL), -ENOSPC);
	sink->ops->destroy(sink);
}

static void test_bad_fd(void **state)
{
	(void)state;
	struct ew_sink *sink = (struct ew_sink *)0x1;
	assert_int_equal(ew_sink_jsonl_new(-1, false, &sink), -EBADF);
	int fd = memfd();
	close(fd);
	assert_int_equal(ew_sink_jsonl_new(fd, true, &sink), -EBADF);
	assert_ptr_equal(sink, (struct ew_sink *)0x1); /* untouched on failure */
}

struct reader {
	int fd;
	struct ew_buf got;
};

static void *slow_reader(void *arg)
{
	struct reader *r = arg;
	char buf[4096];
	for (;;) {
		ssize_t n = read(r->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (ew_buf_append(&r->got, buf, (size_t)n) < 0)
			break;
		usleep(100);
	}
	return NULL;
}

/* A non-blocking pipe and lines larger than the pipe: EAGAIN and short writes lose nothing. */
static void test_nonblocking_pipe_short_writes(void **state)
{
	(void)state;
	char *storage;
	struct ew_str *v = big_argv_padded(&storage, 40);
	struct ew_event ev = exec_event();
	ev.exec.argv = (struct ew_strv){v, BIG, 0, 0};
	char *want_one = render(&ev, 1);

	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	struct reader rd = {p[0], EW_BUF_INIT};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, slow_reader, &rd), 0);
	struct ew_sink *sink;
	assert_int_equal(ew_sink_jsonl_new(p[1], true, &sink), 0);
	for (int i = 0; i < 3; i++)
		sink->ops->event(sink, &ev);
	assert_int_equal(sink->error, 0);
	assert_int_equal(sink->ops->end(sink, NULL), 0);
	sink->ops->destroy(sink);
	pthread_join(th, NULL);
	close(p[0]);

	size_t one = strlen(want_one);
	assert_true(one > 65536);
	assert_int_equal(rd.got.len, 3 * one);
	for (int i = 0; i < 3; i++)
		assert_memory_equal(rd.got.ptr + i * one, want_one, one);
	ew_buf_free(&rd.got);
	free(want_one);
	free(v);
	free(storage);
}

/* ---- through a session ---------------------------------------------------------------------- */

static void test_session_publish(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	assert_int_equal(ew_session_add_jsonl(s, p[1], true), 0);
	struct ew_event ev = exec_event();
	ev.seq = 0;
	ev.time_wall_ns = ev.time_mono_ns = 0;
	ev.backend = NULL;
	ew_publish(s, &ev);
	struct ew_event fork = base_event(EW_EV_FORK);
	fork.fork = (struct ew_fork){101, 101, EW_FORK_PROCESS, "fork", 0};
	ew_publish(s, &fork);
	ew_session_free(s); /* destroys the sink, which closes the write end */

	struct ew_buf got = EW_BUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		assert_int_equal(ew_buf_append(&got, buf, (size_t)n), 0);
	close(p[0]);
	char *second = strchr(got.ptr, '\n');
	assert_non_null(second);
	second++;
#define STARTS(s, lit) assert_memory_equal((s), (lit), sizeof(lit) - 1)
	STARTS(got.ptr, "{\"event\":\"exec\",\"seq\":1,\"time\":");
	STARTS(second, "{\"event\":\"fork\",\"seq\":2,");
	assert_non_null(strstr(got.ptr, "\"backend\":\"ptrace\""));
	assert_null(strstr(got.ptr, "\"time_mono\":0,"));
	assert_ptr_equal(strchr(second, '\n'), got.ptr + got.len - 1);
	ew_buf_free(&got);
}

/* ---- external parsers ----------------------------------------------------------------------- */

static bool have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Writes one of every event kind (odd bytes included) to a temp file; returns its path. */
static char *write_all_kinds(void)
{
	char *path = strdup("/tmp/ew-jsonl-XXXXXX");
	assert_non_null(path);
	int fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	char *storage;
	struct ew_str *v = big_argv(&storage);
	struct ew_event evs[9];
	evs[0] = exec_event();
	evs[1] = odd_event();
	evs[2] = exec_event();
	evs[2].exec.argv = (struct ew_strv){v, BIG, 0, 0};
	evs[3] = base_event(EW_EV_FORK);
	evs[3].fork = (struct ew_fork){1, 2, EW_FORK_THREAD, "clone3", 0};
	evs[4] = base_event(EW_EV_EXIT);
	evs[4].exit = (struct ew_exit){false, true, 0, 6, true, 134};
	evs[5] = base_event(EW_EV_SYSCALL);
	evs[5].syscall.name = "read";
	evs[5].syscall.nargs = 2;
	evs[5].syscall.arg_repr[0] = (struct ew_str){"\"\xff\"", 3};
	evs[6] = base_event(EW_EV_FILE);
	evs[6].file.path = S("/etc/hosts");
	evs[7] = base_event(EW_EV_POLICY);
	evs[7].policy.reason = (struct ew_str){"\x01\x02", 2};
	evs[8] = base_event(EW_EV_LOST);
	struct ew_sink *sink;
	assert_int_equal(ew_sink_jsonl_new(fd, true, &sink), 0);
	for (size_t i = 0; i < 9; i++)
		sink->ops->event(sink, &evs[i]);
	assert_int_equal(sink->ops->end(sink, NULL), 0);
	sink->ops->destroy(sink);
	free(v);
	free(storage);
	return path;
}

static void test_jq_parses(void **state)
{
	(void)state;
	if (!have("jq")) {
		print_message("SKIP: jq not found; JSON validity not checked by a parser\n");
		skip();
	}
	char *path = write_all_kinds();
	char cmd[512];
	/* Every line is an object; the big argv arrives whole; seq is a number everywhere. */
	snprintf(cmd, sizeof(cmd),
		 "test \"$(jq -r 'select(type != \"object\" or (.seq|type) != \"number\") | 1' %s"
		 " | wc -l)\" = 0 && test \"$(jq -s 'length' %s)\" = 9"
		 " && test \"$(jq -s '.[2].argv | length' %s)\" = %d"
		 " && test \"$(jq -r 'select(.event == \"exit\") | .signal' %s)\" = SIGABRT",
		 path, path, path, BIG, path);
	int rc = system(cmd);
	unlink(path);
	free(path);
	assert_int_equal(rc, 0);
}

/* Python's surrogateescape gives back the exact bytes (the documented decoding recipe). */
static void test_python_roundtrip(void **state)
{
	(void)state;
	if (!have("python3")) {
		print_message("SKIP: python3 not found; round trip not checked\n");
		skip();
	}
	char *path = write_all_kinds();
	char script[2048];
	snprintf(script, sizeof(script),
		 "python3 -c '\n"
		 "import json, sys\n"
		 "lines = open(sys.argv[1], encoding=\"utf-8\").read().splitlines()\n"
		 "o = json.loads(lines[1])\n"
		 "b = lambda s: s.encode(\"utf-8\", \"surrogateescape\")\n"
		 "want = [bytes.fromhex(h) for h in sys.argv[2:]]\n"
		 "got = [b(a) for a in o[\"argv\"]]\n"
		 "assert got == want, (got, want)\n"
		 "assert b(o[\"path\"]) == b\"/tmp/\\xff\"\n"
		 "assert [b(e) for e in o[\"env\"]] == [b\"K=\\x80v\", b\"TAB=\\t\"]\n"
		 "assert b(o[\"comm\"]) == b\"c\\xc3\"\n"
		 "' %s",
		 path);
	struct ew_buf cmd = EW_BUF_INIT;
	assert_int_equal(ew_buf_puts(&cmd, script), 0);
	for (size_t i = 0; i < sizeof(odd_argv) / sizeof(odd_argv[0]); i++) {
		assert_int_equal(ew_buf_puts(&cmd, " ''"), 0);
		for (size_t k = 0; k < odd_argv[i].len; k++)
			assert_int_equal(
				ew_buf_printf(&cmd, "%02x", (unsigned char)odd_argv[i].ptr[k]), 0);
	}
	int rc = system(cmd.ptr);
	unlink(path);
	free(path);
	ew_buf_free(&cmd);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_success),
		cmocka_unit_test(test_exec_failed_absent),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_odd_bytes),
		cmocka_unit_test(test_big_argv),
		cmocka_unit_test(test_file_is_block_buffered),
		cmocka_unit_test(test_pipe_is_line_buffered),
		cmocka_unit_test(test_epipe_stops_without_signal),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_bad_fd),
		cmocka_unit_test(test_nonblocking_pipe_short_writes),
		cmocka_unit_test(test_session_publish),
		cmocka_unit_test(test_jq_parses),
		cmocka_unit_test(test_python_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
