/* SPDX-License-Identifier: MIT */
/*
 * report.c - `execwatch report [-i FILE] [--json]`: shows a recording (process tree, failed
 * execs) from its database. The reading and the layout live in src/report/; this file parses
 * options, picks the output and turns errors into one-line messages.
 *
 * Exit status: 0 shown, 1 the database could not be read (or the output written), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "escape.h"
#include "report/reader.h"
#include "report/render.h"
#include "report/summary.h"

#define DEFAULT_DB "execwatch.db"

static const char usage_text[] =
    "Usage: execwatch report [-i FILE] [--json] [--summary]\n"
    "Shows what a recording holds: the command, the process tree (pid, program, argv, exec\n"
    "result, exit status) and the failed execs.\n"
    "\n"
    "  -i, --input FILE  the database to read (default: " DEFAULT_DB ")\n"
    "      --json        one JSON document instead of text (see docs/SCHEMA.md)\n"
    "      --summary     per-syscall calls, errors and times of the syscall log, like\n"
    "                    strace -c (record with --syscalls)\n"
    "  -h, --help        show this help\n";

struct report_opts {
	const char *input;
	bool json;
	bool help;
	bool summary;
};

#define usage_error(...) (void)ew_usage_error("report", __VA_ARGS__)

/* Parses argv (argv[0] is the verb). Returns 0, or 2 after printing a usage error. */
static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	*o = (struct report_opts){.input = DEFAULT_DB};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			if (i + 1 < argc) {
				usage_error("unexpected argument '%s'", argv[i + 1]);
				return 2;
			}
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--summary")) {
			o->summary = true;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--input")) {
			if (i + 1 >= argc) {
				usage_error("option '%s' needs a file name", a);
				return 2;
			}
			o->input = argv[++i];
		} else if (!strncmp(a, "--input=", 8)) {
			o->input = a + 8;
		} else if (!strncmp(a, "-i", 2)) {
			o->input = a + 2;
		} else if (a[0] == '-' && a[1]) {
			usage_error("unknown option '%s'", a);
			return 2;
		} else {
			usage_error("unexpected argument '%s' (the database is given with -i)", a);
			return 2;
		}
		if (!o->input[0]) {
			usage_error("empty file name");
			return 2;
		}
	}
	return 0;
}

/* The file name for messages: C-escaped so that no byte can garble the terminal. */
static const char *shown_name(struct ew_buf *b, const char *path)
{
	ew_buf_clear(b);
	if (ew_cescape(b, path, strlen(path), 256, NULL) < 0)
		return path;
	return ew_buf_cstr(b);
}

void ew_report_open_error(const char *path, int r, const struct ew_report_err *err)
{
	struct ew_buf b = EW_BUF_INIT;
	const char *name = shown_name(&b, path);
	switch (r) {
	case -EMEDIUMTYPE: ew_err("'%s' is not an execwatch database", name); break;
	case -EPROTONOSUPPORT:
		ew_err(
		    "'%s' was written by a newer execwatch (schema %d, this build reads up to %d)",
		    name, err->schema_version, EW_REPORT_SCHEMA_MAX);
		break;
	case -EUCLEAN:
		ew_err("'%s' is corrupt (%s)", name, err->detail[0] ? err->detail : "unreadable");
		break;
	case -ENOENT:
	case -EACCES:
	case -EPERM:
	case -EISDIR:
	case -ELOOP:
	case -ENAMETOOLONG:
	case -ENOTDIR: ew_err("cannot open '%s': %s", name, strerror(-r)); break;
	default:
		if (err->detail[0])
			ew_err("cannot read '%s': %s (%s)", name, strerror(-r), err->detail);
		else
			ew_err("cannot read '%s': %s", name, strerror(-r));
		break;
	}
	ew_buf_free(&b);
}

int ew_cmd_report(int argc, char **argv)
{
	struct report_opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (o.help) {
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}

	struct ew_report_err err;
	struct ew_report_db *db = NULL;
	struct ew_report *rep = NULL;
	int r = ew_report_open(o.input, &db, &err);
	if (!r && o.summary) {
		r = ew_report_summary(ew_report_sqlite(db), stdout, o.json);
		ew_report_close(db);
		if (r == -EIO || fflush(stdout) != 0) {
			ew_err("cannot write the report: %s", strerror(EIO));
			return 1;
		}
		if (r < 0) {
			ew_report_open_error(o.input, r, &err);
			return 1;
		}
		return 0;
	}
	if (!r)
		r = ew_report_load(db, &rep, &err);
	ew_report_close(db);
	if (r < 0) {
		ew_report_open_error(o.input, r, &err);
		return 1;
	}
	struct ew_render_opts ro = {.file = o.input};
	r = o.json ? ew_render_json(stdout, rep, &ro) : ew_render_text(stdout, rep, &ro);
	ew_report_free(rep);
	if (r < 0) {
		ew_err("cannot write the report: %s", strerror(-r));
		return 1;
	}
	return 0;
}
