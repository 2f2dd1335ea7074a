/* SPDX-License-Identifier: MIT */
/*
 * test_deps.c - src/deps: SHA-256 of buffers and files, the identity-keyed checksum cache
 * (reuse, invalidation by a change, persistence, a damaged cache file), and the dpkg owner
 * lookup (one pass, /usr-merge aliases, several owners, no dpkg).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"
#include "dpkg.h"

static char dir[] = "/tmp/ew-test-deps.XXXXXX";

static void put(const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_sha256_vectors(void **state)
{
	(void)state;
	char hex[65];
	assert_int_equal(ew_sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(ew_sha256_hex("", 0, hex), 0);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_digest_file_and_cache(void **state)
{
	(void)state;
	char cpath[512], fpath[512];
	snprintf(cpath, sizeof(cpath), "%s/cache", dir);
	snprintf(fpath, sizeof(fpath), "%s/f", dir);
	put("f", "abc");
	struct ew_hashcache *c;
	assert_int_equal(ew_hashcache_open(cpath, &c), 0);
	struct ew_digest d;
	assert_int_equal(ew_digest_file(c, fpath, &d), 0);
	assert_true(d.has_sha && d.stat_ok && !d.cached);
	assert_int_equal(d.size, 3);
	assert_string_equal(d.sha256,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(ew_digest_file(c, fpath, &d), 0);
	assert_true(d.cached);
	assert_int_equal(ew_hashcache_save(c), 0);
	ew_hashcache_free(c);

	/* Persisted: a new cache knows the file. */
	assert_int_equal(ew_hashcache_open(cpath, &c), 0);
	assert_int_equal(ew_digest_file(c, fpath, &d), 0);
	assert_true(d.cached);
	/* A changed file (new mtime/ctime/size) is hashed again. */
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	put("f", "abcd");
	assert_int_equal(ew_digest_file(c, fpath, &d), 0);
	assert_false(d.cached);
	assert_string_equal(d.sha256,
	                    "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589");
	ew_hashcache_free(c);

	/* Directory, missing file, no cache at all. */
	assert_int_equal(ew_digest_file(NULL, dir, &d), -EISDIR);
	assert_string_equal(d.error, "directory");
	assert_true(d.stat_ok && !d.has_sha);
	snprintf(fpath, sizeof(fpath), "%s/missing", dir);
	assert_int_equal(ew_digest_file(NULL, fpath, &d), -ENOENT);
	assert_string_equal(d.error, "ENOENT");
	assert_false(d.stat_ok);

	/* A damaged cache file is ignored. */
	put("cache", "garbage\n1 2 3\n");
	assert_int_equal(ew_hashcache_open(cpath, &c), 0);
	snprintf(fpath, sizeof(fpath), "%s/f", dir);
	assert_int_equal(ew_digest_file(c, fpath, &d), 0);
	assert_false(d.cached);
	ew_hashcache_free(c);
	assert_int_equal(ew_hashcache_open("off", &c), 0);
	assert_int_equal(ew_hashcache_save(c), 0);
	ew_hashcache_free(c);
}

static void test_dpkg_owners(void **state)
{
	(void)state;
	char admin[512], p[600];
	snprintf(admin, sizeof(admin), "%s/dpkg", dir);
	mkdir(admin, 0700);
	snprintf(p, sizeof(p), "%s/info", admin);
	mkdir(p, 0700);
	put("dpkg/info/libfoo1:amd64.list",
	    "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libfoo.so.1\n");
	put("dpkg/info/bar.list", "/usr/bin/bar\n/usr/share/doc/bar\n/lib/x86_64-linux-gnu\n");
	put("dpkg/info/bar.md5sums", "/usr/bin/baz\n");
	const char *paths[] = {"/usr/lib/x86_64-linux-gnu/libfoo.so.1",
	                       "/usr/bin/bar",
	                       "/opt/none",
	                       "/lib/x86_64-linux-gnu",
	                       "/bin/bar",
	                       "/usr/bin/baz"};
	char *own[6];
	unsigned lib_bin = (1u << 0) | (1u << 2); /* "bin" and "lib" merged */
	assert_int_equal(ew_dpkg_owners(admin, lib_bin, paths, 6, own), 0);
	assert_string_equal(own[0], "libfoo1:amd64"); /* via the /usr-merge alias */
	assert_string_equal(own[1], "bar");
	assert_null(own[2]);
	assert_string_equal(own[3], "bar, libfoo1:amd64"); /* a shared directory, in name order */
	assert_string_equal(own[4], "bar");
	assert_null(own[5]); /* only .list files count */
	for (int i = 0; i < 6; i++)
		free(own[i]);
	/* Without the merge, no alias. */
	assert_int_equal(ew_dpkg_owners(admin, 0, paths, 2, own), 0);
	assert_null(own[0]);
	assert_string_equal(own[1], "bar");
	free(own[1]);
	/* No dpkg database. */
	snprintf(p, sizeof(p), "%s/nodpkg", dir);
	assert_int_equal(ew_dpkg_owners(p, 0, paths, 1, own), -ENOENT);
	assert_null(own[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_vectors),
	    cmocka_unit_test(test_digest_file_and_cache),
	    cmocka_unit_test(test_dpkg_owners),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
