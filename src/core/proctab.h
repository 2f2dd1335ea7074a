/* SPDX-License-Identifier: MIT */
/*
 * proctab.h - the process table: what execwatch knows about each live traced process.
 *
 * Keyed by thread-group id. Backends create entries at fork/attach, update them at exec and
 * remove them when the process is reaped; events take pid/ppid/comm/exe from here. Entries own
 * their strings.
 */
#ifndef EW_CORE_PROCTAB_H
#define EW_CORE_PROCTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "imap.h"

struct ew_proc {
	int32_t pid;       /* thread-group id */
	int32_t ppid;
	char comm[16];     /* as the kernel keeps it: at most 15 bytes */
	char *exe;         /* absolute path of the executable, or NULL if unknown */
	size_t exe_len;
	uint32_t nthreads; /* live traced threads */
	bool exec_seen;    /* has exec'd at least once under observation */
};

struct ew_proctab {
	struct ew_imap map;
};

struct ew_proc *ew_proctab_get(struct ew_proctab *t, int32_t pid);
/* Returns the entry for pid, creating it (with ppid) when missing; NULL on ENOMEM. */
struct ew_proc *ew_proctab_add(struct ew_proctab *t, int32_t pid, int32_t ppid);
void ew_proctab_del(struct ew_proctab *t, int32_t pid);
int ew_proc_set_exe(struct ew_proc *p, const char *exe, size_t len);
void ew_proc_set_comm(struct ew_proc *p, const char *comm, size_t len);
void ew_proctab_free(struct ew_proctab *t);
static inline size_t ew_proctab_count(const struct ew_proctab *t)
{
	return t->map.len;
}

#endif
