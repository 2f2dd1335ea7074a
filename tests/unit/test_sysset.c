/* SPDX-License-Identifier: MIT */
/* Unit tests: --syscalls set parsing and the generated syscall tables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "syscalls.h"
#include "sysset.h"

static int nr64(const char *name)
{
	return ew_sys_lookup(name);
}

static int nr32(const char *name)
{
	for (unsigned i = 0; i < ew_sysdesc_i386_count; i++)
		if (ew_sysdesc_i386[i].name && !strcmp(ew_sysdesc_i386[i].name, name))
			return (int)i;
	return -1;
}

static bool has(const struct ew_sysset *s, const char *name)
{
	return ew_sysset_has(s, AUDIT_ARCH_X86_64, nr64(name));
}

static void test_classes(void **state)
{
	(void)state;
	struct ew_sysset s;
	char err[256];
	assert_int_equal(ew_sysset_parse("exec", &s, err, sizeof(err)), 0);
	assert_true(has(&s, "execve"));
	assert_true(has(&s, "execveat"));
	assert_int_equal(ew_sysset_count(&s), 2);
	assert_int_equal(ew_sysset_parse("file", &s, err, sizeof(err)), 0);
	assert_true(has(&s, "openat"));
	assert_true(has(&s, "newfstatat"));
	assert_false(has(&s, "read"));
	assert_false(has(&s, "close"));
	/* i386-only file calls are in the class, by their i386 number. */
	assert_true(ew_sysset_has(&s, AUDIT_ARCH_I386, nr32("stat64")));
	assert_int_equal(ew_sysset_parse("%network", &s, err, sizeof(err)), 0);
	assert_true(has(&s, "socket"));
	assert_true(has(&s, "connect"));
	assert_false(has(&s, "openat"));
	assert_true(ew_sysset_has(&s, AUDIT_ARCH_I386, nr32("socketcall")));
	assert_int_equal(ew_sysset_parse("memory", &s, err, sizeof(err)), 0);
	assert_true(has(&s, "mmap"));
	assert_true(has(&s, "brk"));
	assert_int_equal(ew_sysset_parse("signal,process", &s, err, sizeof(err)), 0);
	assert_true(has(&s, "rt_sigaction"));
	assert_true(has(&s, "clone"));
	assert_true(has(&s, "exit_group"));
	assert_int_equal(ew_sysset_parse("all", &s, err, sizeof(err)), 0);
	assert_true(has(&s, "read"));
	assert_true(has(&s, "getpid"));
	assert_true(ew_sysset_has(&s, AUDIT_ARCH_I386, nr32("mmap2")));
	assert_int_equal(ew_sysset_parse("none", &s, err, sizeof(err)), 0);
	assert_true(ew_sysset_empty(&s));
}

static void test_names_and_removal(void **state)
{
	(void)state;
	struct ew_sysset s;
	char err[256];
	assert_int_equal(ew_sysset_parse("openat,read", &s, err, sizeof(err)), 0);
	assert_int_equal(ew_sysset_count(&s), 2);
	assert_true(has(&s, "openat"));
	assert_true(has(&s, "read"));
	/* The i386 read is the same call: it maps to the canonical number. */
	assert_true(ew_sysset_has(&s, AUDIT_ARCH_I386, nr32("read")));
	assert_int_equal(ew_sysset_parse("all,!read,!write", &s, err, sizeof(err)), 0);
	assert_false(has(&s, "read"));
	assert_false(has(&s, "write"));
	assert_true(has(&s, "openat"));
	/* Only removals: everything else. */
	assert_int_equal(ew_sysset_parse("!futex", &s, err, sizeof(err)), 0);
	assert_false(has(&s, "futex"));
	assert_true(has(&s, "read"));
	assert_int_equal(ew_sysset_parse("file,!openat", &s, err, sizeof(err)), 0);
	assert_false(has(&s, "openat"));
	assert_true(has(&s, "open"));
	assert_int_equal(ew_sysset_parse("mmap2", &s, err, sizeof(err)), 0);
	assert_int_equal(ew_sysset_count(&s), 1);
	assert_true(ew_sysset_has(&s, AUDIT_ARCH_I386, nr32("mmap2")));
}

static void test_errors(void **state)
{
	(void)state;
	struct ew_sysset s, before;
	char err[256];
	memset(&before, 0x5a, sizeof(before));
	s = before;
	assert_int_equal(ew_sysset_parse("openat,nosuchcall", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nosuchcall"));
	assert_memory_equal(&s, &before, sizeof(s)); /* untouched on failure */
	assert_int_equal(ew_sysset_parse("", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(ew_sysset_parse("read,,write", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(ew_sysset_parse("!", &s, err, sizeof(err)), -EINVAL);
}

static void test_tables(void **state)
{
	(void)state;
	const struct ew_sysdesc *d = ew_sysdesc_get(AUDIT_ARCH_X86_64, nr64("openat"));
	assert_non_null(d);
	assert_string_equal(d->name, "openat");
	assert_int_equal(d->nargs, 4);
	assert_int_equal(d->arg[0], EW_ARG_DIRFD);
	assert_int_equal(d->arg[1], EW_ARG_STR);
	assert_int_equal(d->arg[2], EW_ARG_OPEN_FLAGS);
	assert_int_equal(d->arg[3], EW_ARG_MODE);
	assert_int_equal(d->ret, EW_RET_FD);
	assert_string_equal(d->argname[1], "filename");
	d = ew_sysdesc_get(AUDIT_ARCH_X86_64, 0);
	assert_string_equal(d->name, "read");
	assert_int_equal(d->arg[1], EW_ARG_BUF_OUT);
	assert_int_equal(d->len_arg[1], 2);
	d = ew_sysdesc_get(AUDIT_ARCH_X86_64, nr64("newfstatat"));
	assert_int_equal(d->arg[2], EW_ARG_PTR);
	assert_string_equal(d->argtype[2], "struct stat *");
	/* i386 has its own numbers and prototypes. */
	d = ew_sysdesc_get(AUDIT_ARCH_I386, 5);
	assert_string_equal(d->name, "open");
	d = ew_sysdesc_get(AUDIT_ARCH_I386, 192);
	assert_string_equal(d->name, "mmap2");
	assert_int_equal(d->nargs, 6);
	d = ew_sysdesc_get(AUDIT_ARCH_I386, 90); /* old_mmap: one struct pointer */
	assert_string_equal(d->name, "mmap");
	assert_int_equal(d->nargs, 1);
	d = ew_sysdesc_get(AUDIT_ARCH_I386, 11);
	assert_string_equal(d->name, "execve");
	assert_true(d->flags & EW_SD_NORETURN);
	assert_null(ew_sysdesc_get(AUDIT_ARCH_I386, 100000));
	assert_null(ew_sysdesc_get(0x1234, 1));
	/* x32 calls use the x86_64 entry. */
	d = ew_sysdesc_get(AUDIT_ARCH_X86_64, EW_X32_BIT | 257);
	assert_string_equal(d->name, "openat");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classes),
	    cmocka_unit_test(test_names_and_removal),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
