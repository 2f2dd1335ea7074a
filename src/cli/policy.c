/* SPDX-License-Identifier: MIT */
/*
 * policy.c - `execwatch policy check FILE...` validates policies (errors as FILE:LINE:COL);
 * `execwatch policy learn [-i DB] [-o FILE] [--algo A]` writes a policy that allows exactly
 * the programs (and their interpreters) a recorded run executed, each pinned by a checksum.
 *
 * Exit status: 0 ok, 1 a policy is invalid or the database cannot be read, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "binfmt.h"
#include "cli.h"
#include "policy.h"

static const char usage_text[] =
	"Usage: execwatch policy check FILE...\n"
	"       execwatch policy learn [-i DB] [-o FILE] [--algo sha256|sha512|sha3-256]\n"
	"\n"
	"check  validate policy files (docs/POLICY.md); errors are printed as FILE:LINE:COL.\n"
	"learn  write a policy allowing exactly what the recording DB (default execwatch.db)\n"
	"       executed, every program and interpreter pinned by a checksum; to stdout or FILE.\n";

static int cmd_check(int argc, char **argv)
{
	if (argc < 2) {
		ew_err("policy check: no policy file given");
		return 2;
	}
	struct ew_pol *p;
	if (ew_pol_new(&p) < 0) {
		ew_err("out of memory");
		return 1;
	}
	char err[1024];
	for (int i = 1; i < argc; i++) {
		if (ew_pol_load_file(p, argv[i], err, sizeof(err)) < 0) {
			ew_err("%s", err);
			ew_pol_free(p);
			return 1;
		}
	}
	if (ew_pol_finish(p) < 0) {
		ew_err("out of memory");
		ew_pol_free(p);
		return 1;
	}
	printf("%s: ok: %zu rule%s, %zu checksum%s, default %s, %zu file%s read\n", argv[1], p->nrules,
	       p->nrules == 1 ? "" : "s", p->nforce, p->nforce == 1 ? "" : "s", ew_action_name(p->def),
	       p->nfiles, p->nfiles == 1 ? "" : "s");
	ew_pol_free(p);
	return 0;
}

/* A set of paths (small, linear: a recording runs a few hundred distinct programs). */
struct pset {
	char **v;
	size_t n, cap;
};

static int pset_add(struct pset *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], path))
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **n = realloc(s->v, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->v = n;
		s->cap = cap;
	}
	s->v[s->n] = strdup(path);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the file's resolved path, and for an ELF its PT_INTERP, for a script its interpreter. */
static int add_program(struct pset *s, const char *path, int depth)
{
	char real[PATH_MAX];
	if (depth > 5 || !realpath(path, real))
		return 0; /* gone since the recording: nothing to pin */
	int r = pset_add(s, real);
	if (r < 0)
		return r;
	struct ew_binfmt bf;
	if (ew_binfmt_probe_at(AT_FDCWD, real, false, &bf) == 0 && bf.interp_len && bf.interp[0] == '/')
		return add_program(s, bf.interp, depth + 1);
	return 0;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[\\ \t#", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static int cmd_learn(int argc, char **argv)
{
	const char *in = "execwatch.db", *out = NULL;
	enum ew_hash_algo algo = EW_HASH_SHA256;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "-i") || !strcmp(a, "--input")) && i + 1 < argc) {
			in = argv[++i];
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(a, "--algo") && i + 1 < argc) {
			const char *n = argv[++i];
			int found = -1;
			for (int k = 0; k < EW_HASH__COUNT; k++)
				if (!strcmp(n, ew_hash_name((enum ew_hash_algo)k)))
					found = k;
			if (found < 0) {
				ew_err("policy learn: unknown algorithm '%s' (sha256, sha512, sha3-256)", n);
				return 2;
			}
			algo = (enum ew_hash_algo)found;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else {
			ew_err("policy learn: unexpected argument '%s' (see 'execwatch policy --help')", a);
			return 2;
		}
	}
	if (access(in, R_OK) < 0) {
		ew_err("cannot read '%s': %s", in, strerror(errno));
		return 1;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(in, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		ew_err("cannot open '%s': %s", in, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return 1;
	}
	sqlite3_stmt *st = NULL;
	const char *q = "SELECT DISTINCT new_exe FROM execs WHERE retval = 0 AND new_exe IS NOT NULL "
			"UNION SELECT DISTINCT procname FROM execs WHERE retval = 0 AND procname IS NOT NULL";
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		ew_err("'%s' is not an execwatch recording: %s", in, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	struct pset set = {0};
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r == 0) {
		const void *b = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (!b || n <= 0 || n >= PATH_MAX || memchr(b, '\0', (size_t)n))
			continue;
		char path[PATH_MAX];
		memcpy(path, b, (size_t)n);
		path[n] = '\0';
		r = add_program(&set, path, 0);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW && r == 0) {
		ew_err("cannot read '%s': %s", in, sqlite3_errmsg(db));
		r = -EIO;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	FILE *f = stdout;
	if (r == 0 && out && !(f = fopen(out, "we"))) {
		ew_err("cannot write '%s': %s", out, strerror(errno));
		r = -errno;
	}
	int status = r < 0 ? 1 : 0;
	if (r == 0) {
		qsort(set.v, set.n, sizeof(*set.v), cmp_str);
		struct ew_hash_cache *cache = NULL;
		time_t now = time(NULL);
		char when[64];
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
		fprintf(f, "# Learned by `execwatch policy learn` from %s on %s.\n", in, when);
		fprintf(f, "# Allows exactly the programs and interpreters that run executed, each pinned\n"
			   "# by its checksum; everything else is denied.\n"
			   "default deny\n");
		for (size_t i = 0; i < set.n; i++) {
			int fd = open(set.v[i], O_RDONLY | O_CLOEXEC);
			struct stat sb;
			uint8_t d[EW_HASH_MAX];
			char hex[EW_HASH_MAX * 2 + 1];
			bool ok = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
				  ew_hash_file(cache, fd, &sb, algo, d) == 0;
			if (fd >= 0)
				close(fd);
			fputs("allow ", f);
			put_escaped(f, set.v[i]);
			fputc('\n', f);
			if (!ok) {
				fprintf(f, "# (no checksum: cannot read %s)\n", set.v[i]);
				continue;
			}
			ew_hex(d, ew_hash_len(algo), hex);
			fputs("force ", f);
			put_escaped(f, set.v[i]);
			fprintf(f, " %s:%s\n", ew_hash_name(algo), hex);
		}
		if (fflush(f) != 0 || ferror(f)) {
			ew_err("cannot write '%s': %s", out ? out : "stdout", strerror(errno));
			status = 1;
		}
		if (f != stdout)
			fclose(f);
	}
	for (size_t i = 0; i < set.n; i++)
		free(set.v[i]);
	free(set.v);
	return status;
}

int ew_cmd_policy(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "learn"))
		return cmd_learn(argc - 1, argv + 1);
	ew_err("policy: unknown command '%s' (check or learn)", argv[1]);
	return 2;
}
