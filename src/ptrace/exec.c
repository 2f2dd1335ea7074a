/* SPDX-License-Identifier: MIT */
/*
 * exec.c - the exec capture module: one EW_EV_EXEC per execve/execveat, successful or not.
 *
 * At the syscall entry it reads everything the kernel is about to use (path, argv, env), and
 * what the caller's context says about it (cwd, dirfd, the file behind the path, its
 * interpreter, stdin), because after a successful exec the old image is gone. The event is
 * published at PTRACE_EVENT_EXEC (success) or at the syscall exit (failure), with the kernel's
 * raw return value.
 *
 * Files are looked up from the tracee's point of view through /proc/TID/{root,cwd,fd/N}, so a
 * tracee in another cwd, root or mount namespace is described correctly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binfmt.h"
#include "memory.h"
#include "pathjoin.h"
#include "procfs.h"
#include "tracer.h"

#define PATH_READ_MAX (64u * 1024u)

struct xmod {
	int nr_execve, nr_execveat; /* canonical numbers */
	unsigned index;             /* our module slot, for want_exit bits */
	struct ew_buf tmp, tmp2;
};

struct pexec {
	struct ew_arena arena;
	struct ew_event ev;
	struct xmod *later_m; /* describe_later: the module and the tracee's tid */
	pid_t later_tid;
};

static void pexec_free(struct pexec *p)
{
	if (p) {
		ew_arena_free(&p->arena);
		free(p);
	}
}

/* Builds the tracer-side path that reaches what the tracee names by (dirfd, path). */
static int tracee_path(struct ew_buf *out, pid_t tid, int dirfd, bool use_dirfd,
		       const char *path, size_t plen)
{
	ew_buf_clear(out);
	if (plen && path[0] == '/')
		return ew_buf_printf(out, "/proc/%d/root", (int)tid) ?:
		       ew_buf_append(out, path, plen);
	if (use_dirfd)
		return ew_buf_printf(out, "/proc/%d/fd/%d/", (int)tid, dirfd) ?:
		       ew_buf_append(out, path, plen);
	return ew_buf_printf(out, "/proc/%d/cwd/", (int)tid) ?: ew_buf_append(out, path, plen);
}

static void stat_into(const char *path, bool nofollow, struct ew_file_info *fi)
{
	struct stat st;
	int r = nofollow ? lstat(path, &st) : stat(path, &st);
	if (r == 0)
		ew_file_info_from_stat(&st, fi);
}

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);
	return len >= n && !memcmp(s + len - n, suf, n);
}

/* Everything about the file the exec names: procname, stat, kind, interpreter. */
static void describe_program(struct xmod *m, pid_t tid, struct pexec *p)
{
	struct ew_exec *x = &p->ev.exec;
	bool at = x->flags & EW_EXEC_AT;
	bool empty_path = at && (x->at_flags & AT_EMPTY_PATH) && x->path.ptr && !x->path.len;
	bool use_dirfd = at && x->dirfd != AT_FDCWD;
	bool nofollow = at && (x->at_flags & AT_SYMLINK_NOFOLLOW);
	struct ew_buf *where = &m->tmp, *name = &m->tmp2;

	if (!x->path.ptr)
		return; /* unreadable path: nothing to resolve */
	if (empty_path) {
		char fdname[32];
		snprintf(fdname, sizeof(fdname), "fd/%d", x->dirfd);
		if (ew_procfs_readlink(tid, fdname, name) == 0) {
			x->procname = ew_arena_str(&p->arena, name->ptr, name->len);
			if (!strncmp(name->ptr, "/memfd:", 7) || has_suffix(name->ptr, name->len, " (deleted)"))
				x->flags |= EW_EXEC_FILELESS;
		}
		ew_buf_clear(where);
		if (ew_buf_printf(where, "/proc/%d/fd/%d", (int)tid, x->dirfd) < 0)
			return;
		nofollow = false; /* the magic link must be followed to reach the file */
	} else {
		if (!x->path.len)
			return; /* ENOENT: there is no program to describe */
		if (x->path.ptr[0] == '/') {
			if (ew_path_join_clean(name, NULL, 0, x->path.ptr, x->path.len) == 0)
				x->procname = ew_arena_str(&p->arena, name->ptr, name->len);
		} else {
			struct ew_str base = x->cwd;
			struct ew_buf dir = EW_BUF_INIT;
			if (use_dirfd) {
				char fdname[32];
				snprintf(fdname, sizeof(fdname), "fd/%d", x->dirfd);
				base = (struct ew_str){NULL, 0};
				if (ew_procfs_readlink(tid, fdname, &dir) == 0)
					base = (struct ew_str){dir.ptr, dir.len};
			}
			if (base.ptr && ew_path_join_clean(name, base.ptr, base.len, x->path.ptr, x->path.len) == 0)
				x->procname = ew_arena_str(&p->arena, name->ptr, name->len);
			ew_buf_free(&dir);
		}
		if (tracee_path(where, tid, x->dirfd, use_dirfd, x->path.ptr, x->path.len) < 0)
			return;
	}

	stat_into(where->ptr, nofollow, &x->binary);
	if (!x->binary.valid || !S_ISREG(x->binary.mode))
		return;
	struct ew_binfmt bf;
	if (ew_binfmt_probe_at(AT_FDCWD, where->ptr, nofollow, &bf) < 0)
		return;
	if (bf.kind == EW_BINFMT_SCRIPT)
		x->flags |= EW_EXEC_SCRIPT;
	else if (bf.kind == EW_BINFMT_ELF)
		x->flags |= EW_EXEC_ELF;
	if (!bf.interp_len)
		return;
	x->interp = ew_arena_str(&p->arena, bf.interp, bf.interp_len);
	if (bf.arg_len)
		x->interp_arg = ew_arena_str(&p->arena, bf.arg, bf.arg_len);
	/* The kernel opens the interpreter relative to the caller's cwd when not absolute. */
	if (tracee_path(where, tid, AT_FDCWD, false, bf.interp, bf.interp_len) == 0)
		stat_into(where->ptr, false, &x->interp_info);
}

static void describe_stdin(struct xmod *m, pid_t tid, struct pexec *p)
{
	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)tid);
	struct stat st;
	if (stat(path, &st) == 0)
		p->ev.exec.stdin_mode = st.st_mode;
	if (ew_procfs_readlink(tid, "fd/0", &m->tmp) == 0)
		p->ev.exec.stdin_path = ew_arena_str(&p->arena, m->tmp.ptr, m->tmp.len);
}

static void x_want(struct tracer *tr, void *mstate, struct tr_sysset *set)
{
	struct xmod *m = mstate;
	(void)tr;
	tr_sysset_add(set, m->nr_execve);
	tr_sysset_add(set, m->nr_execveat);
}

/*
 * Describing the program (stat, #!/PT_INTERP probe) is the longest part of the entry stop.
 * It can wait until the tracee runs again when nothing it relies on can change meanwhile:
 * the task stops again (exec event or syscall exit) before running any user code, and the
 * exec keeps the cwd and root. What the exec does change is kept synchronous: fds (closed on
 * exec: dirfd, AT_EMPTY_PATH) and, for a non-leader thread, its /proc/TID (gone when it
 * takes the leader's pid). The kernel reads the file after the resume anyway, so the facts
 * are no less current. The deferred work runs before the tracer waits for the next stop.
 */
static bool can_describe_later(const struct tr_task *t, const struct ew_exec *x)
{
	return t->tid == t->tgid && !(x->flags & EW_EXEC_AT) && x->path.ptr && x->path.len;
}

static void describe_later(struct tracer *tr, void *arg)
{
	(void)tr;
	struct pexec *p = arg;
	describe_program(p->later_m, p->later_tid, p);
}

static unsigned x_enter(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct xmod *m = mstate;
	struct tr_sc *sc = &t->sc;
	bool at = sc->nr == m->nr_execveat;
	if (sc->nr != m->nr_execve && !at)
		return 0;
	struct pexec *p = t->mod[m->index];
	if (p) { /* an earlier exec of this task never finished (cannot happen; be safe) */
		pexec_free(p);
		t->mod[m->index] = NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return 0;
	struct ew_event *ev = &p->ev;
	struct ew_exec *x = &ev->exec;
	ev->type = EW_EV_EXEC;
	tr_event_header(tr, t, ev);
	/* The header's strings live in the process table, which the exec changes: copy them. */
	char comm[16];
	size_t clen;
	if (ew_procfs_comm(t->tid, comm, &clen) == 0)
		ev->comm = ew_arena_str(&p->arena, comm, clen);
	else
		ev->comm = ew_arena_str(&p->arena, ev->comm.ptr ? ev->comm.ptr : "", ev->comm.len);
	if (ev->exe.ptr)
		ev->exe = ew_arena_str(&p->arena, ev->exe.ptr, ev->exe.len);

	x->syscall = at ? "execveat" : "execve";
	x->nr = (int32_t)(sc->native & ~(int64_t)EW_X32_BIT);
	x->arch = sc->arch;
	x->dirfd = -100; /* AT_FDCWD */
	unsigned a = 0;
	if (at) {
		x->flags |= EW_EXEC_AT;
		x->dirfd = (int32_t)sc->args[0];
		x->at_flags = (uint32_t)sc->args[4];
		a = 1;
	}
	uint32_t sf;
	const struct ew_config *cfg = &tr->s->cfg;
	if (tr_mem_str(t->tid, sc->args[a], PATH_READ_MAX, &p->arena, &x->path, &sf) < 0)
		goto oom;
	if (sf & TR_STR_FAULT)
		x->flags |= EW_EXEC_PATH_FAULT;
	if (sf & TR_STR_CUT)
		x->flags |= EW_EXEC_PATH_TRUNCATED;
	if (tr_mem_strv(t->tid, sc->args[a + 1], sc->word, cfg->max_args, cfg->max_arg_bytes,
			&p->arena, &x->argv) < 0)
		goto oom;
	if (tr_mem_strv(t->tid, sc->args[a + 2], sc->word, cfg->max_args, cfg->max_arg_bytes,
			&p->arena, &x->env) < 0)
		goto oom;
	if (ew_procfs_readlink(t->tid, "cwd", &m->tmp) == 0)
		x->cwd = ew_arena_str(&p->arena, m->tmp.ptr, m->tmp.len);
	if (x->flags & (EW_EXEC_PATH_FAULT | EW_EXEC_PATH_TRUNCATED)) {
		/* The kernel will fail this exec (EFAULT/ENAMETOOLONG): describe nothing more. */
	} else if (can_describe_later(t, x)) {
		p->later_m = m;
		p->later_tid = t->tid;
		tr_defer(tr, describe_later, p);
	} else {
		describe_program(m, t->tid, p);
	}
	describe_stdin(m, t->tid, p);
	t->mod[m->index] = p;
	return TR_WANT_EXIT;
oom:
	pexec_free(p);
	return 0;
}

static void publish_deferred(struct tracer *tr, void *arg)
{
	struct pexec *p = arg;
	ew_publish(tr->s, &p->ev);
	pexec_free(p);
}

static void publish(struct tracer *tr, struct xmod *m, struct tr_task *t, int64_t retval)
{
	struct pexec *p = t->mod[m->index];
	if (!p)
		return;
	t->mod[m->index] = NULL;
	struct ew_exec *x = &p->ev.exec;
	x->retval = retval;
	if (retval < 0) {
		int e = (int)-retval;
		x->errno_name = ew_errno_name(e);
		x->errno_text = ew_errno_text(e);
	}
	p->ev.time_mono_ns = ew_now_mono();
	p->ev.time_wall_ns = ew_now_wall();
	/* Everything the event points to is in p's arena: publish once the task runs again. */
	tr_defer(tr, publish_deferred, p);
}

static void x_exit(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct xmod *m = mstate;
	publish(tr, m, t, t->sc.rval);
}

static void x_exec(struct tracer *tr, void *mstate, struct tr_task *t, pid_t old_tid)
{
	struct xmod *m = mstate;
	struct pexec *p = t->mod[m->index];
	t->sc.want_exit &= ~(1u << m->index);
	if (!p)
		return;
	struct ew_event *ev = &p->ev;
	ev->pid = t->tgid;
	ev->tid = t->tid;
	if (old_tid != t->tid) {
		ev->exec.flags |= EW_EXEC_NONLEADER;
		ev->exec.old_tid = old_tid;
	}
	struct ew_proc *proc = ew_proctab_get(&tr->s->procs, t->tgid);
	if (proc && proc->exe)
		ev->exec.new_exe = ew_arena_str(&p->arena, proc->exe, proc->exe_len);
	publish(tr, m, t, 0);
}

static void x_task_gone(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct xmod *m = mstate;
	(void)tr;
	pexec_free(t->mod[m->index]);
	t->mod[m->index] = NULL;
}

static void x_destroy(void *mstate)
{
	struct xmod *m = mstate;
	ew_buf_free(&m->tmp);
	ew_buf_free(&m->tmp2);
	free(m);
}

const struct tr_module tr_exec_module = {
	.name = "exec",
	.want = x_want,
	.enter = x_enter,
	.exit = x_exit,
	.exec = x_exec,
	.task_gone = x_task_gone,
	.destroy = x_destroy,
};

const struct ew_exec *tr_exec_current(struct tracer *tr, struct tr_task *t)
{
	for (unsigned i = 0; i < tr->nmods; i++) {
		if (tr->mods[i] != &tr_exec_module)
			continue;
		struct xmod *m = tr->mstate[i];
		struct pexec *p = t->mod[m->index];
		return p ? &p->ev.exec : NULL;
	}
	return NULL;
}

int tr_exec_module_new(struct tracer *tr, void **mstate)
{
	struct xmod *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nr_execve = ew_sys_lookup("execve");
	m->nr_execveat = ew_sys_lookup("execveat");
	m->index = tr->nmods; /* the slot it is about to be registered in */
	*mstate = m;
	return 0;
}
