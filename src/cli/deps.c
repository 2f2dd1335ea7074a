/* SPDX-License-Identifier: MIT */
/*
 * deps.c - `execwatch deps`: the dependency manifest of a recording made with `record --deps`
 * (docs/DEPS.md), the differences between two recordings, and a check of a manifest against
 * this machine. The work lives in src/deps/; this file parses options and maps errors.
 *
 * Exit status: manifest 0 shown, 1 the database could not be read; --diff and --check 0 no
 * differences, 1 differences, 2 trouble (unreadable input, malformed manifest); usage 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "deps/manifest.h"
#include "report/reader.h"

static const char usage_text[] =
    "Usage: execwatch deps [-i FILE] [--format text|json|tree]\n"
    "       execwatch deps --diff A.db B.db [--format text|json]\n"
    "       execwatch deps --check MANIFEST.json [--format text|json]\n"
    "The dependency fingerprint of a recording made with 'execwatch record --deps': for each\n"
    "program, the libraries it mapped and the files it opened, with size, SHA-256 and the\n"
    "Debian package that owns them.\n"
    "\n"
    "  -i, --input FILE       the database to read (default: execwatch.db)\n"
    "      --format FMT       text (default), json (docs/DEPS.md) or tree (programs by who\n"
    "                         executed whom)\n"
    "      --diff A B         what changed from recording A to recording B, per program\n"
    "                         (exit 1 when anything did)\n"
    "      --check FILE       are the dependencies of manifest FILE (deps --format json)\n"
    "                         present here with the same checksums? (exit 1 when not)\n"
    "      --no-packages      do not look up Debian packages\n"
    "      --dpkg-admindir D  dpkg's database directory (default /var/lib/dpkg)\n"
    "      --hash-cache F     checksum cache file, or 'off' (default\n"
    "                         ~/.cache/execwatch/sha256.cache; also $EW_HASH_CACHE)\n"
    "  -h, --help             show this help\n";

enum fmt { FMT_TEXT, FMT_JSON, FMT_TREE };

struct deps_opts {
	const char *input;
	enum fmt fmt;
	const char *diff_a, *diff_b;
	const char *check;
	bool no_packages;
	const char *admindir;
	const char *cache;
	bool help;
};

#define usage_error(...) ew_usage_error("deps", __VA_ARGS__)

/* "--name VALUE" or "--name=VALUE"; *v gets the value. Returns 1 matched, 0 not, -1 missing. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **v)
{
	bool m;
	*v = ew_opt_value(argc, argv, i, name, NULL, &m);
	return !m ? 0 : *v ? 1 : -1;
}

static int parse_opts(int argc, char **argv, struct deps_opts *o)
{
	*o = (struct deps_opts){.input = "execwatch.db", .fmt = FMT_TEXT};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		int m;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			return 0;
		}
		if (!strcmp(a, "--no-packages")) {
			o->no_packages = true;
			continue;
		}
		if ((m = opt_value(argc, argv, &i, "--input", &v)) ||
		    (m = opt_value(argc, argv, &i, "-i", &v))) {
			if (m < 0 || !*v)
				return usage_error("option '%s' needs a file name", a);
			o->input = v;
			continue;
		}
		if ((m = opt_value(argc, argv, &i, "--format", &v))) {
			if (m < 0)
				return usage_error("option --format needs text, json or tree");
			if (!strcmp(v, "text"))
				o->fmt = FMT_TEXT;
			else if (!strcmp(v, "json"))
				o->fmt = FMT_JSON;
			else if (!strcmp(v, "tree"))
				o->fmt = FMT_TREE;
			else
				return usage_error("--format takes text, json or tree, not '%s'",
				                   v);
			continue;
		}
		if (!strcmp(a, "--json")) {
			o->fmt = FMT_JSON;
			continue;
		}
		if (!strcmp(a, "--diff")) {
			if (i + 2 >= argc || !*argv[i + 1] || !*argv[i + 2])
				return usage_error("--diff needs two databases: --diff A.db B.db");
			o->diff_a = argv[++i];
			o->diff_b = argv[++i];
			continue;
		}
		if ((m = opt_value(argc, argv, &i, "--check", &v))) {
			if (m < 0 || !*v)
				return usage_error(
				    "--check needs a manifest file (deps --format json)");
			o->check = v;
			continue;
		}
		if ((m = opt_value(argc, argv, &i, "--dpkg-admindir", &v))) {
			if (m < 0 || !*v)
				return usage_error("--dpkg-admindir needs a directory");
			o->admindir = v;
			continue;
		}
		if ((m = opt_value(argc, argv, &i, "--hash-cache", &v))) {
			if (m < 0 || !*v)
				return usage_error("--hash-cache needs a file name or 'off'");
			o->cache = v;
			continue;
		}
		if (a[0] == '-')
			return usage_error("unknown option '%s'", a);
		return usage_error("unexpected argument '%s' (the database is given with -i)", a);
	}
	if (o->diff_a && o->check)
		return usage_error("give either --diff or --check, not both");
	if ((o->diff_a || o->check) && o->fmt == FMT_TREE)
		return usage_error("--format tree is for the manifest only");
	return 0;
}

static int load(const char *path, struct ew_manifest **m, const struct deps_opts *o,
                struct ew_hashcache *cache)
{
	struct ew_report_err err = {0};
	int r = ew_manifest_load(path, m, &err);
	if (r < 0) {
		ew_report_open_error(path, r, &err);
		return r;
	}
	ew_manifest_digest(*m, cache);
	if (!o->no_packages && ew_manifest_packages(*m, o->admindir) < 0) {
		ew_err("cannot look up packages: %s", strerror(ENOMEM));
		ew_manifest_free(*m);
		*m = NULL;
		return -ENOMEM;
	}
	return 0;
}

int ew_cmd_deps(int argc, char **argv)
{
	struct deps_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (o.help) {
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	struct ew_hashcache *cache = NULL;
	if (ew_hashcache_open(o.cache, &cache) < 0) {
		ew_err("out of memory");
		return 1;
	}
	int status = 0;
	if (o.check) {
		char err[1024] = "";
		long n = ew_deps_check(stdout, o.check, cache, o.fmt == FMT_JSON, err, sizeof(err));
		if (n == -EINVAL && err[0]) {
			ew_err("%s", err);
			status = 2;
		} else if (n < 0) {
			ew_err("cannot check '%s': %s", o.check, strerror((int)-n));
			status = 2;
		} else {
			status = n ? 1 : 0;
		}
	} else if (o.diff_a) {
		struct ew_manifest *a = NULL, *b = NULL;
		if (load(o.diff_a, &a, &o, cache) < 0 || load(o.diff_b, &b, &o, cache) < 0) {
			status = 2;
		} else {
			long n = ew_deps_diff(stdout, a, b, o.fmt == FMT_JSON);
			if (n < 0) {
				ew_err("cannot write the differences: %s", strerror((int)-n));
				status = 2;
			} else {
				status = n ? 1 : 0;
			}
		}
		ew_manifest_free(a);
		ew_manifest_free(b);
	} else {
		struct ew_manifest *m = NULL;
		if (load(o.input, &m, &o, cache) < 0) {
			status = 1;
		} else {
			int r = o.fmt == FMT_JSON   ? ew_manifest_write_json(stdout, m)
			        : o.fmt == FMT_TREE ? ew_manifest_write_tree(stdout, m)
			                            : ew_manifest_write_text(stdout, m);
			if (r < 0) {
				ew_err("cannot write the manifest: %s", strerror(-r));
				status = 1;
			}
		}
		ew_manifest_free(m);
	}
	(void)ew_hashcache_save(cache);
	ew_hashcache_free(cache);
	return status;
}
