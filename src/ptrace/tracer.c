/* SPDX-License-Identifier: MIT */
/*
 * tracer.c - the ptrace backend: spawn or attach, then one wait loop that turns every ptrace
 * stop into module calls and events.
 *
 * Guarantees:
 *  - A tracee never stays stopped because of us: every stop is resumed (or, for a group-stop,
 *    PTRACE_LISTEN'ed so job control works), a child seen before its parent's fork event is
 *    released at the latest when any task dies, and at the end we kill or detach every task.
 *  - Tracees cannot outlive us unobserved: spawned trees have PTRACE_O_EXITKILL; the seccomp
 *    filter makes an untraced task's exec fail (ENOSYS), so CLONE_UNTRACED cannot escape.
 *  - Nothing here prints or exits; errors go back as -errno.
 */
#define _GNU_SOURCE
#include "tracer.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "memory.h"
#include "procfs.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

#define SYSGOOD_TRAP (SIGTRAP | 0x80)

/* ------------------------------------------------------------------------------------------ */
/* Tasks                                                                                      */

static struct tr_task *task_new(struct tracer *tr, pid_t tid, pid_t tgid)
{
	struct tr_task *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->tgid = tgid;
	t->sc.nr = -1;
	if (ew_imap_put(&tr->tasks, tid, t) < 0) {
		free(t);
		return NULL;
	}
	tr->ntasks++;
	struct ew_proc *p = ew_proctab_get(&tr->s->procs, tgid);
	if (p)
		p->nthreads++;
	return t;
}

static void task_free(struct tracer *tr, struct tr_task *t)
{
	for (unsigned i = 0; i < tr->nmods; i++)
		if (tr->mods[i]->task_gone)
			tr->mods[i]->task_gone(tr, tr->mstate[i], t);
	if (t->state == TR_HELD && tr->nheld)
		tr->nheld--;
	ew_imap_del(&tr->tasks, t->tid);
	tr->ntasks--;
	struct ew_proc *p = ew_proctab_get(&tr->s->procs, t->tgid);
	if (p && p->nthreads)
		p->nthreads--;
	free(t);
}

int tr_add_module(struct tracer *tr, const struct tr_module *m, void *mstate)
{
	if (tr->nmods >= TR_MAX_MODULES)
		return -ENOSPC;
	tr->mods[tr->nmods] = m;
	tr->mstate[tr->nmods] = mstate;
	tr->nmods++;
	return 0;
}

void tr_event_header(struct tracer *tr, struct tr_task *t, struct ew_event *ev)
{
	ev->pid = t->tgid;
	ev->tid = t->tid;
	struct ew_proc *p = ew_proctab_get(&tr->s->procs, t->tgid);
	if (p) {
		ev->ppid = p->ppid;
		ev->comm = (struct ew_str){p->comm, strlen(p->comm)};
		ev->exe = (struct ew_str){p->exe, p->exe ? p->exe_len : 0};
	}
	ev->backend = "ptrace";
}

/* Copies comm and exe of parent process pp into a new process entry. */
static struct ew_proc *proc_inherit(struct tracer *tr, pid_t pid, pid_t ppid, struct ew_proc *pp)
{
	struct ew_proc *p = ew_proctab_add(&tr->s->procs, pid, ppid);
	if (p && pp && p != pp) {
		memcpy(p->comm, pp->comm, sizeof(p->comm));
		if (pp->exe && !p->exe)
			(void)ew_proc_set_exe(p, pp->exe, pp->exe_len);
	}
	return p;
}

static void proc_refresh(struct tracer *tr, struct ew_proc *p, pid_t tid)
{
	char comm[16];
	size_t len;
	if (ew_procfs_comm(tid, comm, &len) == 0)
		ew_proc_set_comm(p, comm, len);
	if (ew_procfs_readlink(p->pid, "exe", &tr->scratch) == 0)
		(void)ew_proc_set_exe(p, tr->scratch.ptr, tr->scratch.len);
}

/* ------------------------------------------------------------------------------------------ */
/* Resuming, and what runs after                                                              */

void tr_defer(struct tracer *tr, void (*fn)(struct tracer *tr, void *arg), void *arg)
{
	if (tr->ndeferred == TR_MAX_DEFERRED) {
		fn(tr, arg);
		return;
	}
	tr->deferred[tr->ndeferred++] = (struct tr_deferred){fn, arg};
}

static void run_deferred(struct tracer *tr)
{
	/* A deferred function may defer more; take them in order until none are left. */
	for (unsigned i = 0; i < tr->ndeferred; i++)
		tr->deferred[i].fn(tr, tr->deferred[i].arg);
	tr->ndeferred = 0;
}

static void resume(struct tracer *tr, struct tr_task *t, int sig)
{
	bool syscall_stop = tr->attach_mode || tr->step_all || t->sc.want_exit;
	long req = syscall_stop ? PTRACE_SYSCALL : PTRACE_CONT;
	t->state = t->sc.want_exit ? TR_IN_SYSCALL : TR_RUNNING;
	/* ESRCH: the task was killed meanwhile; its death is reported by wait. */
	(void)ptrace(req, t->tid, 0L, (long)sig);
}

/* ------------------------------------------------------------------------------------------ */
/* Events                                                                                     */

struct fork_note {
	struct ew_event ev;
	char comm[16];
	char exe[]; /* copies: the process table may change before the note is published */
};

static void publish_deferred_event(struct tracer *tr, void *arg)
{
	struct fork_note *n = arg;
	ew_publish(tr->s, &n->ev);
	free(n);
}

/* The fork event is built now (the process table may change) and published after the resume. */
static void publish_fork(struct tracer *tr, struct tr_task *parent, struct tr_task *child,
			 const char *syscall, uint64_t flags)
{
	if (child->fork_published)
		return;
	child->fork_published = true;
	if (!ew_session_wants(tr->s, EW_EV_FORK))
		return;
	struct ew_event hdr = {.type = EW_EV_FORK};
	if (parent)
		tr_event_header(tr, parent, &hdr);
	struct fork_note *n = calloc(1, sizeof(*n) + hdr.exe.len + 1);
	if (!n)
		return;
	struct ew_event *ev = &n->ev;
	*ev = hdr;
	if (parent) {
		memcpy(n->comm, hdr.comm.ptr ? hdr.comm.ptr : "", hdr.comm.len < 16 ? hdr.comm.len : 15);
		ev->comm.ptr = n->comm;
		if (hdr.exe.ptr) {
			memcpy(n->exe, hdr.exe.ptr, hdr.exe.len);
			ev->exe.ptr = n->exe;
		}
	} else {
		/* The parent is unknown (it died before reporting): describe the child's view. */
		struct ew_proc *p = ew_proctab_get(&tr->s->procs, child->tgid);
		ev->pid = p && child->tgid != child->tid ? child->tgid : (p ? p->ppid : 0);
		ev->tid = child->parent_tid ? child->parent_tid : ev->pid;
		ev->backend = "ptrace";
	}
	ev->fork.child_pid = child->tgid;
	ev->fork.child_tid = child->tid;
	ev->fork.kind = child->tgid == child->tid ? EW_FORK_PROCESS : EW_FORK_THREAD;
	ev->fork.syscall = syscall;
	ev->fork.clone_flags = flags;
	ev->time_mono_ns = ew_now_mono();
	ev->time_wall_ns = ew_now_wall();
	tr_defer(tr, publish_deferred_event, n);
}

static void publish_exit(struct tracer *tr, struct tr_task *t, int status)
{
	if (!ew_session_wants(tr->s, EW_EV_EXIT))
		return;
	struct ew_event ev = {.type = EW_EV_EXIT};
	tr_event_header(tr, t, &ev);
	ev.exit.thread = t->tid != t->tgid;
	if (WIFSIGNALED(status)) {
		ev.exit.signaled = true;
		ev.exit.signal = WTERMSIG(status);
		ev.exit.core_dumped = WCOREDUMP(status);
		ev.exit.status = 128 + ev.exit.signal;
	} else {
		ev.exit.code = WEXITSTATUS(status);
		ev.exit.status = ev.exit.code;
	}
	ew_publish(tr->s, &ev);
}

/* The general registers of a task in its own ABI: the kernel hands a 32-bit task's registers
 * in the i386 layout (17 words), a 64-bit one's as user_regs_struct. */
struct regs {
	union {
		struct user_regs_struct r64;
		uint32_t r32[17];
	} u;
	struct iovec iov;
};

enum { I386_EBX = 0, I386_EAX = 6, I386_ORIG_EAX = 11 };

static bool regs_get(pid_t tid, struct regs *r)
{
	r->iov = (struct iovec){&r->u, sizeof(r->u)};
	return ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &r->iov) == 0;
}

static bool regs_is32(const struct regs *r)
{
	return r->iov.iov_len == sizeof(r->u.r32);
}

static void regs_set(pid_t tid, struct regs *r)
{
	(void)ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &r->iov);
}

/* Which syscall created a child and with what flags, read from the parent at its event stop. */
static void creation_info(struct tracer *tr, struct tr_task *parent, unsigned event,
			  const char **syscall, uint64_t *flags)
{
	*flags = 0;
	*syscall = event == PTRACE_EVENT_VFORK ? "vfork" :
		   event == PTRACE_EVENT_FORK ? "fork" : "clone";
	struct regs regs;
	if (!regs_get(parent->tid, &regs))
		return;
	uint32_t arch;
	int64_t nr;
	uint64_t a0;
	if (regs_is32(&regs)) {
		arch = AUDIT_ARCH_I386;
		nr = (int32_t)regs.u.r32[I386_ORIG_EAX];
		a0 = regs.u.r32[I386_EBX];
	} else {
		arch = AUDIT_ARCH_X86_64;
		nr = (int64_t)regs.u.r64.orig_rax;
		a0 = regs.u.r64.rdi;
	}
	int canon = ew_sys_canon(arch, nr);
	const char *name = ew_sys_name(canon);
	if (!name)
		return;
	if (!strcmp(name, "clone")) {
		*syscall = "clone";
		*flags = a0;
	} else if (!strcmp(name, "clone3")) {
		*syscall = "clone3";
		uint64_t f;
		if (tr_mem_read(parent->tid, a0, &f, sizeof(f)) == sizeof(f))
			*flags = f;
	} else if (!strcmp(name, "fork") || !strcmp(name, "vfork")) {
		*syscall = name;
	}
	(void)tr;
}

/* Tells modules about a new process (not a thread). */
static void modules_fork(struct tracer *tr, struct tr_task *parent, struct tr_task *child)
{
	if (child->tgid != child->tid)
		return;
	for (unsigned i = 0; i < tr->nmods; i++)
		if (tr->mods[i]->fork)
			tr->mods[i]->fork(tr, tr->mstate[i], parent, child);
}

/* A new task's creation: from the parent's PTRACE_EVENT_{FORK,VFORK,CLONE}. */
static void on_new_child(struct tracer *tr, struct tr_task *parent, unsigned event)
{
	unsigned long msg = 0;
	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0L, &msg) < 0)
		return;
	pid_t ctid = (pid_t)msg;
	const char *syscall;
	uint64_t flags;
	creation_info(tr, parent, event, &syscall, &flags);
	bool thread = event == PTRACE_EVENT_CLONE && (flags & CLONE_THREAD);
	if (event == PTRACE_EVENT_CLONE && !flags && !strcmp(syscall, "clone")) {
		/* Flags unknown: ask /proc whether it joined the parent's group. */
		pid_t tg, pp;
		if (ew_procfs_ids(ctid, &tg, &pp) == 0)
			thread = tg == parent->tgid;
	}
	pid_t tgid = thread ? parent->tgid : ctid;
	struct ew_proc *pproc = ew_proctab_get(&tr->s->procs, parent->tgid);
	if (!thread) {
		pid_t ppid = parent->tgid;
		if ((flags & CLONE_PARENT) && pproc)
			ppid = pproc->ppid;
		proc_inherit(tr, tgid, ppid, pproc);
	}
	struct tr_task *c = tr_task_get(tr, ctid);
	if (c) {
		/* Its first stop came first and it was held: fix its identity, then release. */
		if (c->tgid != tgid) {
			struct ew_proc *wrong = ew_proctab_get(&tr->s->procs, c->tgid);
			if (wrong && wrong->nthreads)
				wrong->nthreads--;
			c->tgid = tgid;
			struct ew_proc *right = ew_proctab_get(&tr->s->procs, tgid);
			if (right)
				right->nthreads++;
		}
		c->parent_tid = parent->tid;
		publish_fork(tr, parent, c, syscall, flags);
		modules_fork(tr, parent, c);
		if (c->state == TR_HELD) {
			tr->nheld--;
			resume(tr, c, 0);
		}
		return;
	}
	c = task_new(tr, ctid, tgid);
	if (!c)
		return;
	c->parent_tid = parent->tid;
	c->state = TR_STARTING;
	publish_fork(tr, parent, c, syscall, flags);
	modules_fork(tr, parent, c);
}

/* A task we do not know stopped: a new child whose parent has not reported yet. Hold it. */
static void on_unknown_stop(struct tracer *tr, pid_t tid)
{
	pid_t tgid = tid, ppid = 0;
	(void)ew_procfs_ids(tid, &tgid, &ppid);
	if (tgid == tid) {
		struct ew_proc *pp = ew_proctab_get(&tr->s->procs, ppid);
		proc_inherit(tr, tid, ppid, pp);
	}
	struct tr_task *t = task_new(tr, tid, tgid);
	if (!t) {
		(void)ptrace(PTRACE_CONT, tid, 0L, 0L);
		return;
	}
	t->state = TR_HELD;
	tr->nheld++;
}

/* Releases every held task: their parent can no longer report (it died). */
static void release_held(struct tracer *tr)
{
	while (tr->nheld) {
		size_t pos = 0, n = 0;
		void *v;
		struct tr_task *list[64];
		while (n < 64 && ew_imap_next(&tr->tasks, &pos, NULL, &v)) {
			struct tr_task *t = v;
			if (t->state == TR_HELD)
				list[n++] = t;
		}
		if (!n) {
			tr->nheld = 0;
			break;
		}
		/* resume() changes the state, so the next round finds the others. */
		for (size_t i = 0; i < n; i++) {
			tr->nheld--;
			publish_fork(tr, NULL, list[i], NULL, 0);
			resume(tr, list[i], 0);
		}
	}
}

/* Fills t->sc from PTRACE_GET_SYSCALL_INFO (entry fields at an entry or seccomp stop, the
 * return value at an exit stop); returns the op, or -1. */
static int read_syscall_info(struct tr_task *t)
{
	struct __ptrace_syscall_info info;
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info);
	if (n <= 0)
		return -1;
	struct tr_sc *sc = &t->sc;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY || info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
		memset(sc, 0, sizeof(*sc));
		sc->arch = info.arch;
		sc->native = (int64_t)info.entry.nr;
		sc->nr = ew_sys_canon(info.arch, sc->native);
		sc->word = (info.arch == AUDIT_ARCH_X86_64 && !(sc->native & EW_X32_BIT)) ? 8 : 4;
		for (int i = 0; i < 6; i++)
			sc->args[i] = sc->word == 4 ? (uint32_t)info.entry.args[i] : info.entry.args[i];
		sc->ip = info.instruction_pointer;
		sc->sp = info.stack_pointer;
		sc->t_enter = ew_now_mono();
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		sc->rval = info.exit.rval;
		sc->is_error = info.exit.is_error;
		sc->t_exit = ew_now_mono();
	}
	return info.op;
}

/* Makes the current syscall not run (nr = -1); its return value is set at the exit stop. */
static void skip_syscall(struct tr_task *t)
{
	struct regs regs;
	if (!regs_get(t->tid, &regs))
		return;
	if (regs_is32(&regs))
		regs.u.r32[I386_ORIG_EAX] = (uint32_t)-1;
	else
		regs.u.r64.orig_rax = (unsigned long long)-1;
	regs_set(t->tid, &regs);
}

static void set_return(struct tr_task *t, int64_t val)
{
	struct regs regs;
	if (!regs_get(t->tid, &regs))
		return;
	if (regs_is32(&regs))
		regs.u.r32[I386_EAX] = (uint32_t)val;
	else
		regs.u.r64.rax = (unsigned long long)val;
	regs_set(t->tid, &regs);
	t->sc.rval = val;
	t->sc.is_error = val < 0;
}

bool tr_sysset_has_sc(const struct tr_sysset *s, const struct tr_sc *sc)
{
	if (sc->nr >= 0)
		return tr_sysset_stops(s, sc->nr, sc->args);
	int64_t n = sc->native;
	return sc->arch == AUDIT_ARCH_I386 && n >= 0 && n < EW_SYS_MAX &&
	       ((s->i386[n / 64] >> (n % 64)) & 1);
}

static void on_syscall_entry(struct tracer *tr, struct tr_task *t)
{
	if (!tr_sysset_has_sc(&tr->entry_set, &t->sc)) {
		/* Attach mode: a syscall nobody wants; its exit stop follows and is ignored. */
		t->sc.want_exit = 0;
		t->state = TR_IN_SYSCALL;
		(void)ptrace(PTRACE_SYSCALL, t->tid, 0L, 0L);
		return;
	}
	uint32_t want = 0;
	for (unsigned i = 0; i < tr->nmods; i++) {
		if (!tr->mods[i]->enter)
			continue;
		unsigned r = tr->mods[i]->enter(tr, tr->mstate[i], t);
		if (r & TR_WANT_EXIT)
			want |= 1u << i;
		if (!tr_task_get(tr, t->tid))
			return; /* a module killed and reaped it: cannot happen today, be safe */
	}
	t->sc.want_exit = want;
	if (t->sc.denied) {
		skip_syscall(t);
		if (!t->sc.want_exit)
			t->sc.want_exit = 1u << 31; /* still need the exit stop to set the error */
	}
	resume(tr, t, 0);
}

static void on_syscall_exit(struct tracer *tr, struct tr_task *t)
{
	if (t->sc.denied)
		set_return(t, -(int64_t)t->sc.deny_errno);
	uint32_t want = t->sc.want_exit;
	t->sc.want_exit = 0;
	for (unsigned i = 0; i < tr->nmods; i++)
		if ((want & (1u << i)) && tr->mods[i]->exit)
			tr->mods[i]->exit(tr, tr->mstate[i], t);
	t->sc.denied = false;
	resume(tr, t, 0);
}

static void on_exec(struct tracer *tr, struct tr_task *t)
{
	unsigned long msg = 0;
	pid_t old_tid = t->tid;
	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &msg) == 0 && msg)
		old_tid = (pid_t)msg;
	if (old_tid != t->tid) {
		/* A non-leader thread exec'd: it now has the leader's tid, the old leader is gone
		 * without a death report. Move the thread's state over to the leader's tid. */
		struct tr_task *thr = tr_task_get(tr, old_tid);
		if (thr) {
			pid_t tid = t->tid;
			task_free(tr, t); /* the old leader */
			ew_imap_del(&tr->tasks, old_tid);
			thr->tid = tid;
			if (ew_imap_put(&tr->tasks, tid, thr) < 0) {
				tr->ntasks--;
				free(thr);
				(void)ptrace(PTRACE_CONT, tid, 0L, 0L);
				return;
			}
			t = thr;
		}
	}
	/* The process table describes the new image before modules run: they find the new
	 * exe there (the exec event keeps the caller's comm/exe, copied at the entry). */
	struct ew_proc *p = ew_proctab_get(&tr->s->procs, t->tgid);
	if (p) {
		proc_refresh(tr, p, t->tid);
		p->exec_seen = true;
	}
	for (unsigned i = 0; i < tr->nmods; i++)
		if (tr->mods[i]->exec)
			tr->mods[i]->exec(tr, tr->mstate[i], t, old_tid);
	/* Modules that still want the exit stop get it; the exec module is done already. */
	resume(tr, t, 0);
}

static void on_exit_status(struct tracer *tr, pid_t tid, int status)
{
	struct tr_task *t = tr_task_get(tr, tid);
	if (!t)
		return;
	if (tid == tr->root_pid) {
		tr->root_reaped = true;
		tr->root_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	}
	publish_exit(tr, t, status);
	pid_t tgid = t->tgid;
	bool leader = tid == tgid;
	task_free(tr, t);
	if (leader)
		ew_proctab_del(&tr->s->procs, tgid);
	release_held(tr);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void on_stop(struct tracer *tr, struct tr_task *t, int status)
{
	int sig = WSTOPSIG(status);
	unsigned event = (unsigned)status >> 16;

	if (tr->stopping && tr->attach_mode) {
		/* Detaching: leave the task as it was, passing on a signal it was about to get. */
		int pass = (!event && sig != SYSGOOD_TRAP) ? sig : 0;
		(void)ptrace(PTRACE_DETACH, t->tid, 0L, (long)pass);
		pid_t tgid = t->tgid;
		bool leader = t->tid == tgid;
		task_free(tr, t);
		if (leader)
			ew_proctab_del(&tr->s->procs, tgid);
		return;
	}

	if (event == PTRACE_EVENT_STOP) {
		if (is_stop_signal(sig)) {
			/* Group-stop: stay stopped like an untraced process, but keep us informed. */
			t->state = TR_GROUP_STOP;
			(void)ptrace(PTRACE_LISTEN, t->tid, 0L, 0L);
		} else {
			/* First stop of a new task, end of a group-stop, or our interrupt. */
			if (t->state == TR_STARTING && !t->fork_published && t->tid != tr->root_pid &&
			    !tr->attach_mode) {
				publish_fork(tr, NULL, t, NULL, 0);
			}
			resume(tr, t, 0);
		}
		return;
	}
	if (event) {
		switch (event) {
		case PTRACE_EVENT_SECCOMP:
			if (tr->step_all) {
				/* The entry was handled at its syscall-enter-stop already. */
				resume(tr, t, 0);
				return;
			}
			if (read_syscall_info(t) < 0) {
				resume(tr, t, 0);
				return;
			}
			on_syscall_entry(tr, t);
			return;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			on_new_child(tr, t, event);
			resume(tr, t, 0);
			return;
		case PTRACE_EVENT_EXEC:
			on_exec(tr, t);
			return;
		default:
			resume(tr, t, 0);
			return;
		}
	}
	if (sig == SYSGOOD_TRAP) {
		int op = read_syscall_info(t);
		if (op == PTRACE_SYSCALL_INFO_ENTRY) {
			on_syscall_entry(tr, t);
		} else if (op == PTRACE_SYSCALL_INFO_EXIT) {
			if (t->sc.want_exit || t->sc.denied)
				on_syscall_exit(tr, t);
			else
				resume(tr, t, 0);
		} else {
			resume(tr, t, 0);
		}
		return;
	}
	/* Signal-delivery-stop: deliver the signal as if we were not here. */
	resume(tr, t, sig);
}

/* ------------------------------------------------------------------------------------------ */
/* Spawn, attach, stop                                                                        */

static bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

static unsigned long trace_options(bool exitkill)
{
	unsigned long o = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK |
			  PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACESECCOMP;
	if (exitkill)
		o |= PTRACE_O_EXITKILL;
	return o;
}

static void collect_wants(struct tracer *tr)
{
	memset(&tr->entry_set, 0, sizeof(tr->entry_set));
	for (unsigned i = 0; i < tr->nmods; i++)
		if (tr->mods[i]->want)
			tr->mods[i]->want(tr, tr->mstate[i], &tr->entry_set);
}

struct spawn_report {
	int stage; /* 1: seccomp, 2: exec */
	int err;
};

static void child_fail(int fd, int stage, int err)
{
	struct spawn_report r = {stage, err};
	ssize_t n = write(fd, &r, sizeof(r));
	(void)n;
	_exit(stage == 2 && err == ENOENT ? 127 : 126);
}

/* When (nearly) every syscall must stop, stepping from syscall stop to syscall stop
 * (PTRACE_SYSCALL, like strace) is cheaper than a seccomp stop per call: no filter runs in the
 * tracee and the stops are the same two. The filter then only keeps exec from escaping in an
 * untraced task (CLONE_UNTRACED gets ENOSYS). */
#define TR_STEP_MIN 300

static void choose_filter(struct tracer *tr, struct tr_sysset *filt)
{
	unsigned n = 0;
	for (unsigned i = 0; i < EW_SYS_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(tr->entry_set.bits[i]);
	*filt = tr->entry_set;
	tr->step_all = n >= TR_STEP_MIN;
	if (tr->step_all) {
		memset(filt, 0, sizeof(*filt));
		tr_sysset_add(filt, ew_sys_lookup("execve"));
		tr_sysset_add(filt, ew_sys_lookup("execveat"));
	}
}

static int tr_spawn(void *state, char *const argv[])
{
	struct tracer *tr = state;
	collect_wants(tr);
	struct tr_sysset filt;
	choose_filter(tr, &filt);
	struct tr_bpf prog;
	int br = tr_seccomp_build(&filt, &prog);
	if (br < 0)
		return br;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		tr_seccomp_free(&prog);
		return -errno;
	}
	bool nnp = !have_cap_sys_admin();
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		tr_seccomp_free(&prog);
		return -e;
	}
	if (pid == 0) {
		close(pfd[0]);
		/* If execwatch dies before seizing us, do not run untraced. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		pid_t me = getpid();
		int r = tr_seccomp_load(&prog, nnp);
		if (r < 0)
			child_fail(pfd[1], 1, -r);
		/* Not raise(): with the filter loaded and no tracer yet, a traced syscall fails
		 * with ENOSYS; the filter never traces tgkill(..., SIGSTOP) (seccomp.c). */
		(void)syscall(SYS_tgkill, me, me, SIGSTOP);
		execvp(argv[0], argv);
		child_fail(pfd[1], 2, errno);
	}
	close(pfd[1]);
	tr_seccomp_free(&prog);
	tr->spawn_errfd = pfd[0];
	int st;
	pid_t w;
	do
		w = waitpid(pid, &st, WSTOPPED);
	while (w < 0 && errno == EINTR);
	if (w < 0 || !WIFSTOPPED(st)) {
		/* It ended before stopping: the filter could not be installed. */
		if (w < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		struct spawn_report rep = {0, 0};
		ssize_t n = read(pfd[0], &rep, sizeof(rep));
		close(pfd[0]);
		tr->spawn_errfd = -1;
		return n == sizeof(rep) && rep.err ? -rep.err : -ECHILD;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0L, trace_options(true)) < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -e;
	}
	tr->root_pid = pid;
	tr->use_seccomp = true;
	struct ew_proc *p = ew_proctab_add(&tr->s->procs, pid, parent);
	if (p)
		proc_refresh(tr, p, pid);
	struct tr_task *t = task_new(tr, pid, pid);
	if (!t) {
		kill(pid, SIGKILL);
		return -ENOMEM;
	}
	t->state = TR_RUNNING;
	t->fork_published = true;
	tr->s->info.root_pid = pid;
	kill(pid, SIGCONT);
	return 0;
}

/* Seizes every thread of pid, re-reading the list until no new thread appears. */
static int tr_attach(void *state, pid_t pid)
{
	struct tracer *tr = state;
	collect_wants(tr);
	tr->attach_mode = true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	pid_t tg, pp;
	int r = ew_procfs_ids(pid, &tg, &pp);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (tg != pid)
		return -ESRCH; /* a thread id, not a process */
	struct ew_proc *p = ew_proctab_add(&tr->s->procs, pid, pp);
	if (!p)
		return -ENOMEM;
	proc_refresh(tr, p, pid);
	for (int round = 0; round < 100; round++) {
		DIR *d = opendir(path);
		if (!d)
			return tr->ntasks ? 0 : -ESRCH;
		bool added = false;
		struct dirent *de;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || tr_task_get(tr, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0L, trace_options(false)) < 0) {
				int e = errno;
				if (e == ESRCH)
					continue; /* the thread ended meanwhile */
				closedir(d);
				return -e;
			}
			struct tr_task *t = task_new(tr, tid, pid);
			if (!t) {
				closedir(d);
				return -ENOMEM;
			}
			t->fork_published = true;
			t->state = TR_STARTING;
			/* Stop it once so we can start syscall tracing. */
			(void)ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
			added = true;
		}
		closedir(d);
		if (!added)
			break;
	}
	if (!tr->ntasks)
		return -ESRCH;
	tr->root_pid = pid;
	return 0;
}

static void tr_stop(void *state, int sig, int how)
{
	struct tracer *tr = state;
	tr->stop_sig = sig;
	if (how == 0) {
		if (tr->root_pid > 0 && !tr->attach_mode)
			kill(tr->root_pid, sig);
		return;
	}
	tr->stop_req = 1;
	/* Wake the wait loop: a killed or interrupted root reports at once. */
	if (tr->root_pid > 0) {
		if (tr->attach_mode)
			(void)ptrace(PTRACE_INTERRUPT, tr->root_pid, 0L, 0L);
		else
			kill(tr->root_pid, SIGKILL);
	}
}

static void begin_stopping(struct tracer *tr)
{
	tr->stopping = true;
	size_t pos = 0;
	int32_t tid;
	void *v;
	while (ew_imap_next(&tr->tasks, &pos, &tid, &v)) {
		struct tr_task *t = v;
		if (tr->attach_mode) {
			if (t->state == TR_HELD) {
				/* Already in a ptrace-stop: an interrupt would not report; detach now. */
				(void)ptrace(PTRACE_DETACH, tid, 0L, 0L);
				t->state = TR_RUNNING;
				continue;
			}
			(void)ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
		} else {
			/* SIGKILL needs no resume: even a stopped tracee dies. */
			(void)syscall(SYS_tgkill, t->tgid, tid, SIGKILL);
		}
	}
	if (tr->attach_mode) {
		/* Forget tasks detached above (held ones); the rest are freed at their stop. */
		for (;;) {
			bool again = false;
			pos = 0;
			while (ew_imap_next(&tr->tasks, &pos, &tid, &v)) {
				struct tr_task *t = v;
				if (t->state == TR_HELD) {
					task_free(tr, t);
					again = true;
					break;
				}
			}
			if (!again)
				break;
		}
	}
}

static int tr_run(void *state, int *status)
{
	struct tracer *tr = state;
	while (tr->ntasks) {
		if (tr->stop_req && !tr->stopping)
			begin_stopping(tr);
		int st;
		pid_t pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			on_exit_status(tr, pid, st);
			run_deferred(tr);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		struct tr_task *t = tr_task_get(tr, pid);
		if (!t) {
			if (tr->stopping && tr->attach_mode) {
				(void)ptrace(PTRACE_DETACH, pid, 0L, 0L);
				continue;
			}
			on_unknown_stop(tr, pid);
			t = tr_task_get(tr, pid);
			if (t && tr->stopping)
				(void)syscall(SYS_tgkill, t->tgid, pid, SIGKILL);
			continue;
		}
		if (tr->stopping && !tr->attach_mode) {
			/* Killing the tree: a task that stops anyway (it was running) dies now. */
			(void)syscall(SYS_tgkill, t->tgid, pid, SIGKILL);
			continue;
		}
		on_stop(tr, t, st);
		run_deferred(tr);
	}
	run_deferred(tr);
	/* Anything left (ECHILD with tasks in the table) is gone: clean up. */
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&tr->tasks, &pos, NULL, &v)) {
		task_free(tr, v);
		pos = 0;
	}
	if (tr->spawn_errfd > 0) {
		struct spawn_report rep;
		ssize_t n = read(tr->spawn_errfd, &rep, sizeof(rep));
		if (n == sizeof(rep) && rep.stage == 2)
			tr->spawn_errno = rep.err;
		close(tr->spawn_errfd);
		tr->spawn_errfd = -1;
	}
	if (tr->attach_mode)
		*status = tr->root_reaped ? tr->root_status : 0;
	else
		*status = tr->root_reaped ? tr->root_status : 128 + SIGKILL;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Backend                                                                                    */

static int tr_create(struct ew_session *s, void **state)
{
	struct tracer *tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	tr->s = s;
	tr->spawn_errfd = -1;
	void *ms;
	int r = tr_exec_module_new(tr, &ms);
	if (r < 0 || (r = tr_add_module(tr, &tr_exec_module, ms)) < 0) {
		free(tr);
		return r;
	}
	/* Dependency tracing (--deps): only then is its module on the stops at all. */
	if (s->cfg.deps) {
		r = tr_deps_module_new(tr, &ms);
		if (r == 0 && (r = tr_add_module(tr, &tr_deps_module, ms)) < 0)
			tr_deps_module.destroy(ms);
		if (r < 0) {
			tr_exec_module.destroy(tr->mstate[0]);
			free(tr);
			return r;
		}
	}
	/* Syscall logging, when selected and somebody listens. */
	if (ew_session_wants(s, EW_EV_SYSCALL) && !ew_sysset_empty(&s->cfg.syscalls)) {
		r = tr_syslog_module_new(tr, &ms);
		if (r == 0 && (r = tr_add_module(tr, &tr_syslog_module, ms)) < 0)
			tr_syslog_module.destroy(ms);
		if (r < 0) {
			for (unsigned i = 0; i < tr->nmods; i++)
				tr->mods[i]->destroy(tr->mstate[i]);
			free(tr);
			return r;
		}
	}
	if (s->policy) {
		r = tr_guard_module_new(tr, &ms);
		if (r == 0 && (r = tr_add_module(tr, &tr_guard_module, ms)) < 0)
			tr_guard_module.destroy(ms);
		if (r < 0) {
			for (unsigned i = 0; i < tr->nmods; i++)
				tr->mods[i]->destroy(tr->mstate[i]);
			free(tr);
			return r;
		}
	}
	*state = tr;
	return 0;
}

static void tr_destroy(void *state)
{
	struct tracer *tr = state;
	if (!tr)
		return;
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&tr->tasks, &pos, NULL, &v)) {
		task_free(tr, v);
		pos = 0;
	}
	ew_imap_free(&tr->tasks);
	for (unsigned i = 0; i < tr->nmods; i++)
		if (tr->mods[i]->destroy)
			tr->mods[i]->destroy(tr->mstate[i]);
	if (tr->spawn_errfd >= 0)
		close(tr->spawn_errfd);
	ew_buf_free(&tr->scratch);
	free(tr);
}

const struct ew_backend_ops ew_backend_ptrace = {
	.name = "ptrace",
	.create = tr_create,
	.spawn = tr_spawn,
	.attach = tr_attach,
	.run = tr_run,
	.stop = tr_stop,
	.destroy = tr_destroy,
};

/* The errno of the spawned command's final failed exec (0 if it ran); for the CLI's message. */
int ew_ptrace_spawn_errno(struct ew_session *s);
int ew_ptrace_spawn_errno(struct ew_session *s)
{
	if (s->backend_ops != &ew_backend_ptrace || !s->backend)
		return 0;
	return ((struct tracer *)s->backend)->spawn_errno;
}
