/* SPDX-License-Identifier: MIT */
/*
 * bpf.c - the user half of the eBPF backend: load the programs (exec.bpf.c, through the
 * bpftool skeleton), read the ring buffer, reassemble each exec from its records (events.h)
 * and publish the same events as the ptrace backend.
 *
 * What the kernel side gives and what is completed here:
 *  - kernel: pid/tid/ppid/comm, path/argv/env bytes (in full, up to the kernel's limits, cut
 *    only past 16 MiB per vector and flagged), cwd/exe/stdin/dirfd paths walked from dentries,
 *    stdin mode/inode, the executed file's dev/ino/mode/ctime (bprm->file), return value,
 *    kernel_invoked (the parent is a kernel thread).
 *  - here: procname (path joined with cwd or dirfd, like the ptrace backend), script/ELF kind
 *    and interpreter (probed from the file, as ptrace does), stat facts of files the kernel
 *    did not open (failed execs), wall-clock times.
 * Lost records (full ring buffer) are counted per CPU in the kernel and published as
 * EW_EV_LOST events (pid/tid 0) as soon as they are noticed; an exec that lost records has its
 * argv/env flagged truncated.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "binfmt.h"
#include "buf.h"
#include "events.h"
#include "ewbpf.h"
#include "exec.skel.h"
#include "imap.h"
#include "pathjoin.h"
#include "procfs.h"
#include "ptrace/memory.h"
#include "session.h"
#include "sysent.h"
#include "args.h"
#include "syscalls.h"
#include "sysset.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* One exec being reassembled. */
struct bexec {
	struct ewb_exec_enter enter; /* copied: its paths are needed at publication */
	struct ew_buf vec[3];        /* strings, each followed by a NUL */
	uint32_t vflags[3];
	uint32_t gen[3];             /* a record of a newer generation replaces the vector */
	bool have_ok;
	struct ewb_file okfile;
	bool okscript;
	char okinterp[256];
	struct ew_buf okpath;
	bool okpath_known;
	uint32_t old_tid;
};

struct bstate {
	struct ew_session *s;
	struct ew_exec_bpf *skel;
	struct ring_buffer *rb;
	struct ew_bpf_opts opts;
	bool monitor, attach_mode, loaded;
	struct ew_imap pend; /* tid -> struct bexec */
	struct ew_imap fdn;  /* pid -> struct fdnames */
	uint64_t lost_seen;
	int64_t wall_off;    /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	pid_t root_pid;
	bool root_reaped;
	int root_status;
	int spawn_errfd, spawn_errno;
	int epfd, pidfd; /* wake on ring buffer data or on the command's end */
	volatile sig_atomic_t stop_req, stop_how, stop_sig;
	uint64_t startup_us, t_open_us, t_load_us, t_attach_us;
	char err[1024];
	struct ew_buf tmp, tmp2, tmp3;
	pid_t cur_pid; /* the process of the exec being published */
	struct ew_arena arena; /* per published event */
	int ncpus;
	uint64_t *lostvals;
	bool log_syscalls;
	bool exec_calls_only;   /* the set is execve/execveat only: lines made from exec events */
	struct ewb_sys *fakesys; /* such a line's record, built in user space */
	bool root_execd; /* the spawned command exec'd: its syscalls before are execwatch's */
	struct recent_exec {   /* the last execs' argv/env/exe, for their syscall lines */
		int32_t tid;
		struct ew_buf argv, env, exe, path;
		uint32_t vflags[3]; /* EWB_V_* of path, argv, env */
		bool have_exe;
	} recent[8];
	unsigned recent_next;
	struct ew_buf text;    /* rendered syscall arguments */
	struct probe_cache {   /* "#!"/PT_INTERP of recently executed files, by identity */
		struct ew_file_info id;
		struct ew_binfmt bf;
		bool used;
	} *probes;             /* PROBE_CACHE entries */
};

static char g_libbpf_msg[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[sizeof(g_libbpf_msg)];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n)
		snprintf(g_libbpf_msg, sizeof(g_libbpf_msg), "%.*s", (int)sizeof(g_libbpf_msg) - 1, line);
	return 0;
}

static void bexec_free(struct bexec *x)
{
	if (!x)
		return;
	for (int i = 0; i < 3; i++)
		ew_buf_free(&x->vec[i]);
	ew_buf_free(&x->okpath);
	free(x);
}

static uint64_t dev_to_user(uint64_t kdev)
{
	return makedev((unsigned)(kdev >> 20), (unsigned)(kdev & 0xfffff));
}

static uint64_t dev_to_kernel(uint64_t udev)
{
	return ((uint64_t)major(udev) << 20) | minor(udev);
}

static void file_from_kernel(const struct ewb_file *k, struct ew_file_info *o)
{
	memset(o, 0, sizeof(*o));
	if (!k->valid)
		return;
	o->valid = true;
	o->dev = dev_to_user(k->dev);
	o->ino = k->ino;
	o->mode = k->mode;
	o->uid = k->uid;
	o->gid = k->gid;
	o->size = k->size;
	o->ctime_ns = k->ctime_ns;
	o->mtime_ns = k->mtime_ns;
}

/* The text of a walked path, or NULL when unknown. A pseudo-filesystem object is named the
 * way /proc shows it: "pipe:[INO]", "socket:[INO]", "anon_inode:[NAME]", or for a file without
 * a path (memfd, O_TMPFILE) "/NAME (deleted)"; out holds the text then. */
static struct ew_str path_fmt(const struct ewb_path *p, uint32_t mode, uint64_t ino,
			      struct ew_buf *out)
{
	struct ew_str r = {NULL, 0};
	if (p->off > EWB_PATH_MAX || (p->flags & EWB_P_CUT))
		return r;
	r.ptr = p->text + p->off;
	r.len = EWB_PATH_MAX - p->off;
	if (!(p->flags & EWB_P_PSEUDO))
		return r;
	ew_buf_clear(out);
	int e;
	if (S_ISFIFO(mode))
		e = ew_buf_printf(out, "pipe:[%llu]", (unsigned long long)ino);
	else if (S_ISSOCK(mode))
		e = ew_buf_printf(out, "socket:[%llu]", (unsigned long long)ino);
	else if (r.len && r.ptr[0] == '[')
		e = ew_buf_puts(out, "anon_inode:") ?: ew_buf_append(out, r.ptr, r.len);
	else
		e = ew_buf_putc(out, '/') ?: ew_buf_append(out, r.ptr, r.len) ?:
		    ew_buf_puts(out, " (deleted)");
	if (e < 0)
		return (struct ew_str){NULL, 0};
	return (struct ew_str){out->ptr, out->len};
}

static void set_times(struct bstate *b, struct ew_event *ev, uint64_t ts)
{
	ev->time_mono_ns = ts;
	ev->time_wall_ns = (uint64_t)((int64_t)ts + b->wall_off);
}

/* ------------------------------------------------------------------------------------------ */
/* Lost records                                                                               */

static void check_lost(struct bstate *b)
{
	if (!b->loaded)
		return;
	uint32_t k = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.lost), &k, b->lostvals) < 0)
		return;
	uint64_t sum = 0;
	for (int i = 0; i < b->ncpus; i++)
		sum += b->lostvals[i];
	if (sum <= b->lost_seen)
		return;
	uint64_t delta = sum - b->lost_seen;
	b->lost_seen = sum;
	b->s->info.lost += delta;
	struct ew_event ev = {.type = EW_EV_LOST, .backend = "bpf"};
	ev.lost.count = delta;
	ev.lost.where = "ringbuf";
	ew_publish(b->s, &ev);
}

/* ------------------------------------------------------------------------------------------ */
/* Filters (monitor)                                                                          */

static bool comm_match(const struct bstate *b, const char *comm, size_t n)
{
	const char *want = b->opts.comm;
	if (!want)
		return true;
	size_t wl = strlen(want);
	if (wl > 15)
		wl = 15;
	return n == wl && !memcmp(comm, want, n);
}

static size_t comm_len(const char c[16])
{
	size_t n = 0;
	while (n < 15 && c[n])
		n++;
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Exec assembly                                                                              */

static void on_enter(struct bstate *b, const struct ewb_exec_enter *e)
{
	struct bexec *x = ew_imap_get(&b->pend, (int32_t)e->h.tid);
	if (x) { /* a previous exec of this task never reported its return: drop it */
		ew_imap_del(&b->pend, (int32_t)e->h.tid);
		bexec_free(x);
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return;
	x->enter = *e;
	if (ew_imap_put(&b->pend, (int32_t)e->h.tid, x) < 0)
		bexec_free(x);
}

/* bprm->filename names a dirfd-relative program "/dev/fd/N/REL" ("/dev/fd/N" for
 * AT_EMPTY_PATH): give back what the caller passed. */
static void unkernel_filename(struct bexec *x)
{
	const struct ewb_exec_enter *e = &x->enter;
	struct ew_buf *v = &x->vec[EWB_VEC_PATH];
	if (!(e->xflags & EWB_X_AT) || e->dirfd == -100 || !v->len)
		return;
	char pre[32];
	int n = snprintf(pre, sizeof(pre), "/dev/fd/%d", e->dirfd);
	size_t len = strnlen(v->ptr, v->len);
	if (n <= 0 || len < (size_t)n || memcmp(v->ptr, pre, (size_t)n))
		return;
	size_t skip = (size_t)n;
	if (len > skip && v->ptr[skip] == '/')
		skip++;
	else if (len != skip)
		return;
	memmove(v->ptr, v->ptr + skip, v->len - skip);
	v->len -= skip;
}

static void on_strs(struct bstate *b, const struct ewb_strs *r, size_t size)
{
	struct bexec *x = ew_imap_get(&b->pend, (int32_t)r->h.tid);
	if (!x || r->vec > 2)
		return;
	size_t len = r->len;
	if (offsetof(struct ewb_strs, data) + len > size)
		len = size - offsetof(struct ewb_strs, data);
	struct ew_buf *v = &x->vec[r->vec];
	if (r->gen != x->gen[r->vec]) {
		ew_buf_clear(v);
		x->gen[r->vec] = r->gen;
		x->vflags[r->vec] = 0;
	}
	if (r->vflags & EWB_V_RAW) {
		for (size_t off = 0; off + 4 <= len;) {
			uint32_t h;
			memcpy(&h, r->data + off, 4);
			uint32_t n = h & ~EWB_ITEM_CONT;
			off += 4;
			if (n > len - off)
				break;
			ew_buf_append(v, r->data + off, n);
			off += n;
		}
	} else {
		for (size_t off = 0; off + 4 <= len;) {
			uint32_t h;
			memcpy(&h, r->data + off, 4);
			uint32_t n = h & ~EWB_ITEM_CONT;
			off += 4;
			if (n > len - off)
				break;
			ew_buf_append(v, r->data + off, n);
			if (!(h & EWB_ITEM_CONT))
				ew_buf_putc(v, '\0');
			off += n;
		}
	}
	if (r->end) {
		x->vflags[r->vec] = r->vflags;
		if (r->vec == EWB_VEC_PATH && (r->vflags & EWB_V_KFILENAME))
			unkernel_filename(x);
		/* Raw bytes (kernel_execve) end with a NUL per string already; a cut tail gets one. */
		if ((r->vflags & EWB_V_RAW) && v->len && v->ptr[v->len - 1] != '\0')
			ew_buf_putc(v, '\0');
	}
}

static void on_ok(struct bstate *b, const struct ewb_exec_ok *o)
{
	struct bexec *x = NULL;
	if (o->old_tid != o->h.tid) {
		x = ew_imap_del(&b->pend, (int32_t)o->old_tid);
		if (x) {
			bexec_free(ew_imap_del(&b->pend, (int32_t)o->h.tid));
			if (ew_imap_put(&b->pend, (int32_t)o->h.tid, x) < 0) {
				bexec_free(x);
				return;
			}
		}
	} else {
		x = ew_imap_get(&b->pend, (int32_t)o->h.tid);
	}
	if (!x)
		return;
	x->have_ok = true;
	x->okfile = o->file;
	x->okscript = o->script != 0;
	memcpy(x->okinterp, o->interp, sizeof(x->okinterp));
	x->okinterp[sizeof(x->okinterp) - 1] = '\0';
	x->old_tid = o->old_tid;
	struct ew_str p = path_fmt(&o->path, o->file.mode, o->file.ino, &b->tmp);
	if (p.ptr) {
		ew_buf_clear(&x->okpath);
		ew_buf_append(&x->okpath, p.ptr, p.len);
		x->okpath_known = true;
	}
}

/* Turns "a\0b\0" into an ew_strv in the arena. */
static void build_strv(struct ew_arena *a, const struct ew_buf *v, uint32_t vflags, bool lost,
		       struct ew_strv *out)
{
	memset(out, 0, sizeof(*out));
	if (vflags & EWB_V_NULL)
		out->flags |= EW_STRV_NULL;
	if (vflags & EWB_V_FAULT)
		out->flags |= EW_STRV_FAULT;
	if ((vflags & EWB_V_TRUNCATED) || lost)
		out->flags |= EW_STRV_TRUNCATED;
	size_t count = 0;
	for (size_t i = 0; i < v->len; i++)
		count += v->ptr[i] == '\0';
	if (!count)
		return;
	struct ew_str *arr = ew_arena_alloc(a, count * sizeof(*arr));
	char *copy = ew_arena_alloc(a, v->len);
	if (!arr || !copy) {
		out->flags |= EW_STRV_TRUNCATED;
		return;
	}
	memcpy(copy, v->ptr, v->len);
	size_t k = 0, start = 0;
	for (size_t i = 0; i < v->len && k < count; i++) {
		if (copy[i] == '\0') {
			arr[k].ptr = copy + start;
			arr[k].len = i - start;
			out->bytes += arr[k].len;
			k++;
			start = i + 1;
		}
	}
	out->v = arr;
	out->count = k;
}

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);
	return len >= n && !memcmp(s + len - n, suf, n);
}

static void stat_into(const char *path, bool nofollow, struct ew_file_info *fi)
{
	struct stat st;
	if ((nofollow ? lstat(path, &st) : stat(path, &st)) == 0)
		ew_file_info_from_stat(&st, fi);
}

#define PROBE_CACHE 64

static bool same_identity(const struct ew_file_info *a, const struct ew_file_info *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->mode == b->mode;
}

/* ew_binfmt_probe_at of a file whose identity (dev, inode, size, times) is known: an exec
 * storm runs the same few programs, and a file's first bytes change only with its mtime. */
static int probe_cached(struct bstate *b, const char *path, bool nofollow,
			const struct ew_file_info *id, struct ew_binfmt *out)
{
	if (!b->probes)
		b->probes = calloc(PROBE_CACHE, sizeof(*b->probes));
	unsigned h = (unsigned)((id->ino * 0x9e3779b97f4a7c15ull ^ id->dev) >> 32) % PROBE_CACHE;
	struct probe_cache *c = b->probes ? &b->probes[h] : NULL;
	if (c && c->used && same_identity(&c->id, id)) {
		*out = c->bf;
		return 0;
	}
	int r = ew_binfmt_probe_at(AT_FDCWD, path, nofollow, out);
	if (r == 0 && c) {
		c->id = *id;
		c->bf = *out;
		c->used = true;
	}
	return r;
}

/* procname, the program's stat facts, kind and interpreter: as the ptrace backend does. */
static void describe_program(struct bstate *b, struct bexec *bx, struct ew_exec *x)
{
	struct ew_arena *a = &b->arena;
	bool at = x->flags & EW_EXEC_AT;
	bool empty_path = at && (x->at_flags & AT_EMPTY_PATH) && x->path.ptr && !x->path.len;
	bool use_dirfd = at && x->dirfd != -100;
	bool nofollow = at && (x->at_flags & AT_SYMLINK_NOFOLLOW);
	struct ew_str dir = path_fmt(&bx->enter.dir, S_IFREG, 0, &b->tmp3);
	struct ew_buf *name = &b->tmp;
	if (!x->path.ptr)
		return;
	if (empty_path) {
		if (dir.ptr) {
			x->procname = ew_arena_str(a, dir.ptr, dir.len);
			if (!strncmp(dir.ptr, "/memfd:", 7) || has_suffix(dir.ptr, dir.len, " (deleted)"))
				x->flags |= EW_EXEC_FILELESS;
		}
		if (x->procname.ptr && !(x->flags & EW_EXEC_FILELESS))
			stat_into(x->procname.ptr, false, &x->binary);
		if (!x->binary.valid)
			file_from_kernel(&bx->enter.dirfile, &x->binary); /* the fd's file, exactly */
		nofollow = false;
	} else {
		if (!x->path.len)
			return;
		int r = -1;
		if (x->path.ptr[0] == '/')
			r = ew_path_join_clean(name, NULL, 0, x->path.ptr, x->path.len);
		else if (use_dirfd && dir.ptr)
			r = ew_path_join_clean(name, dir.ptr, dir.len, x->path.ptr, x->path.len);
		else if (!use_dirfd && x->cwd.ptr)
			r = ew_path_join_clean(name, x->cwd.ptr, x->cwd.len, x->path.ptr, x->path.len);
		if (r == 0)
			x->procname = ew_arena_str(a, name->ptr, name->len);
		/* A successful exec of a program (no script): the kernel's facts of the file it
		 * ran are stat's (dev, inode, mode, owner, size, times), without a stat. */
		if (bx->have_ok && !bx->okscript && bx->okfile.valid)
			file_from_kernel(&bx->okfile, &x->binary);
		else if (x->procname.ptr)
			stat_into(x->procname.ptr, nofollow, &x->binary);
	}
	struct ew_binfmt bf;
	bool probed = false;
	if (x->procname.ptr && x->binary.valid && S_ISREG(x->binary.mode) &&
	    probe_cached(b, x->procname.ptr, nofollow, &x->binary, &bf) == 0)
		probed = true;
	if (!probed && bx->have_ok && bx->okpath_known && !bx->okscript &&
	    ew_binfmt_probe_at(AT_FDCWD, ew_buf_cstr(&bx->okpath), false, &bf) == 0)
		probed = true;
	if (!probed && bx->have_ok && x->procname.ptr && (x->flags & EW_EXEC_FILELESS) &&
	    !bx->okscript) {
		/* A fileless program is reachable only through the process, while it lives. */
		char pe[48];
		snprintf(pe, sizeof(pe), "/proc/%d/exe", (int)b->cur_pid);
		if (ew_binfmt_probe_at(AT_FDCWD, pe, false, &bf) == 0)
			probed = true;
	}
	if (!probed && bx->have_ok && bx->okscript) {
		/* A script we cannot open (fileless): the kernel says which interpreter ran. */
		x->flags |= EW_EXEC_SCRIPT;
		x->interp = ew_arena_str(a, bx->okinterp, strlen(bx->okinterp));
		probed = false;
	} else if (probed) {
		if (bf.kind == EW_BINFMT_SCRIPT)
			x->flags |= EW_EXEC_SCRIPT;
		else if (bf.kind == EW_BINFMT_ELF)
			x->flags |= EW_EXEC_ELF;
		if (bf.interp_len) {
			x->interp = ew_arena_str(a, bf.interp, bf.interp_len);
			if (bf.arg_len)
				x->interp_arg = ew_arena_str(a, bf.arg, bf.arg_len);
			if (bf.interp[0] == '/') {
				stat_into(x->interp.ptr, false, &x->interp_info);
			} else if (x->cwd.ptr &&
				   ew_path_join_clean(name, x->cwd.ptr, x->cwd.len, bf.interp,
						      bf.interp_len) == 0) {
				stat_into(name->ptr, false, &x->interp_info);
			}
		}
	}
	/* What the kernel executed is authoritative: the program itself, or for a script the
	 * interpreter that finally ran. */
	if (bx->have_ok) {
		/* stat's view when it is the same file (identical to the ptrace backend's), the
		 * kernel's when stat could not see it (fileless, deleted) or the file was replaced. */
		struct ew_file_info *fi = (x->flags & EW_EXEC_SCRIPT) ? &x->interp_info : &x->binary;
		if (!fi->valid || fi->ino != bx->okfile.ino || fi->dev != dev_to_user(bx->okfile.dev))
			file_from_kernel(&bx->okfile, fi);
		if (!probed && bx->okfile.valid && !bx->okscript)
			x->flags |= EW_EXEC_ELF; /* the kernel ran it and it is no script */
	}
}

static void describe_stdin(struct bstate *b, struct bexec *bx, struct ew_exec *x)
{
	const struct ewb_exec_enter *e = &bx->enter;
	x->stdin_mode = e->stdin_mode;
	if (!e->stdin_mode)
		return;
	struct ew_str p = path_fmt(&e->in, e->stdin_mode, e->stdin_ino, &b->tmp);
	if (p.ptr)
		x->stdin_path = ew_arena_str(&b->arena, p.ptr, p.len);
}

/* A failed exec's vectors that the kernel could not read (pages never faulted in): read them
 * from user space, which can fault pages in, while the caller lives. */
static void reread_user(struct bstate *b, const struct ewb_exec_ret *r, struct ew_exec *x)
{
	pid_t tid = (pid_t)r->h.tid;
	const struct ew_config *cfg = &b->s->cfg;
	if ((r->fault & 1) && r->ptr[0]) {
		struct ew_str p;
		uint32_t f = 0;
		if (tr_mem_str(tid, r->ptr[0], EWB_PATH_ITEM_MAX, &b->arena, &p, &f) == 0 &&
		    !(f & TR_STR_FAULT) && p.ptr) {
			x->path = p;
			x->flags &= ~(uint32_t)EW_EXEC_PATH_FAULT;
			if (f & TR_STR_CUT)
				x->flags |= EW_EXEC_PATH_TRUNCATED;
		}
	}
	struct ew_strv *vs[3] = {NULL, &x->argv, &x->env};
	for (int i = 1; i < 3; i++) {
		if (!(r->fault & (1u << i)) || !r->ptr[i])
			continue;
		struct ew_strv v;
		if (tr_mem_strv(tid, r->ptr[i], r->word == 4 ? 4 : 8, cfg->max_args,
				cfg->max_arg_bytes, &b->arena, &v) == 0 && !(v.flags & EW_STRV_FAULT))
			*vs[i] = v;
	}
}

static const char *exec_name(const struct ewb_exec_enter *e)
{
	if (e->xflags & EWB_X_AT)
		return "execveat";
	return "execve";
}

static void exec_call_line(struct bstate *b, const struct bexec *bx, const struct ewb_exec_ret *r);

static void on_ret(struct bstate *b, const struct ewb_exec_ret *r)
{
	struct bexec *bx = ew_imap_del(&b->pend, (int32_t)r->h.tid);
	if (!bx)
		return;
	const struct ewb_exec_enter *e = &bx->enter;
	ew_arena_reset(&b->arena);
	struct ew_arena *a = &b->arena;
	struct ew_event ev = {.type = EW_EV_EXEC, .backend = "bpf"};
	struct ew_exec *x = &ev.exec;
	ev.pid = (int32_t)r->h.pid;
	ev.tid = (int32_t)r->h.tid;
	ev.ppid = (int32_t)e->h.ppid;
	ev.comm = ew_arena_str(a, e->h.comm, comm_len(e->h.comm));
	struct ew_str exe = path_fmt(&e->exe, S_IFREG, 0, &b->tmp3);
	if (exe.ptr && !(e->xflags & EWB_X_KEXEC)) {
		ev.exe = ew_arena_str(a, exe.ptr, exe.len);
	} else if (!(e->xflags & EWB_X_KEXEC)) {
		struct ew_proc *pr = ew_proctab_get(&b->s->procs, ev.pid);
		if (pr && pr->exe)
			ev.exe = ew_arena_str(a, pr->exe, pr->exe_len);
	}
	x->syscall = exec_name(e);
	x->nr = e->nr;
	x->arch = (e->xflags & EWB_X_COMPAT) ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
	x->dirfd = -100;
	if (e->xflags & EWB_X_AT) {
		x->flags |= EW_EXEC_AT;
		x->dirfd = e->dirfd;
		x->at_flags = e->at_flags;
	}
	if (e->xflags & EWB_X_KERNEL)
		x->flags |= EW_EXEC_KERNEL;
	bool lost = r->lost != 0;
	/* the path */
	const struct ew_buf *pv = &bx->vec[EWB_VEC_PATH];
	uint32_t pf = bx->vflags[EWB_VEC_PATH];
	if (pf & EWB_V_FAULT) {
		x->flags |= EW_EXEC_PATH_FAULT;
		if (pv->len)
			x->path = ew_arena_str(a, pv->ptr, strnlen(pv->ptr, pv->len));
	} else if (pv->len) {
		x->path = ew_arena_str(a, pv->ptr, strnlen(pv->ptr, pv->len));
	}
	if ((pf & EWB_V_TRUNCATED) || (lost && !pv->len)) {
		x->flags |= EW_EXEC_PATH_TRUNCATED;
		if (x->path.len > EWB_PATH_ITEM_MAX) /* the kernel stops at a chunk's end */
			x->path = ew_arena_str(a, x->path.ptr, EWB_PATH_ITEM_MAX);
	}
	if (x->flags & EW_EXEC_PATH_FAULT)
		x->path = (struct ew_str){NULL, 0};
	build_strv(a, &bx->vec[EWB_VEC_ARGV], bx->vflags[EWB_VEC_ARGV], lost, &x->argv);
	build_strv(a, &bx->vec[EWB_VEC_ENV], bx->vflags[EWB_VEC_ENV], lost, &x->env);
	if (r->ret < 0 && r->fault)
		reread_user(b, r, x);
	struct ew_str cwd = path_fmt(&e->cwd, S_IFDIR, 0, &b->tmp3);
	if (cwd.ptr)
		x->cwd = ew_arena_str(a, cwd.ptr, cwd.len);
	x->retval = r->ret;
	if (r->ret < 0) {
		x->errno_name = ew_errno_name((int)-r->ret);
		x->errno_text = ew_errno_text((int)-r->ret);
	}
	if (bx->have_ok && bx->old_tid != (uint32_t)ev.tid) {
		x->flags |= EW_EXEC_NONLEADER;
		x->old_tid = (int32_t)bx->old_tid;
	}
	b->cur_pid = (pid_t)r->h.pid;
	if (!(x->flags & (EW_EXEC_PATH_FAULT | EW_EXEC_PATH_TRUNCATED)))
		describe_program(b, bx, x);
	describe_stdin(b, bx, x);
	if (bx->have_ok && bx->okpath_known && r->ret == 0) {
		ew_buf_clear(&b->tmp2);
		ew_buf_append(&b->tmp2, bx->okpath.ptr, bx->okpath.len);
		x->new_exe = ew_arena_str(a, b->tmp2.ptr, b->tmp2.len);
	}
	set_times(b, &ev, r->h.ts);

	/* The process table: the new exe and comm for later fork/exit events. */
	if (r->ret == 0) {
		struct ew_proc *p = ew_proctab_add(&b->s->procs, ev.pid, ev.ppid);
		if (p) {
			if (x->new_exe.ptr)
				(void)ew_proc_set_exe(p, x->new_exe.ptr, x->new_exe.len);
			p->exec_seen = true;
		}
	}
	bool show = true;
	if (b->opts.failed_only && r->ret == 0)
		show = false;
	if (show && b->opts.comm) {
		show = comm_match(b, ev.comm.ptr, ev.comm.len);
		if (!show && x->procname.ptr) {
			const char *base = memrchr(x->procname.ptr, '/', x->procname.len);
			base = base ? base + 1 : x->procname.ptr;
			size_t n = x->procname.len - (size_t)(base - x->procname.ptr);
			show = comm_match(b, base, n > 15 ? 15 : n);
		}
	}
	if (show)
		ew_publish(b->s, &ev);
	if (r->ret == 0 && ev.pid == b->root_pid)
		b->root_execd = true;
	if (b->log_syscalls) {
		struct recent_exec *re = &b->recent[b->recent_next++ % 8];
		re->tid = ev.tid;
		ew_buf_clear(&re->argv);
		ew_buf_clear(&re->env);
		ew_buf_clear(&re->exe);
		ew_buf_clear(&re->path);
		(void)ew_buf_append(&re->path, bx->vec[EWB_VEC_PATH].ptr, bx->vec[EWB_VEC_PATH].len);
		(void)ew_buf_append(&re->argv, bx->vec[EWB_VEC_ARGV].ptr, bx->vec[EWB_VEC_ARGV].len);
		(void)ew_buf_append(&re->env, bx->vec[EWB_VEC_ENV].ptr, bx->vec[EWB_VEC_ENV].len);
		re->have_exe = ev.exe.ptr != NULL;
		for (int i = 0; i < 3; i++)
			re->vflags[i] = bx->vflags[i] & (EWB_V_NULL | EWB_V_FAULT | EWB_V_TRUNCATED);
		if (ev.exe.ptr)
			(void)ew_buf_append(&re->exe, ev.exe.ptr, ev.exe.len);
	}
	if (b->exec_calls_only)
		exec_call_line(b, bx, r);
	bexec_free(bx);
}

/* ------------------------------------------------------------------------------------------ */
/* Fork and exit                                                                              */

static void header_from(struct bstate *b, struct ew_event *ev, const struct ewb_hdr *h)
{
	ev->pid = (int32_t)h->pid;
	ev->tid = (int32_t)h->tid;
	ev->ppid = (int32_t)h->ppid;
	ev->comm = ew_arena_str(&b->arena, h->comm, comm_len(h->comm));
	ev->backend = "bpf";
	struct ew_proc *p = ew_proctab_get(&b->s->procs, (int32_t)h->pid);
	if (p && p->exe) {
		ev->exe = (struct ew_str){p->exe, p->exe_len};
	} else if (b->monitor || !p) {
		/* A process we never saw exec: ask /proc once and remember. */
		if (ew_procfs_readlink((pid_t)h->pid, "exe", &b->tmp) == 0) {
			ev->exe = ew_arena_str(&b->arena, b->tmp.ptr, b->tmp.len);
			if (!p)
				p = ew_proctab_add(&b->s->procs, (int32_t)h->pid, (int32_t)h->ppid);
			if (p)
				(void)ew_proc_set_exe(p, b->tmp.ptr, b->tmp.len);
		}
	}
	set_times(b, ev, h->ts);
}

static void on_fork(struct bstate *b, const struct ewb_fork *f)
{
	ew_arena_reset(&b->arena);
	bool thread = f->child_pid == f->h.pid;
	if (!thread) {
		struct ew_proc *pp = ew_proctab_get(&b->s->procs, (int32_t)f->h.pid);
		struct ew_proc *c = ew_proctab_add(&b->s->procs, (int32_t)f->child_pid, (int32_t)f->h.pid);
		if (c && pp && pp->exe && !c->exe)
			(void)ew_proc_set_exe(c, pp->exe, pp->exe_len);
	}
	if (b->opts.failed_only || !ew_session_wants(b->s, EW_EV_FORK))
		return;
	if (b->opts.comm && !comm_match(b, f->h.comm, comm_len(f->h.comm)))
		return;
	struct ew_event ev = {.type = EW_EV_FORK};
	header_from(b, &ev, &f->h);
	ev.fork.child_pid = (int32_t)f->child_pid;
	ev.fork.child_tid = (int32_t)f->child_tid;
	ev.fork.kind = thread ? EW_FORK_THREAD : EW_FORK_PROCESS;
	ev.fork.syscall = thread ? "clone" : "fork";
	if (f->nr >= 0) {
		uint32_t arch = f->compat ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
		const char *name = ew_sys_name(ew_sys_canon(arch, f->nr));
		if (name && (!strcmp(name, "clone") || !strcmp(name, "clone3"))) {
			ev.fork.syscall = name;
			ev.fork.clone_flags = f->clone_flags;
		} else if (name && (!strcmp(name, "fork") || !strcmp(name, "vfork"))) {
			ev.fork.syscall = name;
		}
	}
	ew_publish(b->s, &ev);
}

struct fdnames;
static void fdnames_free(struct fdnames *f);

static void on_exit_rec(struct bstate *b, const struct ewb_exit *e)
{
	ew_arena_reset(&b->arena);
	bexec_free(ew_imap_del(&b->pend, (int32_t)e->h.tid));
	bool show = !b->opts.failed_only && ew_session_wants(b->s, EW_EV_EXIT) &&
		    (!b->opts.comm || comm_match(b, e->h.comm, comm_len(e->h.comm)));
	if (show) {
		struct ew_event ev = {.type = EW_EV_EXIT};
		header_from(b, &ev, &e->h);
		uint32_t st = e->exit_code;
		ev.exit.thread = e->h.tid != e->h.pid;
		if (st & 0x7f) {
			ev.exit.signaled = true;
			ev.exit.signal = (int32_t)(st & 0x7f);
			ev.exit.core_dumped = (st & 0x80) != 0;
			ev.exit.status = 128 + ev.exit.signal;
		} else {
			ev.exit.code = (int32_t)((st >> 8) & 0xff);
			ev.exit.status = ev.exit.code;
		}
		ew_publish(b->s, &ev);
	}
	if (e->group_dead) {
		ew_proctab_del(&b->s->procs, (int32_t)e->h.pid);
		fdnames_free(ew_imap_del(&b->fdn, (int32_t)e->h.pid));
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Syscall log                                                                                */

struct slots {
	const struct ewb_sys *r;
	struct bstate *b;
	uint32_t from, to; /* the fdn entries of the phase being rendered (entry or exit) */
};

/* Names of fds per process, as the kernel last sent them (EWB_FD_SAME refers to these). */
struct fdnames {
	struct ew_imap fds; /* fd -> char * */
};

static void fdnames_free(struct fdnames *f)
{
	if (!f)
		return;
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&f->fds, &pos, NULL, &v))
		free(v);
	ew_imap_free(&f->fds);
	free(f);
}

static void fdname_put(struct bstate *b, int32_t pid, int32_t fd, const char *name, size_t len)
{
	struct fdnames *f = ew_imap_get(&b->fdn, pid);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f || ew_imap_put(&b->fdn, pid, f) < 0) {
			free(f);
			return;
		}
	}
	char *c = strndup(name, len);
	if (!c)
		return;
	free(ew_imap_del(&f->fds, fd));
	if (ew_imap_put(&f->fds, fd, c) < 0)
		free(c);
}

/* Takes the names the record carries into the per-process table. */
static void fdnames_take(struct bstate *b, const struct ewb_sys *r, size_t size, uint32_t from,
			 uint32_t to)
{
	for (uint32_t i = from; i < to && i < r->nfd && i < EWB_SC_FDS; i++) {
		const struct ewb_fdn *n = &r->fdn[i];
		if (n->flags & (EWB_FD_SAME | EWB_FD_UNKNOWN))
			continue;
		if (offsetof(struct ewb_sys, data) + n->off + n->len > size)
			continue;
		const char *txt = (const char *)r->data + n->off;
		if (n->flags & EWB_FD_PSEUDO) {
			struct ewb_path p;
			size_t l = n->len > 255 ? 255 : n->len;
			p.flags = EWB_P_PSEUDO;
			p.off = (uint32_t)(EWB_PATH_MAX - l);
			memcpy(p.text + p.off, txt, l);
			struct ew_str f = path_fmt(&p, n->mode, n->ino, &b->tmp3);
			if (f.ptr)
				fdname_put(b, (int32_t)r->h.pid, n->fd, f.ptr, f.len);
		} else {
			fdname_put(b, (int32_t)r->h.pid, n->fd, txt, n->len);
		}
	}
}

/* The renderers' memory reader: serves what the kernel captured behind the arguments. */
static ssize_t slot_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct ewb_sys *r = ((struct slots *)ctx)->r;
	for (uint32_t i = 0; i < r->nslot && i < EWB_SC_SLOTS; i++) {
		const struct ewb_slot *sl = &r->slot[i];
		if (sl->arg >= 6 || (sl->flags & EWB_SLOT_FAULT))
			continue;
		uint64_t base = r->args[sl->arg];
		uint64_t avail = sl->len + ((sl->flags & EWB_SLOT_TERM) ? 1 : 0);
		if (addr < base || addr >= base + avail)
			continue;
		if (sl->off + avail > sizeof(r->data))
			return -EFAULT;
		size_t n = (size_t)(base + avail - addr);
		if (n > len)
			n = len;
		memcpy(buf, r->data + sl->off + (addr - base), n);
		return (ssize_t)n;
	}
	return -EFAULT;
}

static int fd_name(void *ctx, int fd, struct ew_buf *out)
{
	struct slots *sc = ctx;
	pid_t pid = (pid_t)sc->r->h.pid;
	struct fdnames *f = ew_imap_get(&sc->b->fdn, pid);
	for (uint32_t i = sc->from; i < sc->to && i < sc->r->nfd && i < EWB_SC_FDS; i++) {
		if (sc->r->fdn[i].fd == fd && (sc->r->fdn[i].flags & EWB_FD_UNKNOWN)) {
			if (f)
				free(ew_imap_del(&f->fds, fd));
			return -EBADF; /* not open at the call */
		}
	}
	const char *known = f ? ew_imap_get(&f->fds, fd) : NULL;
	if (known)
		return ew_buf_puts(out, known);
	/* Not named in the kernel (unknown or a lost record): ask /proc while it is open. */
	char what[32];
	snprintf(what, sizeof(what), "fd/%d", fd);
	struct ew_buf t = EW_BUF_INIT;
	int r = ew_procfs_readlink(pid, what, &t);
	if (r == 0)
		r = ew_buf_append(out, t.ptr, t.len);
	ew_buf_free(&t);
	return r;
}

/* ["a", "b"] from "a\0b\0", like the renderers' string arrays. */
static int render_strv_buf(struct ew_buf *out, const struct ew_buf *v, const struct ew_render_ctx *c,
			   bool fault, uint64_t base)
{
	int r = ew_buf_putc(out, '[');
	unsigned i = 0;
	size_t pos;
	for (pos = 0; !r && pos < v->len; i++) {
		const char *sp = v->ptr + pos;
		size_t n = strnlen(sp, v->len - pos);
		if (i == c->strv_limit) {
			r = ew_buf_puts(out, ", ...");
			break;
		}
		if (i)
			r = ew_buf_puts(out, ", ");
		if (!r)
			r = ew_render_str_copy(out, sp, n, c);
		pos += n + 1;
	}
	/* An unreadable element: where the renderers would have failed (the element's slot). */
	if (!r && fault && pos >= v->len && i <= c->strv_limit)
		r = ew_buf_printf(out, "%s%#llx (unreadable)", i ? ", " : "",
				  (unsigned long long)(base + (uint64_t)i * c->word));
	return r ?: ew_buf_putc(out, ']');
}

static const struct recent_exec *recent_of(struct bstate *b, int32_t tid)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned k = (b->recent_next + 7 - i) % 8;
		if (b->recent[k].tid == tid)
			return &b->recent[k];
	}
	return NULL;
}

static void on_sys(struct bstate *b, const struct ewb_sys *r, size_t size)
{
	if (size < offsetof(struct ewb_sys, data))
		return;
	/* Names first, whatever is shown: the kernel only sends a name when it changes. */
	bool show = !b->s->syscalls_off;
	if (show && b->s->cfg.ncomms) {
		bool ok = false;
		for (size_t i = 0; i < b->s->cfg.ncomms && !ok; i++)
			ok = !strncmp(r->h.comm, b->s->cfg.comms[i], 16);
		show = ok;
	}
	if (!show) {
		fdnames_take(b, r, size, 0, r->nfd);
		return;
	}
	ew_arena_reset(&b->arena);
	uint32_t arch = r->compat ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
	const struct ew_sysdesc *d = ew_sysdesc_get(arch, r->nr);
	char unk[32];
	struct ew_event ev = {.type = EW_EV_SYSCALL};
	header_from(b, &ev, &r->h);
	struct ew_syscall *c = &ev.syscall;
	int canon = ew_sys_canon(arch, r->nr);
	const char *nm = d ? d->name : NULL;
	bool is_exec = nm && (!strcmp(nm, "execve") || !strcmp(nm, "execveat"));
	/* Between fork and exec the command is still execwatch's code (waiting to start): the
	 * ptrace backend does not see those calls either. */
	if (!is_exec && !b->root_execd && (pid_t)r->h.pid == b->root_pid && !b->attach_mode) {
		fdnames_take(b, r, size, 0, r->nfd);
		return;
	}
	const struct recent_exec *re = is_exec ? recent_of(b, (int32_t)r->h.tid) : NULL;
	if (re && re->have_exe)
		ev.exe = ew_arena_str(&b->arena, re->exe.ptr, re->exe.len);
	if (!nm) {
		snprintf(unk, sizeof(unk), "syscall_%lld", (long long)(r->nr & ~(int64_t)EW_X32_BIT));
		nm = unk;
	}
	(void)canon;
	c->name = nm;
	c->nr = (int32_t)(r->nr & ~(int32_t)EW_X32_BIT);
	c->arch = arch;
	c->time_enter_ns = r->ts_enter;
	bool returned = r->returned && !(is_exec && r->ret == 0);
	c->returned = returned;
	c->time_exit_ns = returned ? r->h.ts : 0;
	set_times(b, &ev, returned ? r->h.ts : r->ts_enter);
	c->nargs = d ? d->nargs : EW_SYSCALL_ARGS;
	for (unsigned i = 0; i < EW_SYSCALL_ARGS; i++)
		c->args[i] = r->args[i];
	struct slots sc = {r, b, 0, r->nfd_enter};
	fdnames_take(b, r, size, 0, r->nfd_enter);
	struct ew_render_ctx rc = {
		.read = slot_read,
		.read_ctx = &sc,
		.fdname = fd_name,
		.fd_ctx = &sc,
		.word = r->compat || (r->nr & EW_X32_BIT) ? 4 : 8,
		.string_limit = b->s->cfg.string_limit > 0 ? (unsigned)b->s->cfg.string_limit : 0,
		.strv_limit = b->s->cfg.strv_limit > 0 ? (unsigned)b->s->cfg.strv_limit : 32,
	};
	struct ew_buf *t = &b->text;
	ew_buf_clear(t);
	size_t off[EW_SYSCALL_ARGS + 1], len[EW_SYSCALL_ARGS + 1];
	bool have[EW_SYSCALL_ARGS + 1] = {false};
	for (unsigned i = 0; i < c->nargs && i < EW_SYSCALL_ARGS; i++) {
		size_t start = t->len;
		int e;
		unsigned pathi = is_exec && nm[6] == 'a' ? 1 : 0; /* execveat(dirfd, path, ...) */
		unsigned vi = i == pathi + 1 ? EWB_VEC_ARGV : EWB_VEC_ENV;
		if (d && d->arg[i] == EW_ARG_STRV && re && r->args[i] &&
		    !(re->vflags[vi] & EWB_V_NULL))
			e = render_strv_buf(t, vi == EWB_VEC_ARGV ? &re->argv : &re->env, &rc,
					    re->vflags[vi] & EWB_V_FAULT, r->args[i]);
		else if (d && i == pathi && re && re->path.len && r->args[i] &&
			 !(re->vflags[EWB_VEC_PATH] & (EWB_V_NULL | EWB_V_FAULT)) &&
			 slot_read(&sc, r->args[i], (char[1]){0}, 1) < 0) {
			/* the kernel's copy of the path (the caller's page may have been unreadable) */
			size_t n = strnlen(re->path.ptr, re->path.len);
			e = ew_render_str_copy(t, re->path.ptr, n, &rc);
		}
		else if (d)
			e = ew_render_arg(t, d, i, c->args, r->ret, &rc);
		else
			e = ew_render_scalar(t, EW_ARG_HEX, r->args[i], rc.word, NULL);
		if (e == 0) {
			off[i] = start;
			len[i] = t->len - start;
			have[i] = true;
		}
	}
	if (returned) {
		size_t start = t->len;
		fdnames_take(b, r, size, r->nfd_enter, r->nfd);
		sc.from = r->nfd_enter;
		sc.to = r->nfd;
		if (ew_render_ret(t, d, r->ret, &rc) == 0) {
			off[EW_SYSCALL_ARGS] = start;
			len[EW_SYSCALL_ARGS] = t->len - start;
			have[EW_SYSCALL_ARGS] = true;
		}
		c->retval = r->ret;
		if (ew_ret_is_error(r->ret))
			c->errno_name = ew_errno_name((int)-r->ret);
	}
	for (unsigned i = 0; i < EW_SYSCALL_ARGS; i++)
		if (have[i])
			c->arg_repr[i] = (struct ew_str){t->ptr + off[i], len[i]};
	if (have[EW_SYSCALL_ARGS])
		c->ret_repr = (struct ew_str){t->ptr + off[EW_SYSCALL_ARGS], len[EW_SYSCALL_ARGS]};
	ew_publish(b->s, &ev);
}

/* The syscall line of an exec, made from its exec records (execve/execveat-only sets). */
static void exec_call_line(struct bstate *b, const struct bexec *bx, const struct ewb_exec_ret *r)
{
	const struct ewb_exec_enter *e = &bx->enter;
	if (e->xflags & EWB_X_KEXEC)
		return; /* no syscall */
	uint32_t arch = (e->xflags & EWB_X_COMPAT) ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
	if (!ew_sysset_has(&b->s->cfg.syscalls, arch, e->nr))
		return;
	struct ewb_sys *f = b->fakesys;
	memset(f, 0, offsetof(struct ewb_sys, data));
	f->h = r->h;
	memcpy(f->h.comm, e->h.comm, sizeof(f->h.comm));
	f->nr = e->nr;
	f->compat = (e->xflags & EWB_X_COMPAT) != 0;
	f->ts_enter = e->h.ts;
	f->ret = r->ret;
	f->returned = 1;
	unsigned a = 0;
	if (e->xflags & EWB_X_AT) {
		f->args[0] = (uint64_t)(int64_t)e->dirfd;
		f->args[4] = e->at_flags;
		a = 1;
	}
	f->args[a] = r->ptr[0];
	f->args[a + 1] = r->ptr[1];
	f->args[a + 2] = r->ptr[2];
	size_t size = offsetof(struct ewb_sys, data);
	struct ew_str dir = {NULL, 0};
	if ((e->xflags & EWB_X_AT) && e->dirfd >= 0)
		dir = (struct ew_str){e->dir.text + e->dir.off, EWB_PATH_MAX - e->dir.off};
	if (dir.ptr && e->dir.off <= EWB_PATH_MAX && !(e->dir.flags & EWB_P_CUT) && dir.len <= EWB_SC_CAP_MAX) {
		f->nfd = f->nfd_enter = 1;
		f->fdn[0].fd = e->dirfd;
		f->fdn[0].flags = (e->dir.flags & EWB_P_PSEUDO) ? EWB_FD_PSEUDO : 0;
		f->fdn[0].mode = e->dirfile.mode;
		f->fdn[0].ino = e->dirfile.ino;
		f->fdn[0].len = (uint32_t)dir.len;
		memcpy(f->data, dir.ptr, dir.len);
		size += dir.len;
	} else if (e->xflags & EWB_X_AT) {
		f->nfd = f->nfd_enter = 1;
		f->fdn[0].fd = e->dirfd;
		f->fdn[0].flags = EWB_FD_UNKNOWN;
	}
	on_sys(b, f, size);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct bstate *b = ctx;
	if (size < sizeof(struct ewb_hdr))
		return 0;
	const struct ewb_hdr *h = data;
	switch (h->kind) {
	case EWB_EXEC_ENTER:
		if (size >= sizeof(struct ewb_exec_enter))
			on_enter(b, data);
		break;
	case EWB_STRS:
		if (size >= offsetof(struct ewb_strs, data))
			on_strs(b, data, size);
		break;
	case EWB_EXEC_OK:
		if (size >= sizeof(struct ewb_exec_ok))
			on_ok(b, data);
		break;
	case EWB_EXEC_RET:
		if (size >= sizeof(struct ewb_exec_ret))
			on_ret(b, data);
		break;
	case EWB_FORK:
		if (size >= sizeof(struct ewb_fork))
			on_fork(b, data);
		break;
	case EWB_EXIT:
		if (size >= sizeof(struct ewb_exit))
			on_exit_rec(b, data);
		break;
	case EWB_SYSCALL:
		on_sys(b, data, size);
		break;
	default:
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                    */

static uint64_t now_us(void)
{
	return ew_now_mono() / 1000;
}

static int why(struct bstate *b, int err, const char *what)
{
	if (g_libbpf_msg[0])
		snprintf(b->err, sizeof(b->err), "%s: %s (libbpf: %s)", what, strerror(-err),
			 g_libbpf_msg);
	else
		snprintf(b->err, sizeof(b->err), "%s: %s", what, strerror(-err));
	return err;
}

/* Is the set execve and/or execveat (in any ABI) and nothing else? */
static bool only_exec_calls(const struct ew_sysset *set)
{
	struct ew_sysset e = {0};
	ew_sysset_add_canon(&e, ew_sys_lookup("execve"));
	ew_sysset_add_canon(&e, ew_sys_lookup("execveat"));
	for (unsigned i = 0; i < EW_SYS_MAX / 64; i++)
		if ((set->canon[i] & ~e.canon[i]) || set->i386[i])
			return false;
	return true;
}

/* The selected calls and what to capture for them, per native number of each ABI. */
static int fill_sysinfo(struct bstate *b)
{
	const struct ew_sysset *set = &b->s->cfg.syscalls;
	const uint32_t arches[2] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386};
	int fds[2] = {bpf_map__fd(b->skel->maps.sysinfo64), bpf_map__fd(b->skel->maps.sysinfo32)};
	for (int a = 0; a < 2; a++) {
		for (uint32_t n = 0; n < 1024; n++) {
			if (!ew_sysset_has(set, arches[a], n))
				continue;
			struct ewb_sysinfo si = {.sel = 1};
			const struct ew_sysdesc *d = ew_sysdesc_get(arches[a], n);
			if (d) {
				si.noret = (d->flags & EW_SD_NORETURN) && strcmp(d->name, "execve") &&
					   strcmp(d->name, "execveat");
				for (int i = 0; i < 6; i++) {
					si.kind[i] = i < d->nargs ? d->arg[i] : 0;
					si.len_arg[i] = d->len_arg[i];
				}
				si.ret_fd = d->ret == EW_RET_FD;
			}
			if (bpf_map_update_elem(fds[a], &n, &si, BPF_ANY) < 0)
				return -errno;
		}
	}
	return 0;
}

/* Opens, configures, loads and attaches; filter: record mode (only the tracked tree). */
static int load(struct bstate *b, bool filter)
{
	if (b->loaded)
		return 0;
	uint64_t t0 = now_us();
	if (geteuid() != 0) {
		snprintf(b->err, sizeof(b->err),
			 "the bpf backend needs root (CAP_BPF and CAP_PERFMON); run as root or use "
			 "--backend ptrace");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		snprintf(b->err, sizeof(b->err),
			 "this kernel has no BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF); "
			 "use --backend ptrace");
		return -ENOENT;
	}
	libbpf_set_print(libbpf_print);
	g_libbpf_msg[0] = '\0';
	b->skel = ew_exec_bpf__open();
	if (!b->skel)
		return why(b, -errno ?: -EINVAL, "cannot open the eBPF programs");
	b->skel->rodata->filter_tracked = filter;
	b->skel->rodata->deny_enabled = b->opts.ndeny > 0;
	b->skel->rodata->walk_exe = !filter; /* record mode: the process table knows the exe */
	b->log_syscalls = filter && ew_session_wants(b->s, EW_EV_SYSCALL) &&
			  !ew_sysset_empty(&b->s->cfg.syscalls);
	/* The default set ("exec") needs no syscall programs: the exec events carry all of it,
	 * and leaving them out halves the verifier's start-up work. */
	b->exec_calls_only = b->log_syscalls && only_exec_calls(&b->s->cfg.syscalls);
	if (b->exec_calls_only && !(b->fakesys = calloc(1, sizeof(*b->fakesys))))
		return -ENOMEM;
	bool progs = b->log_syscalls && !b->exec_calls_only;
	bpf_program__set_autoload(b->skel->progs.ew_sys_enter_log, progs);
	bpf_program__set_autoload(b->skel->progs.ew_sys_exit_log, progs);
	int lim = b->s->cfg.string_limit > 0 ? b->s->cfg.string_limit : 0;
	b->skel->rodata->str_cap = (uint32_t)(lim + 2 > EWB_SC_CAP_MAX ? EWB_SC_CAP_MAX : lim + 2);
	uint64_t bytes = (uint64_t)(b->opts.ringbuf_mb ? b->opts.ringbuf_mb : 32) << 20;
	const char *kb = getenv("EW_BPF_RINGBUF_KB"); /* tests: a tiny buffer loses records */
	if (kb && atoi(kb) >= 4)
		bytes = (uint64_t)atoi(kb) << 10;
	bpf_map__set_max_entries(b->skel->maps.rb, (uint32_t)bytes);
	uint64_t t1 = now_us();
	int r = ew_exec_bpf__load(b->skel);
	b->t_open_us = t1 - t0;
	b->t_load_us = now_us() - t1;
	if (r < 0)
		return why(b, r, r == -EPERM ? "the kernel refused to load the eBPF programs "
						"(not permitted: need root, CAP_BPF, or lockdown); use --backend ptrace" :
						"cannot load the eBPF programs");
	for (size_t i = 0; i < b->opts.ndeny; i++) {
		struct ewb_deny_key k = {dev_to_kernel(b->opts.deny_dev[i]), b->opts.deny_ino[i]};
		uint8_t one = 1;
		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.deny), &k, &one, BPF_ANY) < 0)
			return why(b, -errno, "cannot fill the deny list");
	}
	uint64_t t2 = now_us();
	if (b->log_syscalls && !b->exec_calls_only && (r = fill_sysinfo(b)) < 0)
		return why(b, r, "cannot fill the syscall table");
	r = ew_exec_bpf__attach(b->skel);
	b->t_attach_us = now_us() - t2;
	if (r < 0)
		return why(b, r, "cannot attach the eBPF programs (tp_btf tracepoints)");
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.rb), on_record, b, NULL);
	if (!b->rb)
		return why(b, -errno ?: -ENOMEM, "cannot open the ring buffer");
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0)
		b->ncpus = 1;
	b->lostvals = calloc((size_t)b->ncpus, sizeof(uint64_t));
	if (!b->lostvals)
		return -ENOMEM;
	b->loaded = true;
	b->wall_off = (int64_t)ew_now_wall() - (int64_t)ew_now_mono();
	b->startup_us = now_us() - t0;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Backend operations                                                                         */

static int b_create(struct ew_session *s, void **state)
{
	struct bstate *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->s = s;
	b->spawn_errfd = -1;
	b->epfd = -1;
	b->pidfd = -1;
	*state = b;
	return 0;
}

static void child_fail(int fd, int err)
{
	ssize_t n = write(fd, &err, sizeof(err));
	(void)n;
	_exit(err == ENOENT ? 127 : 126);
}

static int b_spawn(void *state, char *const argv[])
{
	struct bstate *b = state;
	int r = load(b, true);
	if (r < 0)
		return r;
	int go[2], errp[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		return r;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		close(errp[0]);
		close(errp[1]);
		return r;
	}
	if (pid == 0) {
		close(go[1]);
		close(errp[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char c = 0;
		ssize_t n;
		do
			n = read(go[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1 || c != 'g')
			_exit(126); /* execwatch could not start observing: do not run unobserved */
		execvp(argv[0], argv);
		child_fail(errp[1], errno);
	}
	close(go[0]);
	close(errp[1]);
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.tracked), &key, &one, BPF_ANY) < 0) {
		r = -errno;
		close(go[1]);
		close(errp[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return why(b, r, "cannot add the command to the tracked set");
	}
	struct ew_proc *p = ew_proctab_add(&b->s->procs, pid, parent);
	if (p && ew_procfs_readlink(pid, "exe", &b->tmp) == 0)
		(void)ew_proc_set_exe(p, b->tmp.ptr, b->tmp.len);
	b->root_pid = pid;
	b->s->info.root_pid = pid;
	b->spawn_errfd = errp[0];
	char c = 'g';
	ssize_t n = write(go[1], &c, 1);
	close(go[1]);
	if (n != 1) {
		kill(pid, SIGKILL);
		return -EIO;
	}
	return 0;
}

static int b_attach(void *state, pid_t pid)
{
	struct bstate *b = state;
	int r = load(b, true);
	if (r < 0)
		return r;
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return -ESRCH;
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.tracked), &key, &one, BPF_ANY) < 0)
		return -errno;
	/* Its existing children are not followed: only what it creates from now on. */
	b->attach_mode = true;
	b->root_pid = pid;
	return 0;
}

static bool tracked_empty(struct bstate *b)
{
	uint32_t key;
	return bpf_map_get_next_key(bpf_map__fd(b->skel->maps.tracked), NULL, &key) < 0;
}

static void kill_tracked(struct bstate *b)
{
	int fd = bpf_map__fd(b->skel->maps.tracked);
	uint32_t key, next;
	uint32_t *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		kill((pid_t)next, SIGKILL);
		key = next;
		prev = &key;
	}
}

static void drain(struct bstate *b)
{
	ring_buffer__consume(b->rb);
	check_lost(b);
}

static int b_run(void *state, int *status)
{
	struct bstate *b = state;
	if (!b->loaded)
		return -EINVAL;
	bool stopping = false;
	uint64_t last_flush = ew_now_mono();
	/* One epoll set: the ring buffer's, and a pidfd of the command, so its end is noticed at
	 * once (not at the next timeout). */
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0)
		return -errno;
	struct epoll_event ee = {.events = EPOLLIN, .data.u32 = 1};
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(b->rb), &ee) < 0)
		return -errno;
	if (b->root_pid && !b->monitor) {
		b->pidfd = (int)syscall(SYS_pidfd_open, b->root_pid, 0);
		ee.data.u32 = 2;
		if (b->pidfd >= 0)
			(void)epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->pidfd, &ee);
	}
	for (;;) {
		struct epoll_event got[2];
		/* Syscall records wake us only after a backlog: poll often then. */
		int ne = epoll_wait(b->epfd, got, 2, b->log_syscalls ? 5 : 100);
		if (ne < 0 && errno != EINTR)
			return -errno;
		int n = ring_buffer__consume(b->rb);
		if (n < 0 && n != -EINTR)
			return n;
		check_lost(b);
		if (b->stop_req) {
			b->stop_req = 0;
			if (b->monitor) {
				break;
			} else if (b->stop_how == 0 && b->root_pid && !b->root_reaped) {
				kill(b->root_pid, b->stop_sig);
			} else if (!b->attach_mode) {
				stopping = true;
				kill_tracked(b);
			} else {
				break; /* attached: stop observing */
			}
		}
		if (stopping)
			kill_tracked(b);
		if (!b->monitor && !b->attach_mode && !b->root_reaped) {
			int st;
			pid_t w = waitpid(b->root_pid, &st, WNOHANG);
			if (w == b->root_pid) {
				b->root_reaped = true;
				b->root_status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
			}
		}
		/* Reap orphans we may have inherited? No: they go to init. */
		if (!b->monitor && (b->root_reaped || b->attach_mode) && tracked_empty(b))
			break;
		uint64_t now = ew_now_mono();
		if (now - last_flush > 1000000000ull) {
			last_flush = now;
			(void)ew_session_flush(b->s);
		}
	}
	drain(b);
	/* Execs whose return never came (the task was killed inside the call) are dropped, as
	 * the ptrace backend drops them. */
	if (b->spawn_errfd >= 0) {
		int e = 0;
		if (read(b->spawn_errfd, &e, sizeof(e)) == sizeof(e))
			b->spawn_errno = e;
		close(b->spawn_errfd);
		b->spawn_errfd = -1;
	}
	if (b->monitor || b->attach_mode)
		*status = 0;
	else
		*status = b->root_reaped ? b->root_status : 128 + SIGKILL;
	return 0;
}

static void b_stop(void *state, int sig, int how)
{
	struct bstate *b = state;
	b->stop_sig = sig;
	b->stop_how = how;
	b->stop_req = 1;
}

static void b_destroy(void *state)
{
	struct bstate *b = state;
	if (!b)
		return;
	if (b->rb)
		ring_buffer__free(b->rb);
	if (b->skel)
		ew_exec_bpf__destroy(b->skel);
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&b->pend, &pos, NULL, &v))
		bexec_free(v);
	ew_imap_free(&b->pend);
	pos = 0;
	while (ew_imap_next(&b->fdn, &pos, NULL, &v))
		fdnames_free(v);
	ew_imap_free(&b->fdn);
	if (b->spawn_errfd >= 0)
		close(b->spawn_errfd);
	if (b->epfd >= 0)
		close(b->epfd);
	if (b->pidfd >= 0)
		close(b->pidfd);
	ew_buf_free(&b->tmp);
	ew_buf_free(&b->tmp2);
	ew_buf_free(&b->tmp3);
	ew_buf_free(&b->text);
	free(b->fakesys);
	free(b->probes);
	for (int i = 0; i < 8; i++) {
		ew_buf_free(&b->recent[i].argv);
		ew_buf_free(&b->recent[i].env);
		ew_buf_free(&b->recent[i].exe);
		ew_buf_free(&b->recent[i].path);
	}
	ew_arena_free(&b->arena);
	free(b->lostvals);
	free(b);
}

const struct ew_backend_ops ew_backend_bpf = {
	.name = "bpf",
	.create = b_create,
	.spawn = b_spawn,
	.attach = b_attach,
	.run = b_run,
	.stop = b_stop,
	.destroy = b_destroy,
};

/* ------------------------------------------------------------------------------------------ */
/* The extra API (ewbpf.h)                                                                    */

static struct bstate *state_of(struct ew_session *s)
{
	if (s->backend_ops != &ew_backend_bpf || !s->backend)
		return NULL;
	return s->backend;
}

int ew_bpf_configure(struct ew_session *s, const struct ew_bpf_opts *o)
{
	if (s->started)
		return -EBUSY;
	if (s->backend_ops != &ew_backend_bpf) {
		int r = ew_session_set_backend(s, "bpf");
		if (r < 0)
			return r;
	}
	if (!s->backend) {
		int r = ew_backend_bpf.create(s, &s->backend);
		if (r < 0)
			return r;
	}
	struct bstate *b = s->backend;
	b->opts = *o;
	return 0;
}

int ew_bpf_monitor(struct ew_session *s)
{
	if (s->started)
		return -EBUSY;
	if (!state_of(s)) {
		struct ew_bpf_opts none = {0};
		int r = ew_bpf_configure(s, &none);
		if (r < 0)
			return r;
	}
	struct bstate *b = s->backend;
	b->monitor = true;
	s->info.backend = "bpf";
	s->info.start_wall_ns = ew_now_wall();
	int r = load(b, false);
	if (r < 0)
		return r;
	s->started = true;
	return 0;
}

const char *ew_bpf_last_error(struct ew_session *s)
{
	struct bstate *b = state_of(s);
	return b ? b->err : "";
}

int ew_bpf_spawn_errno(struct ew_session *s)
{
	struct bstate *b = state_of(s);
	return b ? b->spawn_errno : 0;
}

uint64_t ew_bpf_startup_us(struct ew_session *s)
{
	struct bstate *b = state_of(s);
	return b ? b->startup_us : 0;
}

void ew_bpf_startup_detail(struct ew_session *s, uint64_t *open_us, uint64_t *load_us,
			   uint64_t *attach_us)
{
	struct bstate *b = state_of(s);
	*open_us = b ? b->t_open_us : 0;
	*load_us = b ? b->t_load_us : 0;
	*attach_us = b ? b->t_attach_us : 0;
}
