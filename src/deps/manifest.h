/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - the dependency manifest of a recording (`execwatch deps`, docs/DEPS.md).
 *
 * Built from a database recorded with `record --deps`: for each program executed (keyed by its
 * resolved path; a script is a program of its own, with its interpreter), the processes that ran
 * it (argv, environment, cwd), the files it mapped executable (program, interpreter, needed,
 * dlopen), the files it opened (how), its failed opens (kept apart) and the programs it executed.
 * Events are attributed to the program a process was running at that moment: its last
 * successful exec, or what its parent ran when it forked.
 *
 * Every file the run used appears once in `files` with its roles; the "dependencies" are the
 * programs, interpreters, libraries and input files (read, and not created or written by the run
 * before), outside /proc, /sys and /dev. Checksums come from the database's `digests` table
 * (written by `record --deps` when the command ended) or are computed now.
 *
 * Everything is owned by the manifest; nothing here prints except the writers, to their FILE.
 */
#ifndef EW_DEPS_MANIFEST_H
#define EW_DEPS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "digest.h"

struct ew_report_err;

/* Roles of a file in the run (bit set). */
enum {
	EW_MF_PROGRAM = 1u << 0, /* executed (a script or a binary) */
	EW_MF_INTERP = 1u << 1,  /* a script's interpreter or an ELF interpreter */
	EW_MF_LIBRARY = 1u << 2, /* mapped executable */
	EW_MF_INPUT = 1u << 3,   /* opened for reading, not produced by the run */
	EW_MF_OUTPUT = 1u << 4,  /* created or written by the run (before any read) */
	EW_MF_DIR = 1u << 5,     /* opened as a directory */
	EW_MF_OTHER = 1u << 6,   /* only named (O_PATH) */
};

struct ew_mfile {
	char *path;
	unsigned roles;
	bool system;   /* under /proc, /sys or /dev: neither digested nor a dependency */
	bool digested; /* dg is valid */
	struct ew_digest dg;
	char *package;     /* owning Debian package(s), NULL when none */
	bool writes_first; /* its first successful open wrote or created it */
	bool opened;       /* some successful open */
};

/* A program's use of a file. */
struct ew_mref {
	size_t file;      /* index in ew_manifest.files */
	uint32_t how;     /* files: union of EW_FILE_* over its opens */
	int kind;         /* libraries: enum ew_lib_kind */
	char *soname;     /* libraries */
	char *errno_name; /* failed opens: the last error */
	char *caller;     /* files, record --deps-callers: the library whose code opened it first */
	unsigned count;   /* opens (or mappings) */
};

struct ew_mrun {
	int32_t pid, ppid;
	uint64_t seq;
	char *argv_json; /* JSON array as stored (lossless escapes) */
	char *env_json;
	char *cwd;
	char *interp;  /* "#!" or ELF interpreter named by the program */
	char *invoked; /* the program as exec'd (procname: symlinks not resolved) */
	bool script;
};

struct ew_mprog {
	char *program; /* resolved path (/proc/PID/exe), or the script's path */
	size_t file;   /* its ew_mfile */
	struct ew_mrun *runs;
	size_t nruns;
	struct ew_mref *libs, *files, *failed;
	size_t nlibs, nfiles, nfailed;
	size_t *executed; /* indexes of programs it executed */
	size_t nexecuted;
	bool is_child; /* executed by another program of the run */
};

struct ew_manifest {
	char *db_path;
	char *command_json, *hostname, *kernel, *machine;
	bool finished;
	int status;
	int64_t start_wall;
	struct ew_mprog *progs;
	size_t nprogs;
	struct ew_mfile *files;
	size_t nfiles;
	bool stored_digests; /* digests were read from the database */
	bool packages_known; /* ew_manifest_packages() found dpkg's database */
	void *priv;          /* lookup tables */
};

/* Loads the manifest of the recording at path (opened read-only and checked like `report`:
 * the same return codes, err filled). Digests from the database's table when present. */
int ew_manifest_load(const char *path, struct ew_manifest **out, struct ew_report_err *err);
void ew_manifest_free(struct ew_manifest *m);

/* Computes the digests still missing (cache c may be NULL). Returns 0 or -ENOMEM. */
int ew_manifest_digest(struct ew_manifest *m, struct ew_hashcache *c);

/* Looks up the owning packages (admindir NULL: /var/lib/dpkg). Returns 0, -ENOMEM; a system
 * without dpkg leaves packages_known false. */
int ew_manifest_packages(struct ew_manifest *m, const char *admindir);

/* Whether file f is a dependency (listed for --check). */
bool ew_mfile_is_dep(const struct ew_mfile *f);

/* Writers; return 0 or -errno (EIO for a stdio error). */
int ew_manifest_write_json(FILE *out, const struct ew_manifest *m);
int ew_manifest_write_text(FILE *out, const struct ew_manifest *m);
int ew_manifest_write_tree(FILE *out, const struct ew_manifest *m);

/*
 * Writes the digests of every file of the recording at path into its `digests` table
 * (record --deps, once the command has ended). Returns 0 or -errno.
 */
int ew_deps_seal(const char *path, struct ew_hashcache *c);

/* Prints what differs from a to b, per program; returns the number of differences (0: same)
 * or -errno. */
long ew_deps_diff(FILE *out, const struct ew_manifest *a, const struct ew_manifest *b, bool json);

/*
 * Checks the dependencies listed in the manifest JSON file at path against this machine
 * (present, same type, same SHA-256). Returns the number of differences (0: all the same),
 * or -errno; a malformed file gives -EINVAL with "FILE:LINE:COL: why" in err.
 */
long ew_deps_check(FILE *out, const char *path, struct ew_hashcache *c, bool json, char *err,
                   size_t errlen);

#endif
