/* SPDX-License-Identifier: MIT */
/* Unit tests: hostile-pointer-safe reads of (our own) memory through the tracee readers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "ptrace/memory.h"

static char *guarded; /* two pages; the second is PROT_NONE */
static long pg;

static int setup(void **state)
{
	(void)state;
	pg = sysconf(_SC_PAGESIZE);
	guarded = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guarded == MAP_FAILED)
		return -1;
	return mprotect(guarded + pg, (size_t)pg, PROT_NONE);
}

static int teardown(void **state)
{
	(void)state;
	munmap(guarded, (size_t)pg * 2);
	return 0;
}

static uint64_t A(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void test_str(void **state)
{
	(void)state;
	struct ew_arena a = EW_ARENA_INIT;
	struct ew_str s;
	uint32_t f;
	pid_t me = getpid();
	assert_int_equal(tr_mem_str(me, A("hello"), 100, &a, &s, &f), 0);
	assert_string_equal(s.ptr, "hello");
	assert_int_equal(f, 0);
	/* NULL: absent, not a fault. */
	assert_int_equal(tr_mem_str(me, 0, 100, &a, &s, &f), 0);
	assert_null(s.ptr);
	assert_int_equal(f, 0);
	/* Unmapped pointer. */
	assert_int_equal(tr_mem_str(me, A(guarded + pg), 100, &a, &s, &f), 0);
	assert_null(s.ptr);
	assert_int_equal(f, TR_STR_FAULT);
	/* Unterminated string running into the guard page: partial + fault. */
	memset(guarded + pg - 10, 'z', 10);
	assert_int_equal(tr_mem_str(me, A(guarded + pg - 10), 100, &a, &s, &f), 0);
	assert_int_equal(s.len, 10);
	assert_true(f & TR_STR_FAULT);
	/* Terminated right at the page end. */
	guarded[pg - 1] = '\0';
	assert_int_equal(tr_mem_str(me, A(guarded + pg - 10), 100, &a, &s, &f), 0);
	assert_int_equal(s.len, 9);
	assert_int_equal(f, 0);
	/* Limit. */
	assert_int_equal(tr_mem_str(me, A("abcdefgh"), 4, &a, &s, &f), 0);
	assert_string_equal(s.ptr, "abcd");
	assert_int_equal(f, TR_STR_CUT);
	/* Exactly at the limit is not cut. */
	assert_int_equal(tr_mem_str(me, A("abcd"), 4, &a, &s, &f), 0);
	assert_int_equal(f, 0);
	/* A long string across many pages. */
	static char big[100000];
	memset(big, 'q', sizeof(big) - 1);
	assert_int_equal(tr_mem_str(me, A(big), 1u << 20, &a, &s, &f), 0);
	assert_int_equal(s.len, sizeof(big) - 1);
	assert_int_equal(f, 0);
	ew_arena_free(&a);
}

static void test_strv(void **state)
{
	(void)state;
	struct ew_arena a = EW_ARENA_INIT;
	struct ew_strv v;
	pid_t me = getpid();
	const char *argv[] = {"ls", "-l", "", "\xff\xfe", NULL};
	assert_int_equal(tr_mem_strv(me, A(argv), 8, 100, 1000, &a, &v), 0);
	assert_int_equal(v.count, 4);
	assert_int_equal(v.flags, 0);
	assert_string_equal(v.v[1].ptr, "-l");
	assert_int_equal(v.v[2].len, 0);
	assert_memory_equal(v.v[3].ptr, "\xff\xfe", 2);
	assert_int_equal(v.bytes, 6);
	/* NULL vector. */
	assert_int_equal(tr_mem_strv(me, 0, 8, 100, 1000, &a, &v), 0);
	assert_int_equal(v.flags, EW_STRV_NULL);
	assert_int_equal(v.count, 0);
	/* Bad array pointer. */
	assert_int_equal(tr_mem_strv(me, 1, 8, 100, 1000, &a, &v), 0);
	assert_int_equal(v.flags, EW_STRV_FAULT);
	/* A bad string pointer in the middle: stop there, flag the fault. */
	const char *bad[] = {"a", (const char *)(guarded + pg), "c", NULL};
	assert_int_equal(tr_mem_strv(me, A(bad), 8, 100, 1000, &a, &v), 0);
	assert_int_equal(v.count, 1);
	assert_true(v.flags & EW_STRV_FAULT);
	/* An array without terminator running into the guard page. */
	const char **arr = (const char **)(void *)(guarded + pg - 16);
	arr[0] = "x";
	arr[1] = "y";
	assert_int_equal(tr_mem_strv(me, A(arr), 8, 100, 1000, &a, &v), 0);
	assert_int_equal(v.count, 2);
	assert_true(v.flags & EW_STRV_FAULT);
	/* Limits: count and bytes. */
	assert_int_equal(tr_mem_strv(me, A(argv), 8, 2, 1000, &a, &v), 0);
	assert_int_equal(v.count, 2);
	assert_true(v.flags & EW_STRV_TRUNCATED);
	assert_int_equal(tr_mem_strv(me, A(argv), 8, 100, 3, &a, &v), 0);
	assert_true(v.flags & EW_STRV_TRUNCATED);
	assert_true(v.bytes <= 3);
	/* 32-bit pointers (a compat tracee): we fake one with a static array in low memory is not
	 * possible, so read an array of 4-byte words that encode 0 at once. */
	uint32_t words[2] = {0, 0};
	assert_int_equal(tr_mem_strv(me, A(words), 4, 100, 1000, &a, &v), 0);
	assert_int_equal(v.count, 0);
	assert_int_equal(v.flags, 0);
	ew_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_strv),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
