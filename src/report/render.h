/* SPDX-License-Identifier: MIT */
/*
 * render.h - `execwatch report` output: the model of reader.h as text for people or as one
 * JSON document for programs, written to a FILE* the caller owns.
 *
 * Text: a header (command, backend, host, time, exit status, event counts), the process tree
 * (two spaces of indentation per level; each process: pid, program, argv, exec result, exit),
 * then "Failed execs". Strings are C-escaped (ew_cescape), so any byte is visible and a line
 * never breaks; argv shows at most max_args elements then "... (+N more)", each element cut at
 * max_arg_len bytes (a "..." after the closing quote says so). Meant for people: the layout may
 * change; programs should use the JSON.
 *
 * JSON (documented in docs/SCHEMA.md, "report --json"): {"file", "schema_version",
 * "execwatch_version", "run": {...}, "processes": [tree of objects with "children"],
 * "failed_execs": [...]}. Strings go through ew_json_str (lossless, \udcXX for bytes that are
 * not UTF-8); argv is complete.
 *
 * Both walk the tree without recursion: any depth is fine. Return 0, -ENOMEM, or -EIO (or the
 * stream's errno) when writing failed.
 */
#ifndef EW_REPORT_RENDER_H
#define EW_REPORT_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "reader.h"

struct ew_render_opts {
	const char *file;   /* the database's name, shown in the header */
	size_t max_args;    /* text: argv elements shown (0: default 16) */
	size_t max_arg_len; /* text: bytes shown per string (0: default 256) */
};

int ew_render_text(FILE *f, const struct ew_report *r, const struct ew_render_opts *o);
int ew_render_json(FILE *f, const struct ew_report *r, const struct ew_render_opts *o);

#endif
