/* SPDX-License-Identifier: MIT */
/* Unit tests: glob patterns, the policy parser (errors with FILE:LINE:COL), last-match-wins
 * evaluation, ELF facts, checksums and their cache, segvguard. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#include "policy.h"

static bool gm(const char *pat, const char *s)
{
	struct ew_glob g;
	size_t col = 0;
	assert_int_equal(ew_glob_compile(pat, strlen(pat), &g, &col), 0);
	bool r = ew_glob_match(&g, s, strlen(s));
	ew_glob_free(&g);
	return r;
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(gm("/usr/bin/true", "/usr/bin/true"));
	assert_false(gm("/usr/bin/true", "/usr/bin/truex"));
	assert_true(gm("/usr/bin/*", "/usr/bin/ls"));
	assert_false(gm("/usr/bin/*", "/usr/bin/x/ls"));
	assert_true(gm("/usr/bin/*", "/usr/bin/"));
	assert_true(gm("/usr/bin/l?", "/usr/bin/ls"));
	assert_false(gm("/usr/bin/l?", "/usr/bin/l/"));
	assert_true(gm("/usr/bin/[a-c]at", "/usr/bin/cat"));
	assert_false(gm("/usr/bin/[a-c]at", "/usr/bin/dat"));
	assert_true(gm("/usr/bin/[!a-c]at", "/usr/bin/dat"));
	assert_false(gm("/a[/]b", "/a/b"));
	assert_true(gm("/tmp/**", "/tmp/x"));
	assert_true(gm("/tmp/**", "/tmp/x/y/z"));
	assert_false(gm("/tmp/**", "/tmp"));
	assert_false(gm("/tmp/**", "/tmpx/y"));
	assert_true(gm("/tmp/***", "/tmp"));
	assert_true(gm("/tmp/***", "/tmp/a/b"));
	assert_false(gm("/tmp/***", "/tmpx"));
	assert_true(gm("/a/**/b", "/a/b"));
	assert_true(gm("/a/**/b", "/a/x/y/b"));
	assert_false(gm("/a/**/b", "/a/xb"));
	assert_true(gm("**/true", "/usr/bin/true"));
	assert_true(gm("/usr/*/t*e", "/usr/bin/true"));
	assert_true(gm("/a\\*b", "/a*b"));
	assert_false(gm("/a\\*b", "/axb"));
	assert_true(gm("/h*/*/x", "/home/u/x"));
	assert_true(gm("/a/*/***", "/a/b"));
	assert_true(gm("/a/*/***", "/a/b/c/d"));
	/* Pathological pattern: must stay fast (no backtracking blow-up). */
	char pat[200], s[4000];
	strcpy(pat, "/");
	for (int i = 0; i < 30; i++)
		strcat(pat, "**a");
	strcat(pat, "b");
	memset(s, 'a', sizeof(s) - 1);
	s[0] = '/';
	s[sizeof(s) - 1] = '\0';
	assert_false(gm(pat, s));

	struct ew_glob g;
	size_t col = 0;
	assert_int_equal(ew_glob_compile("/a[bc", 5, &g, &col), -EINVAL);
	assert_int_equal(col, 3);
	assert_int_equal(ew_glob_compile("/a\\", 3, &g, &col), -EINVAL);
	assert_int_equal(col, 3);
}

static struct ew_pol *load(const char *text, int expect, const char *experr)
{
	struct ew_pol *p;
	char err[512] = "";
	assert_int_equal(ew_pol_new(&p), 0);
	int r = ew_pol_load_text(p, "t.pol", text, strlen(text), err, sizeof(err));
	if (r != expect)
		fail_msg("load returned %d (%s), expected %d", r, err, expect);
	if (experr)
		assert_string_equal(err, experr);
	if (r == 0)
		assert_int_equal(ew_pol_finish(p), 0);
	return p;
}

static enum ew_action act(struct ew_pol *p, const char *path, long *rule)
{
	long r;
	enum ew_action a = ew_pol_match_path(p, path, strlen(path), &r);
	if (rule)
		*rule = r;
	return a;
}

static void test_parse_errors(void **state)
{
	(void)state;
	ew_pol_free(load("allow /**\n  bogus /x\n", -EINVAL,
			 "t.pol:2:3: unknown directive 'bogus' (an action, default, force, check, tpe, segvguard, include)"));
	ew_pol_free(load("deny tmp/**\n", -EINVAL,
			 "t.pol:1:6: a pattern must be an absolute path (start with '/' or '*')"));
	ew_pol_free(load("deny /a[b\n", -EINVAL,
			 "t.pol:1:8: malformed pattern (unterminated '[' or trailing '\\')"));
	ew_pol_free(load("default maybe\n", -EINVAL,
			 "t.pol:1:9: unknown action 'maybe' (allow, warn, filter, deny, kill, stop, abort, exit)"));
	ew_pol_free(load("force /bin/x sha256:abcd\n", -EINVAL,
			 "t.pol:1:21: sha256 needs 64 hex digits, got 4"));
	ew_pol_free(load("force /bin/x md5:abcd\n", -EINVAL,
			 "t.pol:1:14: unknown checksum algorithm 'md5' (sha256, sha512, sha3-256)"));
	ew_pol_free(load("check nopie sometimes\n", -EINVAL, NULL));
	ew_pol_free(load("check colour deny\n", -EINVAL, NULL));
	ew_pol_free(load("segvguard 0 1 1\n", -EINVAL, NULL));
	ew_pol_free(load("tpe gid x\n", -EINVAL, "t.pol:1:9: expected a number, got 'x'"));
	ew_pol_free(load("include /nonexistent/x.pol\n", -EINVAL,
			 "t.pol:1:9: cannot read '/nonexistent/x.pol': No such file or directory"));
	ew_pol_free(load("deny /a /b\n", -EINVAL, NULL));
	ew_pol_free(load("allow\n", -EINVAL, NULL));
	ew_pol_free(load("a\0b\n", -EINVAL, NULL) );
}

static void test_eval(void **state)
{
	(void)state;
	struct ew_pol *p = load("# comment\n"
				"default deny   # trailing comment\n"
				"allow /usr/**\n"
				"deny /usr/bin/evil\n"
				"kill /usr/bin/ev*\n"
				"allow /usr/bin/evil2\n"
				"warn /opt/***\n"
				"allow /usr/bin/a\\ b\n",
				0, NULL);
	long rule;
	assert_int_equal(act(p, "/usr/bin/true", &rule), EW_ACT_ALLOW);
	assert_int_equal(rule, 0);
	/* last match wins: the glob on line 5 beats the literal on line 4 */
	assert_int_equal(act(p, "/usr/bin/evil", &rule), EW_ACT_KILL);
	assert_int_equal(rule, 2);
	assert_int_equal(act(p, "/usr/bin/evil2", &rule), EW_ACT_ALLOW);
	assert_int_equal(rule, 3);
	assert_int_equal(act(p, "/usr/bin/evil3", &rule), EW_ACT_KILL);
	assert_int_equal(act(p, "/opt", &rule), EW_ACT_WARN);
	assert_int_equal(act(p, "/bin/sh", &rule), EW_ACT_DENY);
	assert_int_equal(rule, -1);
	assert_int_equal(act(p, "/usr/bin/a b", &rule), EW_ACT_ALLOW);
	assert_int_equal(rule, 5);
	char loc[64];
	ew_ploc_format(p, p->rules[2].loc, loc, sizeof(loc));
	assert_string_equal(loc, "t.pol:5");
	ew_ploc_format(p, p->def_loc, loc, sizeof(loc));
	assert_string_equal(loc, "t.pol:2");
	ew_pol_free(p);

	/* Defaults, and settings. */
	p = load("check nopie kill\ncheck ldso off\ntpe on\ntpe user on\ntpe gid 100\ntpe negate on\n"
		 "segvguard 3 60 120 kill\n"
		 "force /bin/x sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 warn\n",
		 0, NULL);
	assert_int_equal(p->def, EW_ACT_ALLOW);
	assert_int_equal(p->check[EW_PC_NOPIE], EW_ACT_KILL);
	assert_int_equal(p->check[EW_PC_LDSO], -1);
	assert_int_equal(p->check[EW_PC_FILELESS], EW_ACT_DENY);
	assert_int_equal(p->check[EW_PC_TPE], EW_ACT_DENY);
	assert_true(p->tpe_user);
	assert_int_equal(p->tpe_gid, 100);
	assert_true(p->tpe_negate);
	assert_int_equal(p->sg_max, 3);
	assert_int_equal(p->sg_act, EW_ACT_KILL);
	const struct ew_pforce *f = ew_pol_force_for(p, "/bin/x", 6);
	assert_non_null(f);
	assert_int_equal(f->act, EW_ACT_WARN);
	assert_int_equal(f->digest[0], 0xe3);
	assert_null(ew_pol_force_for(p, "/bin/y", 6));
	ew_pol_free(p);

	/* Many literal rules: the index agrees with a plain scan. */
	char *big = malloc(1000 * 40);
	size_t o = 0;
	for (int i = 0; i < 1000; i++)
		o += (size_t)sprintf(big + o, "%s /usr/lib/x%d\n", i % 2 ? "deny" : "allow", i);
	big[o] = '\0';
	p = load(big, 0, NULL);
	assert_int_equal(act(p, "/usr/lib/x7", &rule), EW_ACT_DENY);
	assert_int_equal(rule, 7);
	assert_int_equal(act(p, "/usr/lib/x8", &rule), EW_ACT_ALLOW);
	assert_int_equal(act(p, "/usr/lib/x1000", &rule), EW_ACT_ALLOW);
	assert_int_equal(rule, -1);
	ew_pol_free(p);
	free(big);
}

static void test_include(void **state)
{
	(void)state;
	char dir[] = "/tmp/ew_pol_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char a[256], b[256];
	snprintf(a, sizeof(a), "%s/a.pol", dir);
	snprintf(b, sizeof(b), "%s/b.pol", dir);
	FILE *f = fopen(a, "w");
	fputs("allow /**\ninclude b.pol\n", f);
	fclose(f);
	f = fopen(b, "w");
	fputs("\ndeny /tmp/**\n", f);
	fclose(f);
	struct ew_pol *p;
	char err[512];
	assert_int_equal(ew_pol_new(&p), 0);
	assert_int_equal(ew_pol_load_file(p, a, err, sizeof(err)), 0);
	assert_int_equal(ew_pol_finish(p), 0);
	long rule;
	assert_int_equal(act(p, "/tmp/x", &rule), EW_ACT_DENY);
	char loc[512], want[512];
	ew_ploc_format(p, p->rules[rule].loc, loc, sizeof(loc));
	snprintf(want, sizeof(want), "%s:2", b);
	assert_string_equal(loc, want);
	ew_pol_free(p);
	/* an include cycle is an error, not a hang */
	f = fopen(b, "w");
	fputs("include a.pol\n", f);
	fclose(f);
	assert_int_equal(ew_pol_new(&p), 0);
	assert_int_equal(ew_pol_load_file(p, a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nested too deeply"));
	ew_pol_free(p);
	assert_int_equal(ew_pol_new(&p), 0);
	assert_true(ew_pol_load_file(p, "/nonexistent.pol", err, sizeof(err)) < 0);
	assert_string_equal(err, "/nonexistent.pol: No such file or directory");
	ew_pol_free(p);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

static void test_elf(void **state)
{
	(void)state;
	struct ew_elf_facts f;
	int fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ew_elf_facts_fd(fd, &f), 0);
	close(fd);
	assert_true(f.elf);
	assert_false(f.is32);
	assert_true(f.has_interp);
	assert_true(f.gnu_stack);
	assert_false(f.exec_stack);
	assert_false(ew_elf_is_ldso(&f));
	/* the dynamic loader itself */
	fd = open(f.interp, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ew_elf_facts_fd(fd, &f), 0);
	close(fd);
	assert_true(ew_elf_is_ldso(&f));
	/* not ELF, truncated, garbage */
	const char junk[] = "\177ELF\2\1\1\0garbage";
	assert_int_equal(ew_elf_facts_mem(junk, sizeof(junk), &f), -ENOEXEC);
	assert_int_equal(ew_elf_facts_mem("#!/bin/sh\n", 10, &f), -ENOEXEC);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(ew_elf_facts_fd(fd, &f), -ENOEXEC);
	close(fd);
}

/* The hand-made ELF files of the fuzz corpus: each fact the checks use. */
static bool corpus_facts(const char *name, struct ew_elf_facts *f)
{
	const char *src = getenv("EW_SRC");
	char path[4096];
	snprintf(path, sizeof(path), "%s/fuzz/corpus/elf/%s", src ? src : ".", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("cannot open %s", path);
	int r = ew_elf_facts_fd(fd, f);
	close(fd);
	return r == 0;
}

static void test_elf_corpus(void **state)
{
	(void)state;
	struct ew_elf_facts f;
	assert_true(corpus_facts("pie_dynamic", &f));
	assert_true(f.has_interp && f.pie_flag && ew_elf_is_pie(&f) && !ew_elf_is_ldso(&f));
	assert_string_equal(f.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_false(f.exec_stack);
	assert_true(corpus_facts("static_pie", &f));
	assert_true(!f.has_interp && f.pie_flag && !ew_elf_is_ldso(&f));
	assert_true(corpus_facts("ldso_like", &f));
	assert_true(ew_elf_is_ldso(&f));
	assert_true(corpus_facts("exec_nostack", &f));
	assert_true(!f.gnu_stack && f.exec_stack && !ew_elf_is_pie(&f));
	assert_true(corpus_facts("exec_xstack", &f));
	assert_true(f.gnu_stack && f.exec_stack);
	assert_true(corpus_facts("elf32", &f));
	assert_true(f.is32 && f.has_interp);
	assert_string_equal(f.interp, "/lib/ld-linux.so.2");
	assert_false(corpus_facts("truncated", &f));
	assert_false(corpus_facts("script", &f));
}

static void test_hash(void **state)
{
	(void)state;
	char path[] = "/tmp/ew_hash_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct ew_hash_cache *c;
	assert_int_equal(ew_hash_cache_new(&c), 0);
	struct stat st;
	fstat(fd, &st);
	uint8_t d[EW_HASH_MAX];
	char hex[EW_HASH_MAX * 2 + 1];
	assert_int_equal(ew_hash_file(c, fd, &st, EW_HASH_SHA256, d), 0);
	ew_hex(d, 32, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(ew_hash_file(c, fd, &st, EW_HASH_SHA3_256, d), 0);
	ew_hex(d, 32, hex);
	assert_string_equal(hex, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
	assert_int_equal(ew_hash_file(c, fd, &st, EW_HASH_SHA512, d), 0);
	ew_hex(d, 4, hex);
	assert_string_equal(hex, "cf83e135");
	assert_int_equal(ew_hash_cache_misses(c), 3);
	/* unchanged: served from the cache */
	assert_int_equal(ew_hash_file(c, fd, &st, EW_HASH_SHA256, d), 0);
	assert_int_equal(ew_hash_cache_misses(c), 3);
	/* changed (size, mtime): rehashed */
	assert_int_equal(write(fd, "abc", 3), 3);
	fstat(fd, &st);
	assert_int_equal(ew_hash_file(c, fd, &st, EW_HASH_SHA256, d), 0);
	ew_hex(d, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(ew_hash_cache_misses(c), 4);
	/* many files: the cache grows */
	for (int i = 0; i < 2000; i++) {
		struct stat fake = st;
		fake.st_ino = st.st_ino + 1000000 + (ino_t)i;
		assert_int_equal(ew_hash_file(c, fd, &fake, EW_HASH_SHA256, d), 0);
	}
	ew_hash_cache_free(c);
	close(fd);
	unlink(path);
}

static void test_segvguard(void **state)
{
	(void)state;
	struct ew_pol *p = load("segvguard 3 10 100\n", 0, NULL);
	struct ew_segvguard *g;
	assert_int_equal(ew_segvguard_new(&g), 0);
	const char *x = "/bin/crash";
	assert_false(ew_segvguard_suspended(g, p, x, strlen(x), 1000));
	ew_segvguard_crash(g, p, x, strlen(x), 1000);
	ew_segvguard_crash(g, p, x, strlen(x), 1001);
	assert_false(ew_segvguard_suspended(g, p, x, strlen(x), 1002));
	ew_segvguard_crash(g, p, x, strlen(x), 1002);
	assert_true(ew_segvguard_suspended(g, p, x, strlen(x), 1003));
	assert_true(ew_segvguard_suspended(g, p, x, strlen(x), 1101));
	assert_false(ew_segvguard_suspended(g, p, x, strlen(x), 1103));
	/* crashes spread beyond the expiry window do not add up */
	const char *y = "/bin/y";
	ew_segvguard_crash(g, p, y, strlen(y), 2000);
	ew_segvguard_crash(g, p, y, strlen(y), 2020);
	ew_segvguard_crash(g, p, y, strlen(y), 2040);
	assert_false(ew_segvguard_suspended(g, p, y, strlen(y), 2041));
	assert_true(ew_sig_dumps_core(11));
	assert_false(ew_sig_dumps_core(9));
	ew_segvguard_free(g);
	ew_pol_free(p);
}

/* The index (literal hash, globs keyed by first component) decides exactly like a plain
 * last-to-first scan, on a random policy and random paths. */
static void test_index_agrees(void **state)
{
	(void)state;
	static const char *const comps[] = {"usr", "bin", "tmp", "a", "b", "lib", "x y", "ab"};
	static const char *const acts[] = {"allow", "deny", "warn", "kill"};
	srand(42);
	size_t cap = 1 << 16, o = 0;
	char *text = malloc(cap);
	for (int i = 0; i < 400; i++) {
		char pat[128];
		size_t n = 0;
		int depth = 1 + rand() % 4;
		for (int d = 0; d < depth; d++) {
			int r = rand() % 12;
			const char *c = r < 8 ? comps[r] : r == 8 ? "*" : r == 9 ? "**" : r == 10 ? "?b" : "[a-b]*";
			n += (size_t)snprintf(pat + n, sizeof(pat) - n, "/%s", c);
		}
		if (rand() % 5 == 0)
			n += (size_t)snprintf(pat + n, sizeof(pat) - n, "/***");
		for (char *q = pat; *q; q++)
			if (*q == ' ')
				*q = '_';
		o += (size_t)snprintf(text + o, cap - o, "%s %s\n", acts[rand() % 4], pat);
	}
	struct ew_pol *a = load(text, 0, NULL); /* finished: indexed */
	struct ew_pol *b;
	char err[256];
	assert_int_equal(ew_pol_new(&b), 0);
	assert_int_equal(ew_pol_load_text(b, "t.pol", text, o, err, sizeof(err)), 0); /* plain scan */
	free(text);
	for (int i = 0; i < 20000; i++) {
		char path[128];
		size_t n = 0;
		int depth = 1 + rand() % 5;
		for (int d = 0; d < depth; d++)
			n += (size_t)snprintf(path + n, sizeof(path) - n, "/%s", comps[rand() % 6]);
		long ra, rb;
		enum ew_action x = ew_pol_match_path(a, path, n, &ra);
		enum ew_action y = ew_pol_match_path(b, path, n, &rb);
		if (x != y || ra != rb)
			fail_msg("%s: indexed %d (rule %ld), scan %d (rule %ld)", path, x, ra, y, rb);
	}
	ew_pol_free(a);
	ew_pol_free(b);
}

/* The benchmark's policy shape (bench/scenarios/guard.sh): 600 globs, 397 literals, then
 * an allow of all of /usr. Prints the time per lookup; asserts only a loose bound (shared CI machines). */
static void test_match_speed(void **state)
{
	(void)state;
	size_t cap = 1 << 16, o = 0;
	char *text = malloc(cap);
	o += (size_t)snprintf(text + o, cap - o, "default deny\n");
	for (int i = 1; i <= 300; i++)
		o += (size_t)snprintf(text + o, cap - o, "allow /opt/app%d/**\ndeny /srv/data%d/*/bin/*\n", i, i);
	for (int i = 1; i <= 397; i++)
		o += (size_t)snprintf(text + o, cap - o, "deny /usr/local/lib/tool%d\n", i);
	o += (size_t)snprintf(text + o, cap - o, "allow /usr/***\n");
	struct ew_pol *p = load(text, 0, NULL);
	free(text);
	static const char *const paths[] = {"/usr/bin/true", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
					    "/srv/data7/x/bin/sh", "/home/u/bin/tool", "/opt/app300/x"};
	struct timespec a, b;
	const int rounds = 20000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	long rule, sum = 0;
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < 5; i++)
			sum += ew_pol_match_path(p, paths[i], strlen(paths[i]), &rule) + rule;
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (rounds * 5.0);
	print_message("1000-rule policy: %.0f ns per lookup (checksum %ld)\n", ns, sum);
	assert_true(ns < 100000);
	assert_int_equal(ew_pol_match_path(p, "/srv/data7/x/bin/sh", 19, &rule), EW_ACT_DENY);
	assert_int_equal(ew_pol_match_path(p, "/home/u/bin/tool", 16, &rule), EW_ACT_DENY);
	assert_int_equal(rule, -1);
	ew_pol_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),	cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_eval),	cmocka_unit_test(test_include),
		cmocka_unit_test(test_elf),	cmocka_unit_test(test_elf_corpus),	cmocka_unit_test(test_hash),
		cmocka_unit_test(test_segvguard), cmocka_unit_test(test_match_speed),
		cmocka_unit_test(test_index_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
