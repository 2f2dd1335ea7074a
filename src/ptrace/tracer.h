/* SPDX-License-Identifier: MIT */
/*
 * tracer.h - the ptrace backend's internals: tasks, syscall stops, and the module interface.
 *
 * The tracer owns the wait loop and the task table. Everything it observes at a syscall is
 * handed to modules (exec capture, and later syscall logging, dependency tracing, policy),
 * which declare the syscalls they need; the union becomes the seccomp filter, so a tracee
 * stops only where some module needs it and every other syscall runs at full speed.
 *
 * Stop protocol (spawn mode, seccomp):
 *   seccomp stop (PTRACE_EVENT_SECCOMP) = syscall entry -> modules' enter()
 *     any module returned TR_WANT_EXIT -> resume with PTRACE_SYSCALL -> syscall-exit stop
 *       -> modules' exit(); successful execve reports PTRACE_EVENT_EXEC first -> exec()
 *     else resume with PTRACE_CONT.
 * Attach mode (no seccomp possible): resume with PTRACE_SYSCALL always; entry stops of
 * syscalls nobody selected are resumed without calling modules.
 */
#ifndef EW_PTRACE_TRACER_H
#define EW_PTRACE_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "buf.h"
#include "imap.h"
#include "session.h"
#include "sysent.h"

#define TR_MAX_MODULES 8

#define TR_MAX_SYSCONDS 8

/* A syscall that needs to stop only when (args[arg] & mask) != 0, e.g. mmap with PROT_EXEC:
 * the seccomp filter tests the argument, so the other calls never stop. */
struct tr_syscond {
	int nr;
	unsigned arg;
	uint64_t mask;
};

/* A set of canonical syscall numbers (see sysent.h), plus conditional ones. A number in bits
 * always stops (it wins over a condition on the same number). */
struct tr_sysset {
	uint64_t bits[EW_SYS_MAX / 64];
	struct tr_syscond cond[TR_MAX_SYSCONDS];
	unsigned nconds;
	uint64_t i386[EW_SYS_MAX / 64]; /* i386 calls without a canonical number (mmap2, ...) */
};

static inline void tr_sysset_add(struct tr_sysset *s, int nr)
{
	if (nr >= 0 && nr < EW_SYS_MAX)
		s->bits[nr / 64] |= 1ull << (nr % 64);
}

static inline bool tr_sysset_has(const struct tr_sysset *s, int nr)
{
	return nr >= 0 && nr < EW_SYS_MAX && (s->bits[nr / 64] >> (nr % 64)) & 1;
}

/* Adds "stop at nr when args[arg] & mask"; ignored when the set is full (then nr is added
 * unconditionally: stopping too often is safe, too rarely is not). */
static inline void tr_sysset_add_if(struct tr_sysset *s, int nr, unsigned arg, uint64_t mask)
{
	if (nr < 0 || nr >= EW_SYS_MAX || arg > 5)
		return;
	if (s->nconds == TR_MAX_SYSCONDS) {
		tr_sysset_add(s, nr);
		return;
	}
	s->cond[s->nconds++] = (struct tr_syscond){nr, arg, mask};
}

/* Whether a call (canonical nr, its arguments) is one the set stops at. */
static inline bool tr_sysset_stops(const struct tr_sysset *s, int nr, const uint64_t args[6])
{
	if (tr_sysset_has(s, nr))
		return true;
	for (unsigned i = 0; i < s->nconds; i++)
		if (s->cond[i].nr == nr && (args[s->cond[i].arg] & s->cond[i].mask))
			return true;
	return false;
}

struct tr_sc;
/* Is the call a task is in (canonical, or i386-only) one the set stops at? */
bool tr_sysset_has_sc(const struct tr_sysset *s, const struct tr_sc *sc);

/* The syscall a task is in. */
struct tr_sc {
	uint32_t arch;    /* AUDIT_ARCH_* */
	int64_t native;   /* number as the tracee used it (x32 bit included) */
	int nr;           /* canonical number, -1 when unknown */
	unsigned word;    /* pointer size of the caller: 4 or 8 */
	uint64_t args[6];
	uint64_t ip, sp;
	int64_t rval;     /* at exit */
	bool is_error;
	uint64_t t_enter, t_exit; /* monotonic ns */
	uint32_t want_exit;       /* modules (bits) that asked for the exit stop */
	bool denied;              /* a module made the call fail without running */
	int deny_errno;
};

enum tr_task_state {
	TR_STARTING = 0, /* attached, its first stop not seen yet */
	TR_RUNNING,      /* resumed */
	TR_IN_SYSCALL,   /* resumed with PTRACE_SYSCALL after an entry, exit stop pending */
	TR_HELD,         /* new child seen before its parent's fork event: kept stopped */
	TR_GROUP_STOP,   /* in a group-stop, PTRACE_LISTEN'ed */
};

struct tr_task {
	pid_t tid;
	pid_t tgid;
	enum tr_task_state state;
	bool leader_exit_pending; /* the leader is gone but zombie until the group ends */
	bool fork_published;
	pid_t parent_tid;         /* the task that created it, when known */
	struct tr_sc sc;
	void *mod[TR_MAX_MODULES]; /* module-private per-task state */
};

/* What a module's enter() returns: a bit set. */
enum {
	TR_WANT_EXIT = 1u << 0, /* call this module's exit() for this syscall */
};

struct tracer;

struct tr_module {
	const char *name;
	/* Adds the syscalls whose entry must stop. Called once, before the filter is built. */
	void (*want)(struct tracer *tr, void *mstate, struct tr_sysset *set);
	/* Syscall entry (seccomp stop, or entry stop in attach mode). sc is t->sc. */
	unsigned (*enter)(struct tracer *tr, void *mstate, struct tr_task *t);
	/* Syscall exit, for modules that asked with TR_WANT_EXIT. */
	void (*exit)(struct tracer *tr, void *mstate, struct tr_task *t);
	/* PTRACE_EVENT_EXEC: t (already renamed to the leader's tid) exec'd; old_tid is the tid
	 * it had before (== t->tid unless a non-leader thread exec'd). */
	void (*exec)(struct tracer *tr, void *mstate, struct tr_task *t, pid_t old_tid);
	/* A new process (not a thread) child was created by parent (fork, vfork, clone): copy
	 * per-process state. parent may be NULL when it could not report. */
	void (*fork)(struct tracer *tr, void *mstate, struct tr_task *parent, struct tr_task *child);
	/* A task ends; free per-task state. Called for every task, also at teardown. */
	void (*task_gone)(struct tracer *tr, void *mstate, struct tr_task *t);
	void (*destroy)(void *mstate);
};

/* Work to do once the stopped task has been resumed (publishing events, which can be slow:
 * SQLite, JSON), so that it overlaps with the tracee instead of delaying it. */
struct tr_deferred {
	void (*fn)(struct tracer *tr, void *arg);
	void *arg;
};

#define TR_MAX_DEFERRED 16

struct tracer {
	struct ew_session *s;
	struct ew_imap tasks; /* tid -> struct tr_task */
	size_t ntasks;
	const struct tr_module *mods[TR_MAX_MODULES];
	void *mstate[TR_MAX_MODULES];
	unsigned nmods;
	struct tr_sysset entry_set; /* union of the modules' wants */

	bool attach_mode;  /* no seccomp: PTRACE_SYSCALL on every resume */
	bool use_seccomp;
	bool step_all;     /* nearly every syscall is selected: PTRACE_SYSCALL on every resume */
	pid_t root_pid;    /* spawned or attached process */
	int root_status;   /* shell-style status once the root is reaped */
	bool root_reaped;
	int spawn_errfd;   /* read end of the CLOEXEC pipe telling an exec failure of the child */
	int spawn_errno;   /* errno of the final failed exec in the child, 0 if it ran */

	volatile sig_atomic_t stop_req;  /* 0, or 1 + how */
	volatile sig_atomic_t stop_sig;
	bool stopping;                   /* stop handled: killing or detaching */
	unsigned nheld;                  /* tasks in TR_HELD */

	struct ew_buf scratch;           /* for /proc reads */
	struct tr_deferred deferred[TR_MAX_DEFERRED];
	unsigned ndeferred;
};

/* Queues fn(tr, arg) to run right after the current stop has been resumed, in queue order;
 * runs it at once when the queue is full. fn owns arg. */
void tr_defer(struct tracer *tr, void (*fn)(struct tracer *tr, void *arg), void *arg);

/* Registers a module; called by the backend at creation, in order (exec capture first). */
int tr_add_module(struct tracer *tr, const struct tr_module *m, void *mstate);

/* Fills the common event header (pid, tid, ppid, comm, exe) for task t. */
void tr_event_header(struct tracer *tr, struct tr_task *t, struct ew_event *ev);

/* Task lookup. */
static inline struct tr_task *tr_task_get(struct tracer *tr, pid_t tid)
{
	return ew_imap_get(&tr->tasks, tid);
}

/* Builds the seccomp filter for set and loads it into the calling process (the child, before
 * exec). nnp: also set no_new_privs (needed without CAP_SYS_ADMIN). Returns 0 or -errno. */
int tr_seccomp_install(const struct tr_sysset *set, bool nnp);

/* The same filter, built in the parent as a BPF program (tr_seccomp_build, which allocates),
 * and loaded in the child with raw syscalls only (tr_seccomp_load: no allocation, no other
 * syscall - between loading and being seized, any traced syscall would fail with ENOSYS). */
struct tr_bpf {
	struct sock_filter *insns;
	unsigned short len;
};
int tr_seccomp_build(const struct tr_sysset *set, struct tr_bpf *out);
int tr_seccomp_load(const struct tr_bpf *prog, bool nnp);
void tr_seccomp_free(struct tr_bpf *prog);

/* The exec capture module (exec.c). */
extern const struct tr_module tr_exec_module;
int tr_exec_module_new(struct tracer *tr, void **mstate);
/* The exec the exec module is capturing for t (between its entry and its end), or NULL: later
 * modules reuse what it read (path, dirfd, flags) instead of reading the tracee again. */
const struct ew_exec *tr_exec_current(struct tracer *tr, struct tr_task *t);

/* The dependency module (deps.c): file opens and executable mappings, when s->cfg.deps. */
extern const struct tr_module tr_deps_module;
int tr_deps_module_new(struct tracer *tr, void **mstate);
/* The exec guard module (guard.c), registered when the session has a policy. */
extern const struct tr_module tr_guard_module;
int tr_guard_module_new(struct tracer *tr, void **mstate);

/* The syscall logging module (syslog.c): EW_EV_SYSCALL for the session's cfg.syscalls. */
extern const struct tr_module tr_syslog_module;
int tr_syslog_module_new(struct tracer *tr, void **mstate);

#endif
