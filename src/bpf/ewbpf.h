/* SPDX-License-Identifier: MIT */
/*
 * ewbpf.h - the eBPF backend's extra API, beyond struct ew_backend_ops (session.h).
 *
 * Record mode (ew_session_spawn/attach with backend "bpf") follows one process tree: the
 * kernel programs keep its thread-group ids in a map (fork adds, the last exit removes).
 * Monitor mode (ew_bpf_monitor) reports every exec, fork and exit on the host until
 * ew_session_stop(). Both need root (CAP_BPF + CAP_PERFMON) and the kernel's BTF.
 */
#ifndef EW_BPF_EWBPF_H
#define EW_BPF_EWBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ew_session;

#define EW_BPF_MAX_DENY 256

struct ew_bpf_opts {
	const char *comm;  /* monitor: only events of tasks with this comm (before or after exec) */
	bool failed_only;  /* monitor: only failed execs */
	size_t ndeny;      /* deny-list: SIGKILL right after an exec of one of these files */
	uint64_t deny_dev[EW_BPF_MAX_DENY]; /* st_dev (user-space makedev encoding) */
	uint64_t deny_ino[EW_BPF_MAX_DENY];
	uint32_t ringbuf_mb; /* ring buffer size in MiB (power of two), 0: default (32) */
};

/* Selects the bpf backend (if not yet) and stores options; call before spawn/monitor. The
 * options are copied. -EOPNOTSUPP in a build without the backend. */
int ew_bpf_configure(struct ew_session *s, const struct ew_bpf_opts *o);

/* Loads and attaches the programs for monitor mode; then ew_session_run() reports events
 * until ew_session_stop(). */
int ew_bpf_monitor(struct ew_session *s);

/* A one-line explanation of the last load/attach failure ("" when none). */
const char *ew_bpf_last_error(struct ew_session *s);

/* The errno of the spawned command's failed exec (0 if it ran). */
int ew_bpf_spawn_errno(struct ew_session *s);

/* Start-up time: microseconds spent opening, loading (verifier) and attaching. */
uint64_t ew_bpf_startup_us(struct ew_session *s);
/* Its parts: open (skeleton, BTF), load (verifier), attach. */
void ew_bpf_startup_detail(struct ew_session *s, uint64_t *open_us, uint64_t *load_us,
			   uint64_t *attach_us);

#endif
