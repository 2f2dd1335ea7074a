/* SPDX-License-Identifier: MIT */
/*
 * procfs.h - small, allocation-free readers of /proc/PID/... for the tracer.
 *
 * All functions take a task id (a tid works wherever a pid does in /proc) and return 0 or
 * -errno; outputs are written only on success.
 */
#ifndef EW_CORE_PROCFS_H
#define EW_CORE_PROCFS_H

#include <sys/types.h>

#include "buf.h"

/* Reads the link /proc/TID/<what> ("cwd", "exe", "root", "fd/3") into out (replaced). */
int ew_procfs_readlink(pid_t tid, const char *what, struct ew_buf *out);
/* Reads /proc/TID/comm without the trailing newline; out must hold 16 bytes. */
int ew_procfs_comm(pid_t tid, char out[16], size_t *len);
/* Reads Tgid and PPid from /proc/TID/status. */
int ew_procfs_ids(pid_t tid, pid_t *tgid, pid_t *ppid);

#endif
