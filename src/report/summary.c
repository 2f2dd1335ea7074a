/* SPDX-License-Identifier: MIT */
/*
 * summary.c - `execwatch report --summary`: per-syscall counts and times from the `syscalls`
 * table, laid out like `strace -c` (time is entry to exit as seen by the tracer, so it includes
 * the stop; calls logged at the entry only count no time).
 */
#include "summary.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "sink/sqlite.h"

struct row {
	char name[64];
	int64_t calls, errors, ns;
};

static int load(sqlite3 *db, struct row **out, size_t *n)
{
	static const char q[] =
	    "SELECT name, count(*), "
	    "sum(CASE WHEN returned AND retno < 0 AND retno >= -4095 THEN 1 ELSE 0 END), "
	    "sum(CASE WHEN returned AND time_exit >= time_enter THEN time_exit - time_enter "
	    "ELSE 0 END) FROM syscalls GROUP BY name ORDER BY 4 DESC, 2 DESC, 1";
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return ew_sink_sqlite_errno(rc, 0);
	struct row *v = NULL;
	size_t len = 0, cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			struct row *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				sqlite3_finalize(st);
				return -ENOMEM;
			}
			v = nv;
		}
		struct row *r = &v[len++];
		const unsigned char *name = sqlite3_column_text(st, 0);
		snprintf(r->name, sizeof(r->name), "%s", name ? (const char *)name : "?");
		for (char *c = r->name; *c; c++) /* names are ours; a doctored file gets '?' */
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				*c = '?';
		r->calls = sqlite3_column_int64(st, 1);
		r->errors = sqlite3_column_int64(st, 2);
		r->ns = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return ew_sink_sqlite_errno(rc, 0);
	}
	*out = v;
	*n = len;
	return 0;
}

int ew_report_summary(sqlite3 *db, FILE *f, bool json)
{
	struct row *v = NULL;
	size_t n = 0;
	int r = load(db, &v, &n);
	if (r < 0)
		return r;
	int64_t calls = 0, errors = 0, ns = 0;
	for (size_t i = 0; i < n; i++) {
		calls += v[i].calls;
		errors += v[i].errors;
		ns += v[i].ns;
	}
	if (json) {
		fputs("{\"syscalls\": [", f);
		for (size_t i = 0; i < n; i++)
			fprintf(f,
			        "%s\n  {\"name\": \"%s\", \"calls\": %" PRId64
			        ", \"errors\": %" PRId64 ", \"total_ns\": %" PRId64 "}",
			        i ? "," : "", v[i].name, v[i].calls, v[i].errors, v[i].ns);
		fprintf(f,
		        "%s], \"calls\": %" PRId64 ", \"errors\": %" PRId64
		        ", \"total_ns\": %" PRId64 "}\n",
		        n ? "\n" : "", calls, errors, ns);
	} else {
		static const char rule[] =
		    "------ ----------- ----------- --------- --------- ----------------\n";
		fprintf(f, "%6s %11s %11s %9s %9s %s\n", "% time", "seconds", "usecs/call", "calls",
		        "errors", "syscall");
		fputs(rule, f);
		for (size_t i = 0; i < n; i++) {
			double pct = ns ? 100.0 * (double)v[i].ns / (double)ns : 0;
			fprintf(f, "%6.2f %11.6f %11" PRId64 " %9" PRId64 " ", pct,
			        (double)v[i].ns / 1e9, v[i].calls ? v[i].ns / 1000 / v[i].calls : 0,
			        v[i].calls);
			if (v[i].errors)
				fprintf(f, "%9" PRId64 " %s\n", v[i].errors, v[i].name);
			else
				fprintf(f, "%9s %s\n", "", v[i].name);
		}
		fputs(rule, f);
		fprintf(f, "%6.2f %11.6f %11" PRId64 " %9" PRId64 " ", n ? 100.0 : 0.0,
		        (double)ns / 1e9, calls ? ns / 1000 / calls : 0, calls);
		if (errors)
			fprintf(f, "%9" PRId64 " total\n", errors);
		else
			fprintf(f, "%9s total\n", "");
	}
	free(v);
	return ferror(f) ? -EIO : 0;
}
