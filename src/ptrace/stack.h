/* SPDX-License-Identifier: MIT */
/*
 * stack.h - who made a syscall: a stack walk of a stopped tracee (elfutils libdw: CFI from
 * .eh_frame/.debug_frame, registers and memory through ptrace), for `record --deps-callers`.
 *
 * The walk starts at the syscall stop and goes outwards; the caller is the file of the first
 * frame outside the C library and the dynamic loader (libc.so, ld-linux, libpthread, libdl):
 * the library or program whose code asked for the call. A process's module list is built once
 * and kept until its mappings change (tr_stack_reset).
 */
#ifndef EW_PTRACE_STACK_H
#define EW_PTRACE_STACK_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"

struct tr_stack;

/* Whether this build can walk stacks (libdw found). */
bool tr_stack_supported(void);

/* Writes the caller's file path into out (replaced). *cache is the process's state (created
 * when NULL). tid must be in a ptrace-stop. Returns 0, -ENOENT when no frame could be
 * attributed, -EOPNOTSUPP without libdw, -ENOMEM. */
int tr_stack_caller(struct tr_stack **cache, pid_t pid, pid_t tid, struct ew_buf *out);

/* Forgets the module list (the mappings changed); NULL is ok. Frees the state. */
void tr_stack_reset(struct tr_stack **cache);

#endif
