/* SPDX-License-Identifier: MIT */
/*
 * options.h - command-line parsing for record/trace, separate from running so it can be
 * unit-tested. Parsing never prints: errors come back as a message in err.
 */
#ifndef EW_CLI_OPTIONS_H
#define EW_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EW_MAX_PLUGINS 16
#define EW_MAX_COMMS 32
#define EW_MAX_POLICIES 16

struct ew_record_opts {
	bool trace;            /* the `trace` verb: live text, no database */
	bool help;
	const char *output;    /* record: database (default execwatch.db); trace: text file */
	const char *json;      /* JSON Lines file, "-" for stdout, or NULL */
	const char *backend;   /* "ptrace" (default) or "bpf" */
	const char *plugins[EW_MAX_PLUGINS]; /* "LIB.so" or "LIB.so:ARG" */
	size_t nplugins;
	pid_t attach_pid;      /* -p; 0 when spawning */
	bool force;            /* -f: overwrite the database instead of keeping FILE.old */
	char **command;        /* NULL-terminated, points into argv */
	int string_limit;      /* -s */
	const char *syscalls;  /* --syscalls SET (sysset.h), NULL: the default "exec" */
	const char *comms[EW_MAX_COMMS]; /* --comm NAME: log syscalls only of these processes */
	size_t ncomms;
	bool one_cpu;          /* --one-cpu: run execwatch and the traced tree on one CPU */
	bool deps;             /* --deps: file opens and executable mappings */
	bool deps_callers;     /* --deps-callers: also the library that made each open */
	const char *policies[EW_MAX_POLICIES]; /* --policy FILE (repeatable, read in order) */
	size_t npolicies;
};

/* Parses argv (argv[0] is the verb). Returns 0, or -1 with a one-line message in err. */
int ew_parse_record(int argc, char **argv, struct ew_record_opts *o, char *err, size_t errlen);

/* The usage text of record/trace. */
const char *ew_record_usage(bool trace);

#endif
