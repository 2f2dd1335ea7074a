/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the exec guard's policy: parsing (docs/POLICY.md), glob matching, and the pure
 * decision engine. Given facts about an exec (the resolved program, its interpreters, ELF facts,
 * checksums, the caller's ids) it returns a verdict and the rule that decided; the backend
 * (src/ptrace/guard.c) gathers the facts and carries the verdict out.
 *
 * Nothing here prints: parse errors come back as "FILE:LINE:COL: message" strings.
 */
#ifndef EW_POLICY_H
#define EW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "execwatch.h"

/* ---- glob (glob.c) ------------------------------------------------------------------------ */

/* A compiled pattern: '*' and '?' within one component, "[...]" classes ("[!..]" negates),
 * a double star across components (followed by '/', it also matches zero components), '\'
 * escapes, and a trailing slash + triple star: the directory itself or anything below it. */
struct ew_glob {
	char *text;         /* the pattern as written */
	char *prefix;       /* literal prefix, up to the first metacharacter */
	size_t prefix_len;
	bool literal;       /* no metacharacters: equality with prefix */
	bool dir_tail;      /* ended in slash + triple star */
	struct ew_gtok *tok;
	size_t ntok;
	size_t body_ntok;   /* dir_tail: tokens before the implied slash, double star */
	uint8_t (*classes)[32]; /* bitmaps of "[...]" classes */
	size_t nclasses;
};

/* Compiles pat. Returns 0, or -EINVAL with *errcol (1-based column) for a malformed pattern
 * (unterminated class, trailing backslash), -ENOMEM. g is owned by the caller: ew_glob_free(). */
int ew_glob_compile(const char *pat, size_t len, struct ew_glob *g, size_t *errcol);
void ew_glob_free(struct ew_glob *g);
/* Does the whole of s (len bytes) match? Time O(len * tokens), no recursion. */
bool ew_glob_match(const struct ew_glob *g, const char *s, size_t len);

/* ---- policy (parse.c, eval.c) --------------------------------------------------------------- */

enum ew_pcheck {
	EW_PC_TPE = 0,
	EW_PC_ELF32,
	EW_PC_DYNAMIC,
	EW_PC_STATIC,
	EW_PC_NOPIE,
	EW_PC_EXECSTACK,
	EW_PC_LDSO,
	EW_PC_FILELESS,
	EW_PC_SCRIPT,
	EW_PC__COUNT
};

/* "tpe", "elf32", ... */
const char *ew_pcheck_name(enum ew_pcheck c);

enum ew_hash_algo { EW_HASH_SHA256 = 0, EW_HASH_SHA512, EW_HASH_SHA3_256, EW_HASH__COUNT };
#define EW_HASH_MAX 64

/* Where a rule came from. */
struct ew_ploc {
	uint32_t file; /* index into ew_pol.files */
	uint32_t line;
};

struct ew_prule {
	enum ew_action act;
	struct ew_ploc loc;
	struct ew_glob glob;
};

struct ew_pforce {
	char *path;
	size_t path_len;
	enum ew_hash_algo algo;
	uint8_t digest[EW_HASH_MAX];
	size_t dlen;
	enum ew_action act; /* on mismatch (or unreadable file) */
	struct ew_ploc loc;
};

struct ew_pkeyed {
	uint64_t key; /* hash of "/first/" */
	uint32_t rule;
};

struct ew_pol {
	char **files;          /* every file read, in order (includes) */
	size_t nfiles;
	struct ew_prule *rules;
	size_t nrules;
	bool no_include;       /* refuse "include" (fuzzing: no file system access) */
	enum ew_action def;    /* default action (allow) */
	struct ew_ploc def_loc; /* line of "default", file == UINT32_MAX when implicit */

	/* Checks: action when the check fires, or -1 (off). */
	int check[EW_PC__COUNT];
	struct ew_ploc check_loc[EW_PC__COUNT];
	bool tpe_user;         /* also trust directories owned by the caller's euid */
	int64_t tpe_gid;       /* -1: no trusted group */
	bool tpe_negate;       /* tpe_gid names the untrusted group instead */

	struct ew_pforce *force;
	size_t nforce;

	/* segvguard: maxcrashes == 0 means off. */
	uint32_t sg_max;
	uint32_t sg_expiry;      /* seconds */
	uint32_t sg_suspension;  /* seconds */
	enum ew_action sg_act;
	struct ew_ploc sg_loc;

	/* Index: literal patterns by hash (rule index + 1, highest wins), built by ew_pol_finish. */
	uint32_t *lit_slots;
	size_t lit_cap;
	uint32_t *glob_rules;    /* non-literal rules whose first component is not literal, ascending */
	size_t nglob;
	struct ew_pkeyed *keyed; /* the others, by their first component's hash, then index */
	size_t nkeyed;
};

/* Creates an empty policy (default allow, the default checks: ldso and fileless deny). */
int ew_pol_new(struct ew_pol **out);
void ew_pol_free(struct ew_pol *p);

/* Parses a policy file (and its includes) into p. On a syntax error returns -EINVAL with
 * "FILE:LINE:COL: message" in err; -errno with "FILE: reason" when a file cannot be read. */
int ew_pol_load_file(struct ew_pol *p, const char *path, char *err, size_t errlen);
/* Parses text as if it were the file named name (includes resolve relative to cwd). */
int ew_pol_load_text(struct ew_pol *p, const char *name, const char *text, size_t len, char *err,
		     size_t errlen);
/* Builds the lookup index; call after the last load. */
int ew_pol_finish(struct ew_pol *p);

/* "FILE:LINE" of a location into buf. */
void ew_ploc_format(const struct ew_pol *p, struct ew_ploc loc, char *buf, size_t len);

/* Path rules: the deciding rule for path (last match wins). Returns the action and sets *rule to
 * the rule's index, or to -1 when the default decided. */
enum ew_action ew_pol_match_path(const struct ew_pol *p, const char *path, size_t len,
				 long *rule);

/* The force rule for path, or NULL. */
const struct ew_pforce *ew_pol_force_for(const struct ew_pol *p, const char *path, size_t len);

/* Algorithm names and digest sizes. */
const char *ew_hash_name(enum ew_hash_algo a);
size_t ew_hash_len(enum ew_hash_algo a);

/* Parses an action name; -1 if unknown. */
int ew_action_parse(const char *s, size_t len);

/* Is the action a denial (anything but allow/warn)? */
static inline bool ew_action_denies(enum ew_action a)
{
	return a != EW_ACT_ALLOW && a != EW_ACT_WARN;
}

/* ---- ELF facts (elf.c) ---------------------------------------------------------------------- */

struct ew_elf_facts {
	bool elf;         /* an ELF file libelf could read */
	bool is32;
	uint16_t type;    /* ET_EXEC, ET_DYN, ... */
	bool has_interp;  /* PT_INTERP */
	bool has_dynamic; /* PT_DYNAMIC */
	bool pie_flag;    /* DT_FLAGS_1 has DF_1_PIE */
	bool gnu_stack;   /* PT_GNU_STACK present */
	bool exec_stack;  /* no PT_GNU_STACK, or it has PF_X */
	char interp[4096]; /* PT_INTERP, "" if none */
};

/* Reads ELF facts from an open file (pread only, offset untouched). 0, or -ENOEXEC for a file
 * that is not ELF or is malformed, -errno on read errors. */
int ew_elf_facts_fd(int fd, struct ew_elf_facts *out);
/* The same from memory (for tests and fuzzing). */
int ew_elf_facts_mem(const void *data, size_t len, struct ew_elf_facts *out);

/* Derived facts. */
static inline bool ew_elf_is_pie(const struct ew_elf_facts *f)
{
	return f->type == 3 /* ET_DYN */;
}
/* A shared object run directly (ld.so itself, or a library): ET_DYN without PT_INTERP and
 * without DF_1_PIE (a static-pie executable has DF_1_PIE). */
static inline bool ew_elf_is_ldso(const struct ew_elf_facts *f)
{
	return f->type == 3 && !f->has_interp && !f->pie_flag;
}

/* ---- checksums (integrity.c) ---------------------------------------------------------------- */

struct ew_hash_cache;
int ew_hash_cache_new(struct ew_hash_cache **out);
void ew_hash_cache_free(struct ew_hash_cache *c);
/* Digest of the open file fd (whose fstat is st) with algo into out (ew_hash_len bytes); served
 * from the cache when (dev, inode, size, mtime, ctime) are unchanged. c may be NULL. */
int ew_hash_file(struct ew_hash_cache *c, int fd, const struct stat *st, enum ew_hash_algo algo,
		 uint8_t *out);
/* Number of files hashed (not served from the cache): for tests. */
uint64_t ew_hash_cache_misses(const struct ew_hash_cache *c);
/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void ew_hex(const uint8_t *d, size_t n, char *out);

/* ---- segvguard (segvguard.c) ---------------------------------------------------------------- */

struct ew_segvguard;
int ew_segvguard_new(struct ew_segvguard **out);
void ew_segvguard_free(struct ew_segvguard *g);
/* Records a crash of path at time now (seconds, monotonic). */
void ew_segvguard_crash(struct ew_segvguard *g, const struct ew_pol *p, const char *path,
			size_t len, uint64_t now);
/* Is path suspended at now? */
bool ew_segvguard_suspended(struct ew_segvguard *g, const struct ew_pol *p, const char *path,
			    size_t len, uint64_t now);
/* Is sig a core-dumping signal? */
bool ew_sig_dumps_core(int sig);

#endif
