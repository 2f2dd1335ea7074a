/* SPDX-License-Identifier: MIT */
/*
 * test_plugin.c - plugins: the example plugin (examples/plugin/exec_counter.c, path in $EW_PLUGIN)
 * counts published execs and writes its summary when the session is freed; the loader refuses
 * objects without ew_plugin_abi (-ENOEXEC), with another ABI (-EPROTO), and reports init
 * failures without calling fini. Tiny plugins are compiled at test time with cc when present.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "execwatch.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ew-plugin-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *tmp_path(const char *name)
{
	char *p;
	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = calloc(1, 4096);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The example plugin, or a visible skip. */
static const char *example_plugin(void)
{
	const char *p = getenv("EW_PLUGIN");
	if (!p || !*p) {
		print_message("SKIP: EW_PLUGIN is not set (path of the built exec_counter.so)\n");
		skip();
	}
	/* The plugin calls ew_subscribe() & co. from the executable that loads it. */
	if (!dlsym(RTLD_DEFAULT, "ew_subscribe")) {
		print_message("SKIP: this test executable does not export ew_* symbols "
			      "(link it with ENABLE_EXPORTS / -rdynamic)\n");
		skip();
	}
	return p;
}

static void publish_exec(struct ew_session *s, int64_t retval, const char *errno_name)
{
	static const struct ew_str argv[] = {{"prog", 4}};
	struct ew_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = EW_EV_EXEC;
	ev.pid = ev.tid = 10;
	ev.exec.syscall = "execve";
	ev.exec.path = (struct ew_str){"prog", 4};
	ev.exec.argv = (struct ew_strv){argv, 1, 0, 4};
	ev.exec.retval = retval;
	ev.exec.errno_name = errno_name;
	ew_publish(s, &ev);
}

static void publish_other(struct ew_session *s)
{
	struct ew_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = EW_EV_FORK;
	ev.fork = (struct ew_fork){11, 11, EW_FORK_PROCESS, "fork", 0};
	ew_publish(s, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = EW_EV_EXIT;
	ew_publish(s, &ev);
}

static void test_example_counts(void **state)
{
	(void)state;
	const char *plugin = example_plugin();
	char *out = tmp_path("summary.txt");
	char *out2 = tmp_path("summary2.txt");
	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	assert_int_equal(ew_session_load_plugin(s, plugin, out), 0);
	/* The same object twice: two independent instances. */
	assert_int_equal(ew_session_load_plugin(s, plugin, out2), 0);
	for (int i = 0; i < 9; i++)
		publish_exec(s, 0, NULL);
	publish_exec(s, -2, "ENOENT");
	publish_exec(s, -13, "EACCES");
	publish_exec(s, -2, NULL); /* the name is derived from retval */
	publish_other(s);
	/* Nothing is written before the end. */
	char *early = slurp(out);
	assert_non_null(early);
	assert_string_equal(early, "");
	free(early);
	ew_session_free(s);

	for (int k = 0; k < 2; k++) {
		char *got = slurp(k ? out2 : out);
		assert_non_null(got);
		assert_string_equal(got, "exec_counter: 12 execs, 3 failed (ENOENT 2, EACCES 1)\n");
		free(got);
	}
	free(out);
	free(out2);
}

static void test_example_empty_and_stderr(void **state)
{
	(void)state;
	const char *plugin = example_plugin();
	/* Without ARG the summary goes to stderr: capture fd 2 for the duration. */
	int cap = memfd_create("stderr", MFD_CLOEXEC);
	assert_true(cap >= 0);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(cap, 2), 2);
	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	int r = ew_session_load_plugin(s, plugin, NULL);
	publish_exec(s, 0, NULL);
	ew_session_free(s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(r, 0);
	char buf[256] = {0};
	assert_true(pread(cap, buf, sizeof(buf) - 1, 0) > 0);
	close(cap);
	assert_string_equal(buf, "exec_counter: 1 exec, 0 failed\n");

	char *out = tmp_path("empty.txt");
	assert_int_equal(ew_session_new(&s), 0);
	assert_int_equal(ew_session_load_plugin(s, plugin, out), 0);
	ew_session_free(s);
	char *got = slurp(out);
	assert_non_null(got);
	assert_string_equal(got, "exec_counter: 0 execs, 0 failed\n");
	free(got);
	free(out);
}

/* A destination that cannot be opened fails init, before any command would run. */
static void test_example_bad_arg(void **state)
{
	(void)state;
	const char *plugin = example_plugin();
	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	assert_int_equal(ew_session_load_plugin(s, plugin, "/nonexistent-dir/x/summary"), -ENOENT);
	publish_exec(s, 0, NULL);
	ew_session_free(s);
}

/* ---- loader refusals, with tiny plugins built now ------------------------------------------ */

static bool have_cc(void)
{
	return system("command -v cc >/dev/null 2>&1") == 0;
}

/* Compiles src into tmpdir/name.so; returns the path. */
static char *build_so(const char *name, const char *src)
{
	char *c = tmp_path(name), *so;
	assert_true(asprintf(&so, "%s.so", c) > 0);
	char *cfile;
	assert_true(asprintf(&cfile, "%s.c", c) > 0);
	FILE *f = fopen(cfile, "we");
	assert_non_null(f);
	fputs(src, f);
	fclose(f);
	char *cmd;
	assert_true(asprintf(&cmd, "cc -shared -fPIC -o '%s' '%s'", so, cfile) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(cfile);
	free(c);
	return so;
}

static void test_loader_refusals(void **state)
{
	(void)state;
	if (!have_cc()) {
		print_message("SKIP: no cc to build test plugins\n");
		skip();
	}
	char *mark_ok = tmp_path("fini-ok"), *mark_fail = tmp_path("fini-fail");
	char src[1024];

	char *noabi = build_so("noabi", "int ew_plugin_init(void *s, const char *a)\n"
					"{ (void)s; (void)a; return 0; }\n");
	snprintf(src, sizeof(src), "int ew_plugin_abi = %d;\n", EW_ABI_VERSION);
	char *noinit = build_so("noinit", src);
	snprintf(src, sizeof(src),
		 "int ew_plugin_abi = %d;\n"
		 "int ew_plugin_init(void *s, const char *a) { (void)s; (void)a; return 0; }\n",
		 EW_ABI_VERSION + 1000);
	char *badabi = build_so("badabi", src);
	/* fini leaves a mark so the test sees whether it ran. */
	static const char fmt[] =
		"#include <stdio.h>\n"
		"int ew_plugin_abi = %d;\n"
		"int ew_plugin_init(void *s, const char *a) { (void)s; (void)a; return %d; }\n"
		"void ew_plugin_fini(void *s) { (void)s; FILE *f = fopen(\"%s\", \"w\");"
		" if (f) fclose(f); }\n";
	snprintf(src, sizeof(src), fmt, EW_ABI_VERSION, 0, mark_ok);
	char *good = build_so("good", src);
	snprintf(src, sizeof(src), fmt, EW_ABI_VERSION, -EINVAL, mark_fail);
	char *initfail = build_so("initfail", src);
	char *notelf = tmp_path("noabi.c"); /* a file that exists but is no shared object */

	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	assert_int_equal(ew_session_load_plugin(s, noabi, NULL), -ENOEXEC);
	assert_int_equal(ew_session_load_plugin(s, noinit, NULL), -ENOEXEC);
	assert_int_equal(ew_session_load_plugin(s, badabi, NULL), -EPROTO);
	assert_int_equal(ew_session_load_plugin(s, "/nonexistent/p.so", NULL), -ENOENT);
	assert_int_equal(ew_session_load_plugin(s, notelf, NULL), -ENOENT);
	assert_int_equal(ew_session_load_plugin(s, initfail, "x"), -EINVAL);
	assert_int_equal(ew_session_load_plugin(s, good, "x"), 0);
	ew_session_free(s);
	assert_int_equal(access(mark_ok, F_OK), 0);    /* fini of a loaded plugin ran */
	assert_int_equal(access(mark_fail, F_OK), -1); /* not after a failed init */

	free(noabi);
	free(noinit);
	free(badabi);
	free(good);
	free(initfail);
	free(notelf);
	free(mark_ok);
	free(mark_fail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_counts),
		cmocka_unit_test(test_example_empty_and_stderr),
		cmocka_unit_test(test_example_bad_arg),
		cmocka_unit_test(test_loader_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
