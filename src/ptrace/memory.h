/* SPDX-License-Identifier: MIT */
/*
 * memory.h - reading a tracee's memory safely.
 *
 * Every pointer a tracee gives is hostile: it may be NULL, unmapped, point at a string without
 * a terminator, or change while we read. These readers never fault, never read past a limit,
 * and say exactly what happened through flags instead of guessing.
 */
#ifndef EW_PTRACE_MEMORY_H
#define EW_PTRACE_MEMORY_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* Reads up to len bytes; returns the count read (short at the first unreadable byte) or -errno
 * when not even the first byte is readable. */
ssize_t tr_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);

enum {
	TR_STR_FAULT = 1u << 0, /* unreadable before the terminator (or the pointer itself) */
	TR_STR_CUT = 1u << 1,   /* no terminator within max bytes */
};

/* Reads a NUL-terminated string of at most max bytes (without the NUL) into the arena.
 * *out gets what was read (possibly partial) and *flags TR_STR_*. A NULL addr gives
 * out->ptr == NULL and flags 0. Returns 0 or -ENOMEM. */
int tr_mem_str(pid_t tid, uint64_t addr, size_t max, struct ew_arena *a, struct ew_str *out,
	       uint32_t *flags);

/* Reads a NULL-terminated array of string pointers of word size 4 or 8 (argv, envp). Stops at
 * the first unreadable pointer or string (EW_STRV_FAULT: the kernel would fail with EFAULT) or
 * at a limit (EW_STRV_TRUNCATED). Returns 0 or -ENOMEM. */
int tr_mem_strv(pid_t tid, uint64_t addr, unsigned word, uint32_t max_count, uint64_t max_bytes,
		struct ew_arena *a, struct ew_strv *out);

#endif
