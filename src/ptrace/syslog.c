/* SPDX-License-Identifier: MIT */
/*
 * syslog.c - the syscall logging module: one EW_EV_SYSCALL per selected syscall, decoded.
 *
 * At the entry (seccomp stop) the arguments the caller passes are rendered (strings, arrays,
 * fds, flags) before the call can change the memory or the fd table; at the exit the return
 * value and the buffers the kernel filled. Calls that do not return are logged at the entry
 * (exit, exit_group, rt_sigreturn) or, for a successful execve/execveat, at PTRACE_EVENT_EXEC,
 * which costs no stop beyond what exec capture needs.
 *
 * fd names come from /proc/TID/fd/N and are cached per process while the cache can be kept
 * exact: it needs to see every call that can re-point an fd number (close, close_range, dup2,
 * dup3, io_uring_enter, exec) and every clone that could share an fd table between processes,
 * so it is used only when those are selected (e.g. --syscalls all); otherwise every fd is
 * looked up afresh.
 *
 * Events are published after the task has been resumed (tr_defer), from pooled records, so
 * steady-state logging does not allocate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "memory.h"
#include "syscalls.h"
#include "sysset.h"
#include "tracer.h"

#define FDC_MAX 1024 /* fds cached per process */

struct fdc {
	char *name[FDC_MAX]; /* malloc'ed, NULL: not cached */
	uint16_t len[FDC_MAX];
};

struct slmod;

struct pend {
	struct pend *next;
	struct slmod *owner;
	const struct ew_sysdesc *d;
	struct ew_buf text; /* every rendering, NUL-separated */
	uint32_t off[EW_SYSCALL_ARGS + 1], len[EW_SYSCALL_ARGS + 1];
	uint8_t have;  /* bit i: argument i rendered; bit 6: return */
	char name[24]; /* "syscall_NNN" for unknown calls */
	char comm[16];
	size_t comm_len;
	struct ew_str exe; /* execve: the caller's exe, copied into exe_buf */
	struct ew_buf exe_buf;
	struct ew_event ev;
};

struct slmod {
	unsigned index;
	struct ew_sysset set;
	bool fd_cache;
	struct ew_imap fdcs; /* tgid -> struct fdc */
	struct pend *pool;
	char (*comms)[16];
	size_t ncomms;
	struct ew_buf tmp;
	int nr_close, nr_close_range, nr_dup2, nr_dup3, nr_io_uring_enter, nr_clone, nr_clone3;
	int nr_execve, nr_execveat;
};

/* Context for the renderers' callbacks. */
struct rctx {
	struct slmod *m;
	pid_t tid, tgid;
};

static ssize_t rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct rctx *r = ctx;
	return tr_mem_read(r->tid, addr, buf, len);
}

static struct fdc *fdc_get(struct slmod *m, pid_t tgid, bool create)
{
	struct fdc *c = ew_imap_get(&m->fdcs, tgid);
	if (c || !create)
		return c;
	c = calloc(1, sizeof(*c));
	if (c && ew_imap_put(&m->fdcs, tgid, c) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void fdc_drop_fd(struct slmod *m, pid_t tgid, int fd)
{
	struct fdc *c = ew_imap_get(&m->fdcs, tgid);
	if (c && fd >= 0 && fd < FDC_MAX) {
		free(c->name[fd]);
		c->name[fd] = NULL;
	}
}

static void fdc_free(struct fdc *c)
{
	if (!c)
		return;
	for (int i = 0; i < FDC_MAX; i++)
		free(c->name[i]);
	free(c);
}

static void fdc_drop_proc(struct slmod *m, pid_t tgid)
{
	fdc_free(ew_imap_del(&m->fdcs, tgid));
}

static void fdc_drop_all(struct slmod *m)
{
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&m->fdcs, &pos, NULL, &v))
		fdc_free(v);
	ew_imap_free(&m->fdcs);
}

static int fdname(void *ctx, int fd, struct ew_buf *out)
{
	struct rctx *r = ctx;
	struct slmod *m = r->m;
	struct fdc *c = NULL;
	if (m->fd_cache && fd < FDC_MAX) {
		c = fdc_get(m, r->tgid, true);
		if (c && c->name[fd])
			return ew_buf_append(out, c->name[fd], c->len[fd]);
	}
	char path[64], link[4096];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)r->tid, fd);
	ssize_t n = readlink(path, link, sizeof(link));
	if (n < 0)
		return -errno;
	if (c && n < 65535) {
		c->name[fd] = malloc((size_t)n + 1);
		if (c->name[fd]) {
			memcpy(c->name[fd], link, (size_t)n);
			c->name[fd][n] = '\0';
			c->len[fd] = (uint16_t)n;
		}
	}
	return ew_buf_append(out, link, (size_t)n);
}

static struct pend *pend_get(struct slmod *m)
{
	struct pend *p = m->pool;
	if (p) {
		m->pool = p->next;
	} else {
		p = calloc(1, sizeof(*p));
		if (!p)
			return NULL;
	}
	ew_buf_clear(&p->text);
	p->have = 0;
	p->exe = (struct ew_str){NULL, 0};
	return p;
}

static void pend_put(struct slmod *m, struct pend *p)
{
	if (!p)
		return;
	if (p->text.cap > (1u << 20)) /* keep the pool small after a huge rendering */
		ew_buf_free(&p->text);
	if (p->exe_buf.cap > 4096)
		ew_buf_free(&p->exe_buf);
	p->next = m->pool;
	m->pool = p;
}

static void pend_destroy(struct pend *p)
{
	ew_buf_free(&p->text);
	ew_buf_free(&p->exe_buf);
	free(p);
}

/* Renders into p->text and remembers where the slot (0..5 args, 6 return) is. */
static void put_slot(struct pend *p, unsigned slot, size_t start, int r)
{
	if (r < 0) {
		p->text.len = start; /* out of memory: leave the slot unrendered */
		if (p->text.ptr)
			p->text.ptr[start] = '\0';
		return;
	}
	p->off[slot] = (uint32_t)start;
	p->len[slot] = (uint32_t)(p->text.len - start);
	p->have |= (uint8_t)(1u << slot);
	(void)ew_buf_putc(&p->text, '\0');
}

static void render_ctx(struct slmod *m, struct tracer *tr, struct tr_task *t, struct rctx *rc,
                       struct ew_render_ctx *c)
{
	rc->m = m;
	rc->tid = t->tid;
	rc->tgid = t->tgid;
	*c = (struct ew_render_ctx){
	    .read = rd,
	    .read_ctx = rc,
	    .fdname = fdname,
	    .fd_ctx = rc,
	    .word = t->sc.word,
	    .string_limit = tr->s->cfg.string_limit > 0 ? (unsigned)tr->s->cfg.string_limit : 0,
	    .strv_limit = tr->s->cfg.strv_limit > 0 ? (unsigned)tr->s->cfg.strv_limit : 32,
	};
}

static unsigned nargs_of(const struct pend *p)
{
	return p->d ? p->d->nargs : EW_SYSCALL_ARGS;
}

static void publish_deferred(struct tracer *tr, void *arg)
{
	struct pend *p = arg;
	struct ew_syscall *c = &p->ev.syscall;
	if (c->returned && ew_ret_is_error(c->retval))
		c->errno_name = ew_errno_name((int)-c->retval);
	ew_publish(tr->s, &p->ev);
	pend_put(p->owner, p);
}

/* Fills the event from p and publishes it once the task runs again. */
static void finish(struct tracer *tr, struct slmod *m, struct tr_task *t, struct pend *p,
                   bool returned)
{
	struct ew_event *ev = &p->ev;
	memset(ev, 0, sizeof(*ev));
	ev->type = EW_EV_SYSCALL;
	tr_event_header(tr, t, ev);
	ev->comm = (struct ew_str){p->comm, p->comm_len};
	if (p->exe.ptr)
		ev->exe = p->exe;
	struct ew_syscall *c = &ev->syscall;
	const struct tr_sc *sc = &t->sc;
	c->name = p->d ? p->d->name : p->name;
	c->nr = (int32_t)(sc->native & ~(int64_t)EW_X32_BIT);
	c->arch = sc->arch;
	c->time_enter_ns = sc->t_enter;
	c->time_exit_ns = returned ? sc->t_exit : 0;
	c->returned = returned;
	c->nargs = nargs_of(p);
	for (unsigned i = 0; i < EW_SYSCALL_ARGS; i++) {
		c->args[i] = sc->args[i];
		if (p->have & (1u << i))
			c->arg_repr[i] = (struct ew_str){p->text.ptr + p->off[i], p->len[i]};
	}
	if (returned) {
		c->retval = sc->rval;
		if (p->have & (1u << EW_SYSCALL_ARGS))
			c->ret_repr = (struct ew_str){p->text.ptr + p->off[6], p->len[6]};
	}
	p->owner = m;
	tr_defer(tr, publish_deferred, p);
}

static bool comm_ok(struct slmod *m, struct tracer *tr, struct tr_task *t)
{
	if (!m->ncomms)
		return true;
	struct ew_proc *pr = ew_proctab_get(&tr->s->procs, t->tgid);
	if (!pr)
		return false;
	for (size_t i = 0; i < m->ncomms; i++)
		if (!strncmp(pr->comm, m->comms[i], 16))
			return true;
	return false;
}

static void sl_want(struct tracer *tr, void *mstate, struct tr_sysset *set)
{
	struct slmod *m = mstate;
	(void)tr;
	for (unsigned i = 0; i < EW_SYS_MAX / 64; i++) {
		set->bits[i] |= m->set.canon[i];
		set->i386[i] |= m->set.i386[i];
	}
}

/* fd-table bookkeeping for the cache, at the entry (after rendering). */
static void fd_effects_enter(struct slmod *m, struct tr_task *t)
{
	const struct tr_sc *sc = &t->sc;
	int nr = sc->nr;
	if (nr < 0)
		return;
	if (nr == m->nr_close) {
		fdc_drop_fd(m, t->tgid, (int32_t)sc->args[0]);
	} else if (nr == m->nr_dup2 || nr == m->nr_dup3) {
		fdc_drop_fd(m, t->tgid, (int32_t)sc->args[1]);
	} else if (nr == m->nr_close_range || nr == m->nr_io_uring_enter) {
		fdc_drop_proc(m, t->tgid);
	} else if (nr == m->nr_clone) {
		uint64_t f = sc->args[0];
		if ((f & CLONE_FILES) && !(f & CLONE_THREAD)) {
			m->fd_cache = false; /* two processes share an fd table: stop caching */
			fdc_drop_all(m);
		}
	} else if (nr == m->nr_clone3) {
		uint64_t f = 0;
		if (tr_mem_read(t->tid, sc->args[0], &f, sizeof(f)) != sizeof(f) ||
		    ((f & CLONE_FILES) && !(f & CLONE_THREAD))) {
			m->fd_cache = false;
			fdc_drop_all(m);
		}
	}
}

/*
 * execve/execveat: the exec module has just read the path, argv and envp (complete, once).
 * Arguments it read cleanly are rendered from its copy; anything it could not read whole
 * (fault, NULL, its own limit) is rendered from the tracee's memory as usual, which says why.
 * An exec storm's envp is dozens of strings: this saves as many reads per exec.
 */
static bool render_exec_copy(struct ew_buf *out, const struct ew_exec *x, unsigned i,
                             unsigned first, const struct ew_render_ctx *c, int *r)
{
	if (i == first) {
		if (!x->path.ptr || (x->flags & (EW_EXEC_PATH_FAULT | EW_EXEC_PATH_TRUNCATED)))
			return false;
		*r = ew_render_str_copy(out, x->path.ptr, x->path.len, c);
		return true;
	}
	if (i != first + 1 && i != first + 2)
		return false;
	const struct ew_strv *v = i == first + 1 ? &x->argv : &x->env;
	if (v->flags & (EW_STRV_NULL | EW_STRV_FAULT | EW_STRV_TRUNCATED))
		return false;
	*r = ew_render_strv_copy(out, v->v, v->count, c);
	return true;
}

static unsigned sl_enter(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct slmod *m = mstate;
	struct tr_sc *sc = &t->sc;
	bool mine = sc->nr >= 0 ? ew_sysset_has_canon(&m->set, sc->nr)
	                        : ew_sysset_has(&m->set, sc->arch, sc->native);
	if (!mine)
		return 0;
	if (tr->s->syscalls_off || !comm_ok(m, tr, t)) {
		if (m->fd_cache)
			fd_effects_enter(m, t);
		return 0;
	}
	struct pend *p = pend_get(m);
	if (!p)
		return 0;
	pend_put(m, t->mod[m->index]); /* an unfinished one (cannot happen; be safe) */
	t->mod[m->index] = NULL;
	p->d = ew_sysdesc_get(sc->arch, sc->native);
	if (!p->d)
		snprintf(p->name, sizeof(p->name), "syscall_%lld",
		         (long long)(sc->native & ~(int64_t)EW_X32_BIT));
	struct ew_proc *pr = ew_proctab_get(&tr->s->procs, t->tgid);
	p->comm_len = pr ? strnlen(pr->comm, 16) : 0;
	if (pr)
		memcpy(p->comm, pr->comm, p->comm_len);
	bool is_exec = sc->nr >= 0 && (sc->nr == m->nr_execve || sc->nr == m->nr_execveat);
	if (is_exec && pr && pr->exe) {
		/* The process table changes with the exec: keep the caller's exe. */
		ew_buf_clear(&p->exe_buf);
		if (ew_buf_append(&p->exe_buf, pr->exe, pr->exe_len) == 0)
			p->exe = (struct ew_str){p->exe_buf.ptr, p->exe_buf.len};
	}
	struct rctx rc;
	struct ew_render_ctx c;
	render_ctx(m, tr, t, &rc, &c);
	unsigned n = nargs_of(p);
	const struct ew_exec *cx = is_exec ? tr_exec_current(tr, t) : NULL;
	unsigned first = sc->nr == m->nr_execveat ? 1 : 0; /* execveat(dirfd, path, ...) */
	for (unsigned i = 0; i < n; i++) {
		if (p->d && ew_arg_at_exit(p->d, i))
			continue;
		size_t start = p->text.len;
		int r;
		if (cx && render_exec_copy(&p->text, cx, i, first, &c, &r)) {
			/* rendered from the exec event's copy: no second read of the tracee */
		} else {
			r = p->d ? ew_render_arg(&p->text, p->d, i, sc->args, 0, &c)
			         : ew_render_scalar(&p->text, EW_ARG_HEX, sc->args[i], sc->word, NULL);
		}
		put_slot(p, i, start, r);
	}
	/* After rendering: close(3</x>) names the file it closes. */
	if (m->fd_cache)
		fd_effects_enter(m, t);
	if (p->d && (p->d->flags & EW_SD_NORETURN) && !is_exec) {
		/* exit, exit_group, rt_sigreturn: no exit stop to wait for. */
		finish(tr, m, t, p, false);
		return 0;
	}
	t->mod[m->index] = p;
	return TR_WANT_EXIT;
}

static void sl_exit(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct slmod *m = mstate;
	struct pend *p = t->mod[m->index];
	if (!p)
		return;
	t->mod[m->index] = NULL;
	struct tr_sc *sc = &t->sc;
	int64_t ret = sc->rval;
	if (m->fd_cache && sc->nr >= 0 && (sc->nr == m->nr_dup2 || sc->nr == m->nr_dup3) &&
	    !ew_ret_is_error(ret))
		fdc_drop_fd(m, t->tgid, (int32_t)sc->args[1]);
	struct rctx rc;
	struct ew_render_ctx c;
	render_ctx(m, tr, t, &rc, &c);
	if (p->d) {
		for (unsigned i = 0; i < p->d->nargs; i++) {
			if (!ew_arg_at_exit(p->d, i))
				continue;
			size_t start = p->text.len;
			put_slot(p, i, start, ew_render_arg(&p->text, p->d, i, sc->args, ret, &c));
		}
	}
	size_t start = p->text.len;
	put_slot(p, EW_SYSCALL_ARGS, start, ew_render_ret(&p->text, p->d, ret, &c));
	finish(tr, m, t, p, true);
}

static void sl_exec(struct tracer *tr, void *mstate, struct tr_task *t, pid_t old_tid)
{
	struct slmod *m = mstate;
	(void)old_tid;
	fdc_drop_proc(m, t->tgid); /* O_CLOEXEC fds are gone */
	struct pend *p = t->mod[m->index];
	t->sc.want_exit &= ~(1u << m->index);
	if (!p)
		return;
	t->mod[m->index] = NULL;
	finish(tr, m, t, p, false);
}

static void sl_task_gone(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct slmod *m = mstate;
	(void)tr;
	pend_put(m, t->mod[m->index]);
	t->mod[m->index] = NULL;
	if (t->tid == t->tgid)
		fdc_drop_proc(m, t->tgid);
}

static void sl_destroy(void *mstate)
{
	struct slmod *m = mstate;
	while (m->pool) {
		struct pend *p = m->pool;
		m->pool = p->next;
		pend_destroy(p);
	}
	fdc_drop_all(m);
	ew_buf_free(&m->tmp);
	free(m);
}

const struct tr_module tr_syslog_module = {
    .name = "syslog",
    .want = sl_want,
    .enter = sl_enter,
    .exit = sl_exit,
    .exec = sl_exec,
    .task_gone = sl_task_gone,
    .destroy = sl_destroy,
};

int tr_syslog_module_new(struct tracer *tr, void **mstate)
{
	struct slmod *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->index = tr->nmods;
	m->set = tr->s->cfg.syscalls;
	m->comms = tr->s->cfg.comms;
	m->ncomms = tr->s->cfg.ncomms;
	m->nr_close = ew_sys_lookup("close");
	m->nr_close_range = ew_sys_lookup("close_range");
	m->nr_dup2 = ew_sys_lookup("dup2");
	m->nr_dup3 = ew_sys_lookup("dup3");
	m->nr_io_uring_enter = ew_sys_lookup("io_uring_enter");
	m->nr_clone = ew_sys_lookup("clone");
	m->nr_clone3 = ew_sys_lookup("clone3");
	m->nr_execve = ew_sys_lookup("execve");
	m->nr_execveat = ew_sys_lookup("execveat");
	/* The cache is exact only when every call that re-points an fd number is seen. */
	int need[] = {m->nr_close,          m->nr_close_range, m->nr_dup2,  m->nr_dup3,
	              m->nr_io_uring_enter, m->nr_clone,       m->nr_clone3};
	m->fd_cache = true;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!ew_sysset_has_canon(&m->set, need[i]))
			m->fd_cache = false;
	*mstate = m;
	return 0;
}
