/* SPDX-License-Identifier: MIT */
/* Unit tests: syscall argument and return rendering (src/decode/args.c) with a fake memory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "args.h"
#include "sysent.h"

/* A fake address space: [BASE, BASE + size) readable, everything else unmapped. */
#define BASE 0x10000u
static char mem[8192];
static size_t mem_size = sizeof(mem);

static ssize_t fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < BASE || addr >= BASE + mem_size)
		return -EFAULT;
	size_t avail = (size_t)(BASE + mem_size - addr);
	size_t n = len < avail ? len : avail;
	memcpy(buf, mem + (addr - BASE), n);
	return (ssize_t)n;
}

static int fake_fd(void *ctx, int fd, struct ew_buf *out)
{
	(void)ctx;
	if (fd == 3)
		return ew_buf_puts(out, "/etc/passwd");
	return -EBADF;
}

static struct ew_render_ctx ctx(unsigned limit)
{
	return (struct ew_render_ctx){fake_read, NULL, fake_fd, NULL, 8, limit, 3};
}

static const char *arg(int nr, unsigned i, const uint64_t a[6], int64_t ret, unsigned limit)
{
	static struct ew_buf b;
	ew_buf_clear(&b);
	struct ew_render_ctx c = ctx(limit);
	assert_int_equal(ew_render_arg(&b, ew_sysdesc_canon(nr), i, a, ret, &c), 0);
	return ew_buf_cstr(&b);
}

static void test_scalars(void **state)
{
	(void)state;
	struct ew_buf b = EW_BUF_INIT;
#define S(k, v, want)                                                                              \
	do {                                                                                       \
		ew_buf_clear(&b);                                                                  \
		assert_int_equal(ew_render_scalar(&b, k, v, 8, NULL), 0);                          \
		assert_string_equal(ew_buf_cstr(&b), want);                                        \
	} while (0)
	S(EW_ARG_OPEN_FLAGS, O_RDONLY | O_CLOEXEC, "O_RDONLY|O_CLOEXEC");
	S(EW_ARG_OPEN_FLAGS, O_WRONLY | O_CREAT | O_TRUNC, "O_WRONLY|O_CREAT|O_TRUNC");
	S(EW_ARG_MODE, 0644, "0644");
	S(EW_ARG_MMAP_PROT, 0, "PROT_NONE");
	S(EW_ARG_MMAP_PROT, PROT_READ | PROT_EXEC, "PROT_READ|PROT_EXEC");
	S(EW_ARG_MMAP_FLAGS, MAP_PRIVATE | MAP_ANONYMOUS, "MAP_PRIVATE|MAP_ANONYMOUS");
	S(EW_ARG_ACCESS_MODE, 0, "F_OK");
	S(EW_ARG_ACCESS_MODE, 6, "R_OK|W_OK");
	S(EW_ARG_SIGNAL, SIGTERM, "SIGTERM");
	S(EW_ARG_SIGNAL, 0, "0");
	S(EW_ARG_CLONE_FLAGS, 0x01200011, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
	S(EW_ARG_SOCK_FAMILY, 2, "AF_INET");
	S(EW_ARG_SOCK_FAMILY, 9999, "9999");
	S(EW_ARG_DIRFD, (uint64_t)(uint32_t)-100, "AT_FDCWD");
	S(EW_ARG_INT, 0xffffffffu, "-1");
	S(EW_ARG_LONG, (uint64_t)-5, "-5");
	S(EW_ARG_UINT, 4096, "4096");
	S(EW_ARG_UINT, 0x7fff0000, "0x7fff0000");
	S(EW_ARG_PTR, 0, "NULL");
	S(EW_ARG_AT_FLAGS, 0x100, "AT_SYMLINK_NOFOLLOW");
	S(EW_ARG_AT_FLAGS, 0x80000000u, "0x80000000");
	ew_buf_clear(&b);
	assert_int_equal(ew_render_scalar(&b, EW_ARG_AT_FLAGS, 0x200, 8, "unlinkat"), 0);
	assert_string_equal(ew_buf_cstr(&b), "AT_REMOVEDIR");
	/* 32-bit callers: the upper half is not theirs. */
	ew_buf_clear(&b);
	assert_int_equal(ew_render_scalar(&b, EW_ARG_INT, 0xdead00000005ull, 4, NULL), 0);
	assert_string_equal(ew_buf_cstr(&b), "5");
	ew_buf_free(&b);
#undef S
}

static void test_strings(void **state)
{
	(void)state;
	int openat = ew_sys_lookup("openat");
	memset(mem, 0, sizeof(mem));
	strcpy(mem, "/etc/\"x\"\n");
	uint64_t a[6] = {(uint64_t)-100, BASE, O_RDONLY, 0, 0, 0};
	assert_string_equal(arg(openat, 1, a, 0, 256), "\"/etc/\\\"x\\\"\\n\"");
	/* Cut by the limit, with the marker. */
	memset(mem, 'a', 100);
	mem[100] = '\0';
	assert_string_equal(arg(openat, 1, a, 0, 4), "\"aaaa\"...");
	/* Exactly at the limit: no marker. */
	mem[4] = '\0';
	assert_string_equal(arg(openat, 1, a, 0, 4), "\"aaaa\"");
	/* Unmapped pointer, NULL. */
	a[1] = 8;
	assert_string_equal(arg(openat, 1, a, 0, 256), "0x8 (unreadable)");
	a[1] = 0;
	assert_string_equal(arg(openat, 1, a, 0, 256), "NULL");
	/* Running into unmapped memory before the terminator. */
	memset(mem, 'b', sizeof(mem));
	a[1] = BASE + sizeof(mem) - 3;
	assert_string_equal(arg(openat, 1, a, 0, 256), "\"bbb\"... (unreadable after 3 bytes)");
	/* fds with their names; unknown fds by number. */
	a[0] = 3;
	assert_string_equal(arg(openat, 0, a, 0, 256), "3</etc/passwd>");
	a[0] = 7;
	assert_string_equal(arg(openat, 0, a, 0, 256), "7");
}

static void test_buffers_and_arrays(void **state)
{
	(void)state;
	int wr = ew_sys_lookup("write"), rd = ew_sys_lookup("read"), ex = ew_sys_lookup("execve");
	memcpy(mem, "hi\0there", 8);
	uint64_t a[6] = {3, BASE, 8, 0, 0, 0};
	assert_string_equal(arg(wr, 1, a, 8, 256), "\"hi\\x00there\"");
	assert_string_equal(arg(wr, 1, a, 8, 2), "\"hi\"...");
	/* read: the buffer is shown with the returned length, or as an address. */
	assert_string_equal(arg(rd, 1, a, 2, 256), "\"hi\"");
	assert_string_equal(arg(rd, 1, a, -EFAULT, 256), "0x10000");
	/* argv: elements up to the count limit (3 here), then "...". */
	uint64_t *vec = (uint64_t *)(void *)(mem + 1024);
	strcpy(mem + 2048, "a");
	strcpy(mem + 2050, "b");
	for (int i = 0; i < 5; i++)
		vec[i] = BASE + 2048 + (i % 2) * 2;
	vec[5] = 0;
	uint64_t e[6] = {BASE + 2048, BASE + 1024, 0, 0, 0, 0};
	assert_string_equal(arg(ex, 1, e, 0, 256), "[\"a\", \"b\", \"a\", ...]");
	vec[2] = 0;
	assert_string_equal(arg(ex, 1, e, 0, 256), "[\"a\", \"b\"]");
	vec[1] = 0x99; /* an unreadable element */
	assert_string_equal(arg(ex, 1, e, 0, 256), "[\"a\", 0x99 (unreadable)]");
	e[1] = BASE + sizeof(mem) - 4; /* the array itself runs off the mapping */
	assert_string_equal(arg(ex, 1, e, 0, 256), "[0x11ffc (unreadable)]");
}

/* Renderings from a backend's copies equal the renderings from memory, limits included. */
static void test_copies_match_memory(void **state)
{
	(void)state;
	int ex = ew_sys_lookup("execve");
	const char *strs[] = {"a", "", "quote\"and\nnewline", "\xff\x01bytes", "abcdefghij"};
	size_t n = sizeof(strs) / sizeof(strs[0]);
	uint64_t *vec = (uint64_t *)(void *)(mem + 1024);
	struct ew_str copies[8];
	size_t at = 2048;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(strs[i]);
		memcpy(mem + at, strs[i], len + 1);
		vec[i] = BASE + at;
		copies[i] = (struct ew_str){strs[i], len};
		at += len + 1;
	}
	static const unsigned limits[] = {256, 4, 0};
	for (size_t cut = 0; cut <= n; cut++) {
		vec[cut] = 0;
		for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
			for (unsigned maxv = 1; maxv <= 6; maxv++) {
				struct ew_render_ctx c = ctx(limits[l]);
				c.strv_limit = maxv;
				struct ew_buf mine = EW_BUF_INIT, want = EW_BUF_INIT;
				uint64_t e[6] = {vec[0], BASE + 1024, 0, 0, 0, 0};
				assert_int_equal(ew_render_arg(&want, ew_sysdesc_canon(ex), 1, e, 0, &c), 0);
				assert_int_equal(ew_render_strv_copy(&mine, copies, cut, &c), 0);
				assert_string_equal(ew_buf_cstr(&mine), ew_buf_cstr(&want));
				if (cut) {
					ew_buf_clear(&mine);
					ew_buf_clear(&want);
					assert_int_equal(
					    ew_render_arg(&want, ew_sysdesc_canon(ex), 0, e, 0, &c), 0);
					assert_int_equal(ew_render_str_copy(&mine, copies[0].ptr,
					                                    copies[0].len, &c),
					                 0);
					assert_string_equal(ew_buf_cstr(&mine), ew_buf_cstr(&want));
				}
				ew_buf_free(&mine);
				ew_buf_free(&want);
			}
		}
		at = 2048; /* restore the array for the next cut */
		for (size_t i = 0; i < n; i++) {
			vec[i] = BASE + at;
			at += strlen(strs[i]) + 1;
		}
	}
}

static void test_returns(void **state)
{
	(void)state;
	struct ew_buf b = EW_BUF_INIT;
	struct ew_render_ctx c = ctx(256);
	const struct ew_sysdesc *openat = ew_sysdesc_canon(ew_sys_lookup("openat"));
	const struct ew_sysdesc *mmap = ew_sysdesc_canon(ew_sys_lookup("mmap"));
	const struct ew_sysdesc *rd = ew_sysdesc_canon(ew_sys_lookup("read"));
	assert_int_equal(ew_render_ret(&b, openat, -ENOENT, &c), 0);
	assert_string_equal(ew_buf_cstr(&b), "-2 ENOENT (No such file or directory)");
	ew_buf_clear(&b);
	assert_int_equal(ew_render_ret(&b, openat, 3, &c), 0);
	assert_string_equal(ew_buf_cstr(&b), "3</etc/passwd>");
	ew_buf_clear(&b);
	assert_int_equal(ew_render_ret(&b, mmap, 0x7f0000001000, &c), 0);
	assert_string_equal(ew_buf_cstr(&b), "0x7f0000001000");
	ew_buf_clear(&b);
	assert_int_equal(ew_render_ret(&b, rd, 42, &c), 0);
	assert_string_equal(ew_buf_cstr(&b), "42");
	ew_buf_clear(&b);
	assert_int_equal(ew_render_ret(&b, rd, -512, &c), 0);
	assert_string_equal(ew_buf_cstr(&b), "-512 ERESTARTSYS (interrupted by a signal)");
	ew_buf_clear(&b);
	assert_int_equal(ew_render_ret(&b, NULL, -4000, &c), 0);
	assert_string_equal(ew_buf_cstr(&b), "-4000 (errno 4000)");
	ew_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_buffers_and_arrays),
	    cmocka_unit_test(test_copies_match_memory),
	    cmocka_unit_test(test_returns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
