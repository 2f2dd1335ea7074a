/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the verbs of the execwatch command. Each returns the process exit status.
 *
 * Only the CLI prints: messages go to stderr as one line, "execwatch: <what>: <why>".
 */
#ifndef EW_CLI_H
#define EW_CLI_H

#include <stdbool.h>

int ew_cmd_record(int argc, char **argv); /* also `trace` when argv[0] is "trace" */
int ew_cmd_report(int argc, char **argv);
int ew_cmd_policy(int argc, char **argv); /* policy check|learn */
int ew_cmd_deps(int argc, char **argv);

/* Prints the one-line message for a failed ew_report_open()/load() of path (report, deps). */
struct ew_report_err;
void ew_report_open_error(const char *path, int r, const struct ew_report_err *err);
int ew_cmd_monitor(int argc, char **argv); /* eBPF: every exec on the host */

/* Prints "execwatch: " + the formatted message + "\n" to stderr. */
void ew_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error of a verb: "execwatch: VERB: message" and "Try 'execwatch VERB --help'."
 * on stderr. Returns 2 (the status of a usage error). */
int ew_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option matching shared by the verbs: argv[*i] is "LNG VALUE", "LNG=VALUE" or, when shrt is
 * given, "SHRT VALUE" / "SHRTVALUE". *matched says whether it is this option; the value is
 * returned (*i advanced past a separate value), or NULL when it is missing. */
const char *ew_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
			 bool *matched);

#endif
