/* SPDX-License-Identifier: MIT */
/*
 * sysset.h - syscall selection sets: what `--syscalls SET` means, shared by every backend.
 *
 * SET is a comma list of items, applied left to right:
 *   CLASS        exec (the default), file, desc, process, network, memory, signal, all, none
 *                (a leading '%' is accepted too: %file, like strace)
 *   NAME         a syscall name of x86_64 or i386 (openat, mmap2, socketcall, ...)
 *   !ITEM        removes ITEM; a SET made only of removals starts from `all`
 * Examples: "file,network", "all,!read,!write", "openat,read", "!futex".
 *
 * A set holds canonical (x86_64) numbers (sysent.h), which cover every ABI's call with an
 * x86_64 equivalent, plus the i386 calls that have none (mmap2, socketcall, stat64, ...) by
 * their i386 number.
 */
#ifndef EW_DECODE_SYSSET_H
#define EW_DECODE_SYSSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysent.h"

struct ew_sysset {
	uint64_t canon[EW_SYS_MAX / 64]; /* bit = canonical number */
	uint64_t i386[EW_SYS_MAX / 64];  /* bit = i386 number of a call without an x86_64 twin */
};

/* The default set: "exec". */
#define EW_SYSSET_DEFAULT "exec"

/* Parses spec into *out (written only on success). Returns 0, or -EINVAL with a one-line
 * message in err ("unknown syscall or class 'foo' in --syscalls"). */
int ew_sysset_parse(const char *spec, struct ew_sysset *out, char *err, size_t errlen);

/* Is the call (AUDIT_ARCH_*, native number as used, x32 bit included) in the set? */
bool ew_sysset_has(const struct ew_sysset *s, uint32_t audit_arch, int64_t native);

/* Canonical-number helpers. */
static inline bool ew_sysset_has_canon(const struct ew_sysset *s, int canon)
{
	return canon >= 0 && canon < EW_SYS_MAX && (s->canon[canon / 64] >> (canon % 64)) & 1;
}

static inline void ew_sysset_add_canon(struct ew_sysset *s, int canon)
{
	if (canon >= 0 && canon < EW_SYS_MAX)
		s->canon[canon / 64] |= 1ull << (canon % 64);
}

/* True when nothing is selected. */
bool ew_sysset_empty(const struct ew_sysset *s);

/* Number of calls selected (canonical plus i386-only). */
unsigned ew_sysset_count(const struct ew_sysset *s);

#endif
