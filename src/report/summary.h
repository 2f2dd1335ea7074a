/* SPDX-License-Identifier: MIT */
/*
 * summary.h - the per-syscall summary of a recording (`execwatch report --summary`), like
 * `strace -c`: % time, seconds, usecs/call, calls, errors, syscall; sorted by time.
 */
#ifndef EW_REPORT_SUMMARY_H
#define EW_REPORT_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

typedef struct sqlite3 sqlite3;

/* Writes the summary of db's syscalls table to f (text, or one JSON object with json).
 * Returns 0 or -errno. Syscall names are execwatch's own (never hostile bytes). */
int ew_report_summary(sqlite3 *db, FILE *f, bool json);

#endif
