/* SPDX-License-Identifier: MIT */
/* Unit tests: record/trace option parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/options.h"

/* argv vectors are built from literals; the parser never writes to them. */
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(a) ((int)(sizeof(a) / sizeof(a[0])) - 1)

static int parse(char **argv, int argc, struct ew_record_opts *o, char *err)
{
	return ew_parse_record(argc, argv, o, err, 256);
}

static void test_defaults(void **state)
{
	(void)state;
	struct ew_record_opts o;
	char err[256];
	char **a = ARGV("record", "--", "ls", "-l");
	assert_int_equal(parse(a, 4, &o, err), 0);
	assert_false(o.trace);
	assert_string_equal(o.output, "execwatch.db");
	assert_null(o.json);
	assert_string_equal(o.command[0], "ls");
	assert_string_equal(o.command[1], "-l");
	assert_null(o.command[2]);
	assert_string_equal(o.backend, "ptrace");
	/* Without "--" the first non-option starts the command; its options stay its own. */
	char **b = ARGV("record", "-o", "x.db", "ls", "-o", "y");
	assert_int_equal(parse(b, 6, &o, err), 0);
	assert_string_equal(o.output, "x.db");
	assert_string_equal(o.command[0], "ls");
	assert_string_equal(o.command[1], "-o");
}

static void test_forms(void **state)
{
	(void)state;
	struct ew_record_opts o;
	char err[256];
	char **a = ARGV("trace", "--json=-", "-oout.txt", "--plugin", "a.so:x", "--plugin=b.so",
			"-s", "64", "--", "true");
	assert_int_equal(parse(a, 10, &o, err), 0);
	assert_true(o.trace);
	assert_string_equal(o.json, "-");
	assert_string_equal(o.output, "out.txt");
	assert_int_equal(o.nplugins, 2);
	assert_string_equal(o.plugins[0], "a.so:x");
	assert_string_equal(o.plugins[1], "b.so");
	assert_int_equal(o.string_limit, 64);
	char **t = ARGV("trace", "true");
	assert_int_equal(parse(t, 2, &o, err), 0);
	assert_null(o.output); /* trace writes to stderr by default */
	char **p = ARGV("record", "-p", "123");
	assert_int_equal(parse(p, 3, &o, err), 0);
	assert_int_equal(o.attach_pid, 123);
	assert_null(o.command);
	char **h = ARGV("record", "--help");
	assert_int_equal(parse(h, 2, &o, err), 0);
	assert_true(o.help);
}

static void test_errors(void **state)
{
	(void)state;
	struct ew_record_opts o;
	char err[256];
	char **a = ARGV("record", "--bogus", "--", "ls");
	assert_int_equal(parse(a, 4, &o, err), -1);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	char **b = ARGV("record");
	assert_int_equal(parse(b, 1, &o, err), -1);
	assert_non_null(strstr(err, "no command"));
	char **c = ARGV("record", "-o");
	assert_int_equal(parse(c, 2, &o, err), -1);
	assert_non_null(strstr(err, "-o"));
	char **d = ARGV("record", "-p", "12x");
	assert_int_equal(parse(d, 3, &o, err), -1);
	assert_non_null(strstr(err, "process id"));
	char **e = ARGV("record", "-p", "1", "--", "ls");
	assert_int_equal(parse(e, 5, &o, err), -1);
	assert_non_null(strstr(err, "not both"));
	char **f = ARGV("record", "--backend", "dtrace", "ls");
	assert_int_equal(parse(f, 4, &o, err), -1);
	char **g = ARGV("record", "--", NULL);
	assert_int_equal(parse(g, 2, &o, err), -1);
	char **h = ARGV("record", "-s", "-1", "ls");
	assert_int_equal(parse(h, 4, &o, err), -1);
}

static void test_syscalls(void **state)
{
	(void)state;
	struct ew_record_opts o;
	char err[256];
	char **a = ARGV("record", "--syscalls", "file,!openat", "--comm", "cat", "--comm=ls", "--",
			"true");
	assert_int_equal(parse(a, 8, &o, err), 0);
	assert_string_equal(o.syscalls, "file,!openat");
	assert_int_equal(o.ncomms, 2);
	assert_string_equal(o.comms[0], "cat");
	assert_string_equal(o.comms[1], "ls");
	char **b = ARGV("record", "--", "true");
	assert_int_equal(parse(b, 3, &o, err), 0);
	assert_null(o.syscalls); /* the session's default: exec */
	char **c = ARGV("record", "--syscalls=openat,bogus", "--", "true");
	assert_int_equal(parse(c, 3, &o, err), -1);
	assert_non_null(strstr(err, "bogus"));
	char **d = ARGV("record", "--comm", "a-name-longer-than-15", "--", "true");
	assert_int_equal(parse(d, 4, &o, err), -1);
	char **e = ARGV("record", "--syscalls");
	assert_int_equal(parse(e, 2, &o, err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_syscalls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
