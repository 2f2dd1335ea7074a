/* SPDX-License-Identifier: MIT */
/*
 * session.h - the session internals shared by backends, sinks and the CLI.
 *
 * A session owns: the configuration, the bus (subscribers), the sinks, the plugins, the process
 * table and the backend state. The public API in execwatch.h wraps it.
 */
#ifndef EW_CORE_SESSION_H
#define EW_CORE_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "execwatch.h"
#include "proctab.h"
#include "sysset.h"

/* Hard limits on what one exec's argv/env may take; hitting one sets EW_STRV_TRUNCATED. The
 * kernel itself refuses more than ~(stack rlimit / 4) bytes, so these are only ever hit by a
 * hostile tracee or an exec that fails with E2BIG. */
#define EW_DEFAULT_MAX_ARGS (1u << 20)
#define EW_DEFAULT_MAX_ARG_BYTES (64u << 20)

struct ew_config {
	uint32_t max_args;      /* per vector */
	uint64_t max_arg_bytes; /* per vector */
	int string_limit;       /* rendered string arguments (-s), default 256 */
	struct ew_sysset syscalls; /* syscalls to log (EW_EV_SYSCALL); default "exec" */
	char (*comms)[16];      /* --comm: log syscalls only of these comms; NULL = all */
	size_t ncomms;
	int strv_limit;         /* string-array elements rendered before "..." (default 32) */
	bool deps;              /* dependency tracing: file opens and executable mappings */
	bool deps_callers;      /* ... and the library that made each open (stack walk) */
};

/* What sinks learn about the run as a whole. */
struct ew_run_info {
	const char *backend;
	char *const *argv;  /* the spawned command, or NULL when attached */
	int32_t attach_pid; /* 0 unless attached */
	int32_t root_pid;
	uint64_t start_wall_ns, end_wall_ns;
	bool finished;      /* the run ended (set for end()) */
	int status;         /* shell-style status of the root command */
	uint64_t events;    /* events published */
	uint64_t lost;      /* events lost by the backend */
};

struct ew_pol;
struct ew_sink;
struct ew_sink_ops {
	const char *name;
	/* Called once before the command runs (spawn/attach done). */
	int (*begin)(struct ew_sink *sink, const struct ew_run_info *info);
	void (*event)(struct ew_sink *sink, const struct ew_event *ev);
	/* Makes everything received so far durable; called periodically and on stop signals. */
	int (*flush)(struct ew_sink *sink);
	/* Called once at the end; records the outcome and closes. Returns the first error seen. */
	int (*end)(struct ew_sink *sink, const struct ew_run_info *info);
	void (*destroy)(struct ew_sink *sink);
};

struct ew_sink {
	const struct ew_sink_ops *ops;
	int error;        /* first -errno met while writing; the sink stops writing after it */
	const char *what; /* what it writes to, for messages ("execwatch.db", "stdout") */
	int sub_id;
};

struct ew_backend_ops {
	const char *name;
	int (*create)(struct ew_session *s, void **state);
	int (*spawn)(void *state, char *const argv[]);
	int (*attach)(void *state, pid_t pid);
	int (*run)(void *state, int *status);
	void (*stop)(void *state, int sig, int how); /* async-signal-safe */
	void (*destroy)(void *state);
};

extern const struct ew_backend_ops ew_backend_ptrace;
#ifdef EW_HAVE_BPF
extern const struct ew_backend_ops ew_backend_bpf;
#endif

struct ew_subscription {
	int id;
	uint32_t mask;
	ew_event_fn fn;
	void *userdata;
};

struct ew_plugin {
	void *handle;
	char *path;
	void (*fini)(struct ew_session *s);
};

struct ew_session {
	struct ew_config cfg;
	const struct ew_backend_ops *backend_ops;
	void *backend;

	struct ew_subscription *subs;
	size_t nsubs, subs_cap;
	int next_sub_id;
	int publishing;     /* depth of ew_publish on the stack */
	bool subs_dirty;    /* some subscription was removed while publishing */
	uint32_t sub_mask;  /* union of all masks: cheap "does anybody care?" */

	struct ew_sink **sinks;
	size_t nsinks;
	struct ew_plugin *plugins;
	size_t nplugins;

	struct ew_proctab procs;
	struct ew_pol *policy; /* exec guard policy (src/policy), owned; NULL: no guard */
	int exit_override;     /* nonzero: ew_session_run reports this status (policy "exit") */
	struct ew_run_info info;
	uint64_t seq;
	volatile sig_atomic_t syscalls_off; /* syscall logging switched off at run time */
	bool started;       /* spawn/attach done */
	bool ran;
};

/* Takes ownership of sink (destroyed with the session, or now on failure). */
int ew_session_add_sink(struct ew_session *s, struct ew_sink *sink);

/* Asks every sink to flush; returns the first error. */
int ew_session_flush(struct ew_session *s);

/* Does any subscriber want events of this type? Backends skip building unwanted events. */
static inline bool ew_session_wants(const struct ew_session *s, enum ew_event_type t)
{
	return (s->sub_mask & EW_MASK(t)) != 0;
}

/* Current CLOCK_MONOTONIC and CLOCK_REALTIME in ns. */
uint64_t ew_now_mono(void);
uint64_t ew_now_wall(void);

#endif
