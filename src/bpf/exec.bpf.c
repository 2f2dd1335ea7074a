// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * exec.bpf.c - the kernel half of the eBPF backend: execs (successful and failed), forks and
 * exits, sent to user space through one ring buffer (record formats: events.h).
 *
 * Only tp_btf programs: no kprobes, fentry/fexit or LSM hooks (refused or absent on the
 * machines we target), and no tracefs. An exec is seen at three points:
 *   sys_enter (execve/execveat)  the caller: path, argv, env, cwd, exe, stdin, dirfd
 *   sched_process_exec            success: the executed file (bprm->file), the new exe
 *   sys_exit                      the return value: 0 or -errno (failures are only seen here)
 * A per-task `pending` entry ties the three together. Execs without a syscall (kernel_execve,
 * e.g. usermode helpers) are reported from sched_process_exec alone, argv/env read from the
 * new process's stack.
 *
 * Record mode (`filter_tracked`): only processes in `tracked` (thread-group ids) are reported;
 * fork adds the child, the last thread's exit removes the process. Monitor mode: everything.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define PF_KTHREAD 0x00200000
#define SIGKILL 9
#define USER32_CS 0x23
#define X32_BIT 0x40000000L
#define AT_FDCWD (-100)
#define S_IFMT 00170000

const volatile __u32 filter_tracked = 0; /* record mode: only tracked processes */
const volatile __u32 deny_enabled = 0;   /* kill after an exec of a file in `deny` */
const volatile __u32 walk_exe = 1;
const volatile __u32 str_cap = 257;      /* syscall log: bytes captured per string/buffer */       /* send the caller's exe (monitor; record mode knows it) */
/* Wake-ups: only the records that complete something (an exec's return, an exit) wake the
 * reader; the others wait for it (BPF_RB_NO_WAKEUP): fewer context switches per exec. */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24); /* resized by user space before loading */
} rb SEC(".maps");

/* Records that did not fit in the ring buffer, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} tracked SEC(".maps");

struct pending {
	__u32 lost;  /* records of this exec lost so far */
	__u32 fault; /* bit per vector: its read at sys_enter met a fault */
	__u32 word;
	__u32 pad;
	__u64 ptr[3]; /* path, argv, env as passed */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ewb_deny_key);
	__type(value, __u8);
} deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ewb_strs);
} scratch SEC(".maps");

/* inode time fields before 6.11 (6.6: __i_ctime; older: i_ctime), for CO-RE. */
struct inode___v66 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));
struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

static __always_inline void count_lost(__u32 n)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&lost, &k);
	if (v)
		*v += n;
}

static __always_inline bool is_tracked(__u32 tgid)
{
	return !filter_tracked || bpf_map_lookup_elem(&tracked, &tgid);
}

static __always_inline void fill_hdr(struct ewb_hdr *h, __u32 kind, struct task_struct *t)
{
	h->kind = kind;
	h->tid = BPF_CORE_READ(t, pid);
	h->pid = BPF_CORE_READ(t, tgid);
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->ts = bpf_ktime_get_ns();
	BPF_CORE_READ_STR_INTO(&h->comm, t, comm);
}

/* ---------------------------------------------------------------------------------------------
 * Paths: walk dentries up to the task's root, crossing mounts, writing backwards.
 * ------------------------------------------------------------------------------------------- */

#define WALK_DEPTH 256
#define PMASK (EWB_PATH_MAX - 1)

struct wstate {
	__u64 d, vm, mnt, root_d, root_m;
	__u32 pos, state; /* state: 0 walking, 1 done, 2 cut */
	char text[EWB_PATH_MAX + 256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wstate);
} wstate SEC(".maps");

/* One path component (or one mount crossing) per call. */
static long walk_step(__u32 idx, void *ctx)
{
	__u32 k = 0;
	struct wstate *w = bpf_map_lookup_elem(&wstate, &k);
	if (!w)
		return 1;
	struct dentry *d = (void *)w->d;
	struct vfsmount *vm = (void *)w->vm;
	struct mount *mnt = (void *)w->mnt;
	if (w->d == w->root_d && w->vm == w->root_m) {
		w->state = 1;
		return 1;
	}
	struct dentry *mnt_root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == mnt_root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mp == mnt || !mp) {
			w->state = 1; /* the namespace's root */
			return 1;
		}
		w->d = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)mp;
		w->vm = (__u64)mp + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	struct qstr q = BPF_CORE_READ(d, d_name);
	__u32 len = q.len, pos = w->pos;
	if (len > 255 || pos > EWB_PATH_MAX || pos < len + 1) {
		w->state = 2;
		return 1;
	}
	len &= 255;
	pos -= len;
	bpf_probe_read_kernel(&w->text[pos & PMASK], len, q.name);
	pos -= 1;
	w->text[pos & PMASK] = '/';
	w->pos = pos;
	if (d == parent || !parent) {
		w->state = 1; /* disconnected (memfd, deleted tree): as d_path shows it */
		return 1;
	}
	w->d = (__u64)parent;
	return 0;
}

/* Walks (d, vm) up to (root_d, root_m) into the per-CPU wstate: a global function, so the
 * verifier checks it once per program instead of once per call site (start-up time). Returns
 * wstate.state: 1 done, 2 cut, 3 a pseudo file (its name at the end of text), 0 nothing. */
__noinline int ew_walk(__u64 d64, __u64 vm64, __u64 root_d, __u64 root_m)
{
	__u32 k = 0;
	struct wstate *w = bpf_map_lookup_elem(&wstate, &k);
	struct dentry *d = (void *)d64;
	if (!w)
		return 0;
	w->state = 0;
	if (!d64 || !vm64)
		return 0;
	const struct dentry_operations *ops = BPF_CORE_READ(d, d_op);
	if (ops && BPF_CORE_READ(ops, d_dname)) {
		/* pipe:[ino], socket:[ino], anon_inode:[x]: user space rebuilds the name. */
		struct qstr q = BPF_CORE_READ(d, d_name);
		__u32 len = q.len;
		if (len > 255)
			len = 255;
		len &= 255;
		bpf_probe_read_kernel(&w->text[(EWB_PATH_MAX - len) & PMASK], len, q.name);
		w->pos = EWB_PATH_MAX - len;
		w->state = 3;
		return 3;
	}
	w->d = d64;
	w->vm = vm64;
	w->mnt = (__u64)container_of((struct vfsmount *)vm64, struct mount, mnt);
	w->root_d = root_d;
	w->root_m = root_m;
	w->pos = EWB_PATH_MAX;
	bpf_loop(WALK_DEPTH, walk_step, NULL, 0);
	w = bpf_map_lookup_elem(&wstate, &k);
	if (!w)
		return 0;
	if (w->state == 0)
		w->state = 2;
	return w->state;
}

/* Writes the path of (d, vm) relative to (root_d, root_m) into out. */
static __always_inline int walk_path(struct ewb_path *out, struct dentry *d, struct vfsmount *vm,
				     struct dentry *root_d, struct vfsmount *root_m)
{
	__u32 k = 0;
	out->flags = 0;
	out->off = EWB_PATH_MAX + 1;
	int st = ew_walk((__u64)d, (__u64)vm, (__u64)root_d, (__u64)root_m);
	struct wstate *w = bpf_map_lookup_elem(&wstate, &k);
	if (!w || st == 0)
		return 0;
	if (st == 2) {
		out->flags = EWB_P_CUT;
		return 0;
	}
	__u32 pos = w->pos;
	if (st == 3) { /* a pseudo file's name, possibly empty (pipes) */
		bpf_probe_read_kernel(out->text, EWB_PATH_MAX, w->text);
		out->off = pos > EWB_PATH_MAX ? EWB_PATH_MAX : pos;
		out->flags = EWB_P_PSEUDO;
		return 0;
	}
	if (pos >= EWB_PATH_MAX) {
		out->text[EWB_PATH_MAX - 1] = '/';
		out->off = EWB_PATH_MAX - 1;
		return 0;
	}
	bpf_probe_read_kernel(out->text, EWB_PATH_MAX, w->text);
	out->off = pos;
	return 0;
}

static __always_inline void walk_file_path(struct ewb_path *out, struct file *f,
					   struct task_struct *t)
{
	struct dentry *rd = BPF_CORE_READ(t, fs, root.dentry);
	struct vfsmount *rm = BPF_CORE_READ(t, fs, root.mnt);
	if (!f) {
		out->off = EWB_PATH_MAX + 1;
		out->flags = 0;
		return;
	}
	walk_path(out, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), rd, rm);
}

static __always_inline struct file *fd_file(struct task_struct *t, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || fd < 0)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	struct file **arr = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

static __always_inline void file_facts(struct ewb_file *o, struct file *f)
{
	struct inode *in = BPF_CORE_READ(f, f_inode);
	if (!in) {
		o->valid = 0;
		return;
	}
	o->valid = 1;
	o->dev = BPF_CORE_READ(in, i_sb, s_dev);
	o->ino = BPF_CORE_READ(in, i_ino);
	o->mode = BPF_CORE_READ(in, i_mode);
	o->uid = BPF_CORE_READ(in, i_uid.val);
	o->gid = BPF_CORE_READ(in, i_gid.val);
	o->size = BPF_CORE_READ(in, i_size);
	if (bpf_core_field_exists(in->i_ctime_sec)) {
		o->ctime_ns = BPF_CORE_READ(in, i_ctime_sec) * 1000000000LL + (BPF_CORE_READ(in, i_ctime_nsec) & ~(1u << 31)); /* I_CTIME_QUERIED */
		o->mtime_ns = BPF_CORE_READ(in, i_mtime_sec) * 1000000000LL + BPF_CORE_READ(in, i_mtime_nsec);
	} else if (bpf_core_field_exists(((struct inode___v66 *)in)->__i_ctime)) {
		struct inode___v66 *v = (void *)in;
		o->ctime_ns = BPF_CORE_READ(v, __i_ctime.tv_sec) * 1000000000LL + BPF_CORE_READ(v, __i_ctime.tv_nsec);
		o->mtime_ns = BPF_CORE_READ(v, __i_mtime.tv_sec) * 1000000000LL + BPF_CORE_READ(v, __i_mtime.tv_nsec);
	} else {
		struct inode___old *v = (void *)in;
		o->ctime_ns = BPF_CORE_READ(v, i_ctime.tv_sec) * 1000000000LL + BPF_CORE_READ(v, i_ctime.tv_nsec);
		o->mtime_ns = BPF_CORE_READ(v, i_mtime.tv_sec) * 1000000000LL + BPF_CORE_READ(v, i_mtime.tv_nsec);
	}
}

/* ---------------------------------------------------------------------------------------------
 * String vectors: chunks packed into STRS records.
 * ------------------------------------------------------------------------------------------- */

#define SMASK (2 * EWB_SCRATCH - 1)

struct vctx {
	__u64 base;  /* the array (argv/env), the string (path), or the raw start */
	__u64 cur;   /* the string being read, 0 between strings */
	__u64 end;   /* raw mode: end of the bytes */
	__u64 bytes;
	__u32 i;
	__u32 word;  /* 8, or 4 for a 32-bit caller */
	__u32 vec;
	__u32 vflags;
	__u32 done;
	__u32 lost;
	__u32 kernel_str; /* vector 0 from a kernel string (bprm->filename) */
	__u32 gen;
};

/* The loop state lives in a map, not on the stack: the verifier then sees its fields as
 * unknown scalars and the bpf_loop callback converges after one pass. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vctx);
} vstate SEC(".maps");

static __always_inline void strs_flush(struct vctx *c, struct ewb_strs *s, __u32 end)
{
	s->vec = c->vec;
	s->end = end;
	s->vflags = c->vflags;
	s->gen = c->gen;
	__u32 n = s->len & SMASK;
	if (bpf_ringbuf_output(&rb, s, offsetof(struct ewb_strs, data) + n, BPF_RB_NO_WAKEUP) < 0) {
		c->lost++;
		count_lost(1);
	}
	s->len = 0;
}

static __always_inline void put_len(struct ewb_strs *s, __u32 off, __u32 v)
{
	s->data[off & SMASK] = v & 0xff;
	s->data[(off + 1) & SMASK] = (v >> 8) & 0xff;
	s->data[(off + 2) & SMASK] = (v >> 16) & 0xff;
	s->data[(off + 3) & SMASK] = (v >> 24) & 0xff;
}

static long vec_step(__u32 idx, void *ctx)
{
	__u32 k = 0;
	struct vctx *c = bpf_map_lookup_elem(&vstate, &k);
	struct ewb_strs *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s || !c)
		return 1;
	if (s->len > EWB_SCRATCH - EWB_CHUNK - 8)
		strs_flush(c, s, 0);
	__u32 off = s->len & (EWB_SCRATCH - 1);
	long n;
	__u32 len, cont = 0;

	if (c->vflags & EWB_V_RAW) {
		if (c->cur >= c->end) {
			c->done = 1;
			return 1;
		}
		__u64 left = c->end - c->cur;
		__u32 sz = left > EWB_CHUNK ? EWB_CHUNK : (__u32)left;
		sz &= (2 * EWB_CHUNK - 1);
		if (sz > EWB_CHUNK)
			return 1;
		if (bpf_probe_read_user(&s->data[(off + 4) & SMASK], sz, (void *)c->cur) < 0) {
			c->vflags |= EWB_V_FAULT;
			return 1;
		}
		put_len(s, off, sz | EWB_ITEM_CONT);
		s->len = off + 4 + sz;
		c->cur += sz;
		c->bytes += sz;
		return 0;
	}
	if (!c->cur) {
		if (c->vec == EWB_VEC_PATH) {
			if (c->i) {
				c->done = 1;
				return 1;
			}
			c->cur = c->base;
			if (!c->cur) {
				c->vflags |= EWB_V_FAULT;
				return 1;
			}
		} else {
			__u64 p = 0;
			if (bpf_probe_read_user(&p, c->word == 4 ? 4 : 8,
						(void *)(c->base + (__u64)c->i * c->word)) < 0) {
				c->vflags |= EWB_V_FAULT;
				return 1;
			}
			if (!p) {
				c->done = 1;
				return 1;
			}
			c->cur = p;
		}
		c->i++;
	}
	if (c->kernel_str)
		n = bpf_probe_read_kernel_str(&s->data[(off + 4) & SMASK], EWB_CHUNK, (void *)c->cur);
	else
		n = bpf_probe_read_user_str(&s->data[(off + 4) & SMASK], EWB_CHUNK, (void *)c->cur);
	if (n <= 0) {
		c->vflags |= EWB_V_FAULT;
		return 1;
	}
	len = (__u32)n - 1;
	if (n == EWB_CHUNK)
		cont = EWB_ITEM_CONT;
	put_len(s, off, len | cont);
	s->len = off + 4 + (len & (EWB_CHUNK - 1));
	c->bytes += len;
	if (cont)
		c->cur += len;
	else
		c->cur = 0;
	if (c->bytes > (c->vec == EWB_VEC_PATH ? EWB_PATH_ITEM_MAX : EWB_VEC_MAX_BYTES)) {
		c->vflags |= EWB_V_TRUNCATED;
		return 1;
	}
	return 0;
}

/* Sends one vector; returns the number of records lost, | 1 << 16 when a read faulted.
 * wm: word size | mode << 8 (0 user strings, 1 raw bytes, 2 kernel string) | gen << 16. */
__noinline __u32 ew_send_vec(__u32 vec, __u64 base, __u64 end, __u32 wm)
{
	/* A global function (checked once per program): it cannot take the trusted task
	 * pointer, and every caller is about the current task anyway. */
	struct task_struct *t = (void *)bpf_get_current_task();
	__u32 word = wm & 0xff, mode = (wm >> 8) & 0xff, gen = wm >> 16;
	__u32 k = 0;
	struct vctx *c = bpf_map_lookup_elem(&vstate, &k);
	struct ewb_strs *s = bpf_map_lookup_elem(&scratch, &k);
	if (!s || !c)
		return 1;
	fill_hdr(&s->h, EWB_STRS, t);
	s->len = 0;
	__builtin_memset(c, 0, sizeof(*c));
	c->base = base;
	c->cur = mode == 1 ? base : 0;
	c->end = end;
	c->word = word;
	c->vec = vec;
	c->kernel_str = mode == 2;
	c->gen = gen;
	if (mode == 1)
		c->vflags = EWB_V_RAW;
	if (mode == 2)
		c->vflags = EWB_V_KFILENAME;
	if (!base && vec != EWB_VEC_PATH) {
		c->vflags |= EWB_V_NULL;
		c->done = 1;
	} else {
		bpf_loop(EWB_VEC_MAX_ITEMS, vec_step, NULL, 0);
		c = bpf_map_lookup_elem(&vstate, &k);
		if (!c)
			return 1;
		if (!c->done && !(c->vflags & (EWB_V_FAULT | EWB_V_TRUNCATED)))
			c->vflags |= EWB_V_TRUNCATED;
	}
	s = bpf_map_lookup_elem(&scratch, &k);
	if (!s)
		return c->lost + 1;
	strs_flush(c, s, 1);
	return c->lost | (c->vflags & EWB_V_FAULT ? 1u << 16 : 0);
}

static __always_inline __u32 send_vec(struct task_struct *t, __u32 vec, __u64 base, __u64 end,
				      __u32 wm)
{
	(void)t; /* always the current task */
	return ew_send_vec(vec, base, end, wm);
}

/* Adds send_vec's result to p. */
static __always_inline void vec_result(struct pending *p, __u32 vec, __u32 r)
{
	p->lost += r & 0xffff;
	if (r >> 16)
		p->fault |= 1u << vec;
	else
		p->fault &= ~(1u << vec);
}

/* ---------------------------------------------------------------------------------------------
 * Exec
 * ------------------------------------------------------------------------------------------- */

static __always_inline int exec_kind(long id, bool compat)
{
	if (compat)
		return id == 11 ? 1 : id == 358 ? 2 : 0;
	if (id == 59 || id == (X32_BIT | 520))
		return 1;
	if (id == 322 || id == (X32_BIT | 545))
		return 2;
	return 0;
}

/* The ENTER record: the caller's context. Returns 0, or 1 when it was lost. */
static __always_inline __u32 send_enter(struct task_struct *t, __s32 nr, __u32 xflags, __s32 dirfd,
					__u32 at_flags)
{
	struct ewb_exec_enter *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_lost(1);
		return 1;
	}
	fill_hdr(&e->h, EWB_EXEC_ENTER, t);
	if (BPF_CORE_READ(t, real_parent, flags) & PF_KTHREAD)
		xflags |= EWB_X_KERNEL;
	e->nr = nr;
	e->xflags = xflags;
	e->dirfd = dirfd;
	e->at_flags = at_flags;
	struct dentry *rd = BPF_CORE_READ(t, fs, root.dentry);
	struct vfsmount *rm = BPF_CORE_READ(t, fs, root.mnt);
	walk_path(&e->cwd, BPF_CORE_READ(t, fs, pwd.dentry), BPF_CORE_READ(t, fs, pwd.mnt), rd, rm);
	if (walk_exe) {
		walk_file_path(&e->exe, BPF_CORE_READ(t, mm, exe_file), t);
	} else {
		e->exe.off = EWB_PATH_MAX + 1;
		e->exe.flags = 0;
	}
	e->dirfile.valid = 0;
	if ((xflags & EWB_X_AT) && dirfd != AT_FDCWD) {
		struct file *df = fd_file(t, dirfd);
		walk_file_path(&e->dir, df, t);
		if (df)
			file_facts(&e->dirfile, df);
	} else {
		e->dir.off = EWB_PATH_MAX + 1;
	}
	struct file *in = fd_file(t, 0);
	e->stdin_mode = 0;
	e->stdin_ino = 0;
	if (in) {
		struct inode *ino = BPF_CORE_READ(in, f_inode);
		e->stdin_mode = BPF_CORE_READ(ino, i_mode);
		e->stdin_ino = BPF_CORE_READ(ino, i_ino);
		walk_file_path(&e->in, in, t);
	} else {
		e->in.off = EWB_PATH_MAX + 1;
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ew_sys_enter, struct pt_regs *regs, long id)
{
	bool compat = regs->cs == USER32_CS;
	int kind = exec_kind(id, compat);
	if (!kind)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tid = t->pid;
	if (!is_tracked(t->tgid))
		return 0;
	__u64 a[5];
	if (compat) {
		a[0] = (__u32)regs->bx;
		a[1] = (__u32)regs->cx;
		a[2] = (__u32)regs->dx;
		a[3] = (__u32)regs->si;
		a[4] = (__u32)regs->di;
	} else {
		a[0] = regs->di;
		a[1] = regs->si;
		a[2] = regs->dx;
		a[3] = regs->r10;
		a[4] = regs->r8;
	}
	struct pending p = {};
	__u32 xflags = compat ? EWB_X_COMPAT : 0;
	__s32 dirfd = AT_FDCWD;
	__u32 at_flags = 0, ai = 0;
	if (kind == 2) {
		xflags |= EWB_X_AT;
		dirfd = (__s32)a[0];
		at_flags = (__u32)a[4];
		ai = 1;
	}
	__u32 word = compat || (id & X32_BIT) ? 4 : 8;
	__s32 nr = (__s32)(id & ~X32_BIT);
	p.lost += send_enter(t, nr, xflags, dirfd, at_flags);
	__u64 pathp = ai ? a[1] : a[0];
	__u64 argvp = ai ? a[2] : a[1];
	__u64 envp = ai ? a[3] : a[2];
	p.word = word;
	p.ptr[0] = pathp;
	p.ptr[1] = argvp;
	p.ptr[2] = envp;
	vec_result(&p, EWB_VEC_PATH, send_vec(t, EWB_VEC_PATH, pathp, 0, word));
	vec_result(&p, EWB_VEC_ARGV, send_vec(t, EWB_VEC_ARGV, argvp, 0, word));
	vec_result(&p, EWB_VEC_ENV, send_vec(t, EWB_VEC_ENV, envp, 0, word));
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline void send_ret(struct task_struct *t, long ret, __u32 lost_n,
				     const struct pending *p)
{
	struct ewb_exec_ret *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		count_lost(1);
		return;
	}
	fill_hdr(&r->h, EWB_EXEC_RET, t);
	r->ret = ret;
	r->lost = lost_n;
	r->fault = p ? p->fault : 0;
	r->word = p ? p->word : 8;
	r->ptr[0] = p ? p->ptr[0] : 0;
	r->ptr[1] = p ? p->ptr[1] : 0;
	r->ptr[2] = p ? p->ptr[2] : 0;
	bpf_ringbuf_submit(r, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ew_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	if (!exec_kind(id, false) && !exec_kind(id, true))
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tid = t->pid;
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	if (p->fault && ret < 0) {
		/* Failed: the caller's memory is unchanged, and the kernel may have faulted in what
		 * we could not read at the entry. */
		struct pending q = *p;
		__u32 wm = (q.word & 0xff) | 1u << 16;
		if (q.fault & 1)
			vec_result(&q, EWB_VEC_PATH, send_vec(t, EWB_VEC_PATH, q.ptr[0], 0, wm));
		if (q.fault & 2)
			vec_result(&q, EWB_VEC_ARGV, send_vec(t, EWB_VEC_ARGV, q.ptr[1], 0, wm));
		if (q.fault & 4)
			vec_result(&q, EWB_VEC_ENV, send_vec(t, EWB_VEC_ENV, q.ptr[2], 0, wm));
		send_ret(t, ret, q.lost, &q);
		bpf_map_delete_elem(&pending, &tid);
		return 0;
	}
	send_ret(t, ret, p->lost, p);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* EXEC_OK: the executed file. Returns 1 when the record was lost. */
static __always_inline __u32 send_ok(struct task_struct *t, __u32 old, struct linux_binprm *bprm)
{
	struct ewb_exec_ok *o = bpf_ringbuf_reserve(&rb, sizeof(*o), 0);
	if (!o) {
		count_lost(1);
		return 1;
	}
	fill_hdr(&o->h, EWB_EXEC_OK, t);
	o->old_tid = old;
	struct file *f = BPF_CORE_READ(bprm, file);
	file_facts(&o->file, f);
	const char *interp = BPF_CORE_READ(bprm, interp);
	o->script = interp != BPF_CORE_READ(bprm, filename);
	o->interp[0] = 0;
	if (o->script)
		bpf_probe_read_kernel_str(o->interp, sizeof(o->interp), interp);
	walk_file_path(&o->path, f, t);
	bpf_ringbuf_submit(o, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ew_exec, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tid = t->pid, old = old_pid;
	struct pending *pp = bpf_map_lookup_elem(&pending, &old);
	struct pending p = {};
	struct mm_struct *mm = t->mm;
	if (pp) {
		p = *pp;
		/* OK first: it moves a non-leader's exec to its new tid in user space, before
		 * records sent under that tid. */
		p.lost += send_ok(t, old, bprm);
		if (p.fault) {
			/* Read what the kernel copied: the path it used, argv/env on the new stack. */
			if (p.fault & 1)
				vec_result(&p, EWB_VEC_PATH, send_vec(t, EWB_VEC_PATH,
					   (__u64)BPF_CORE_READ(bprm, filename), 0, 8 | 2 << 8 | 1 << 16));
			if (p.fault & 2)
				vec_result(&p, EWB_VEC_ARGV, send_vec(t, EWB_VEC_ARGV, BPF_CORE_READ(mm, arg_start),
					   BPF_CORE_READ(mm, arg_end), 8 | 1 << 8 | 1 << 16));
			if (p.fault & 4)
				vec_result(&p, EWB_VEC_ENV, send_vec(t, EWB_VEC_ENV, BPF_CORE_READ(mm, env_start),
					   BPF_CORE_READ(mm, env_end), 8 | 1 << 8 | 1 << 16));
			p.fault = 0;
		}
		if (old != tid)
			bpf_map_delete_elem(&pending, &old);
		bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	} else if (is_tracked(t->tgid)) {
		/* No syscall entry: kernel_execve (or an exec that began before we attached). */
		p.lost += send_enter(t, -1, EWB_X_KEXEC, AT_FDCWD, 0);
		vec_result(&p, EWB_VEC_PATH, send_vec(t, EWB_VEC_PATH, (__u64)BPF_CORE_READ(bprm, filename), 0, 8 | 2 << 8));
		vec_result(&p, EWB_VEC_ARGV, send_vec(t, EWB_VEC_ARGV, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end), 8 | 1 << 8));
		vec_result(&p, EWB_VEC_ENV, send_vec(t, EWB_VEC_ENV, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end), 8 | 1 << 8));
		p.lost += send_ok(t, old, bprm);
		send_ret(t, 0, p.lost, NULL);
	}
	if (deny_enabled) {
		struct file *f = BPF_CORE_READ(bprm, file);
		struct ewb_deny_key key = {};
		key.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
		key.ino = BPF_CORE_READ(f, f_inode, i_ino);
		if (bpf_map_lookup_elem(&deny, &key))
			bpf_send_signal(SIGKILL);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Fork and exit
 * ------------------------------------------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ew_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	if (!is_tracked(ptgid))
		return 0;
	__u32 ctgid = child->tgid;
	if (filter_tracked && ctgid != ptgid) {
		__u8 one = 1;
		bpf_map_update_elem(&tracked, &ctgid, &one, BPF_ANY);
	}
	struct ewb_fork *f = bpf_ringbuf_reserve(&rb, sizeof(*f), 0);
	if (!f) {
		count_lost(1);
		return 0;
	}
	struct task_struct *cur = bpf_get_current_task_btf();
	fill_hdr(&f->h, EWB_FORK, cur);
	f->child_pid = ctgid;
	f->child_tid = child->pid;
	f->nr = -1;
	f->compat = 0;
	f->clone_flags = 0;
	if (!(cur->flags & PF_KTHREAD)) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
		if (regs) {
			bool compat = BPF_CORE_READ(regs, cs) == USER32_CS;
			long nr = BPF_CORE_READ(regs, orig_ax);
			__u64 a0 = compat ? (__u32)BPF_CORE_READ(regs, bx) : BPF_CORE_READ(regs, di);
			f->nr = (__s32)(nr & ~X32_BIT);
			f->compat = compat;
			f->clone_flags = a0; /* user space keeps it for clone, reads clone3's */
			if ((!compat && f->nr == 435) || (compat && nr == 435)) {
				__u64 fl = 0;
				bpf_probe_read_user(&fl, sizeof(fl), (void *)a0);
				f->clone_flags = fl;
			}
		}
	}
	bpf_ringbuf_submit(f, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ew_exit, struct task_struct *t)
{
	__u32 tgid = t->tgid, tid = t->pid;
	bpf_map_delete_elem(&pending, &tid);
	if (!is_tracked(tgid))
		return 0;
	bool group_dead = BPF_CORE_READ(t, signal, live.counter) == 0;
	struct ewb_exit *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (e) {
		fill_hdr(&e->h, EWB_EXIT, t);
		e->exit_code = t->exit_code;
		e->group_dead = group_dead;
		bpf_ringbuf_submit(e, 0);
	} else {
		count_lost(1);
	}
	if (filter_tracked && group_dead)
		bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Syscall log (loaded only when syscalls are selected): raw arguments and the memory behind
 * string and buffer arguments, captured at the entry (strings, input buffers) and the exit
 * (output buffers); user space renders them with the ptrace backend's renderers.
 * ------------------------------------------------------------------------------------------- */

/* Argument kinds from src/decode/syscalls.h (enum ew_argk). */
#define ARGK_STR 6
#define ARGK_BUF_IN 7
#define ARGK_BUF_OUT 8

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ewb_sysinfo);
} sysinfo64 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ewb_sysinfo);
} sysinfo32 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ewb_sys);
} scstate SEC(".maps");

#define DMASK (EWB_SC_DATA - 1)
#define ARGK_FD 4
#define ARGK_DIRFD 5

struct fdkey {
	__u32 tgid;
	__s32 fd;
};
struct fdval {
	__u64 file;
	__u64 ino;
};

/* The file each process's fd was last named as: unchanged files are not walked again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fdkey);
	__type(value, struct fdval);
} fdcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ewb_path);
} pathscr SEC(".maps");

/* Names fd for the record: from the cache, or walked and copied into data. */
static __noinline void name_fd(struct ewb_sys *st, struct task_struct *t, int fd)
{
	if (!st)
		return;
	__u32 k = st->nfd;
	if (k >= EWB_SC_FDS || fd < 0)
		return;
	struct ewb_fdn *n = &st->fdn[0];
	if (k == 1)
		n = &st->fdn[1];
	else if (k == 2)
		n = &st->fdn[2];
	st->nfd = k + 1;
	n->fd = fd;
	n->flags = EWB_FD_UNKNOWN;
	n->len = 0;
	n->off = 0;
	struct file *f = fd_file(t, fd);
	if (!f)
		return;
	struct inode *in = BPF_CORE_READ(f, f_inode);
	n->ino = BPF_CORE_READ(in, i_ino);
	n->mode = BPF_CORE_READ(in, i_mode);
	struct fdkey key = {t->tgid, fd};
	struct fdval *v = bpf_map_lookup_elem(&fdcache, &key);
	if (v && v->file == (__u64)f && v->ino == n->ino) {
		n->flags = EWB_FD_SAME;
		return;
	}
	__u32 z = 0;
	struct ewb_path *p = bpf_map_lookup_elem(&pathscr, &z);
	if (!p)
		return;
	walk_file_path(p, f, t);
	if (p->off > EWB_PATH_MAX || (p->flags & EWB_P_CUT))
		return;
	__u32 len = EWB_PATH_MAX - p->off;
	__u32 off = st->len;
	if (off >= EWB_SC_DATA || len > EWB_SC_CAP_MAX)
		return;
	bpf_probe_read_kernel(&st->data[off & DMASK], len & EWB_SC_CAP_MAX, &p->text[p->off & (EWB_PATH_MAX - 1)]);
	n->off = off;
	n->len = len;
	n->flags = (p->flags & EWB_P_PSEUDO) ? EWB_FD_PSEUDO : 0;
	st->len = off + len;
	struct fdval nv = {(__u64)f, n->ino};
	bpf_map_update_elem(&fdcache, &key, &nv, BPF_ANY);
}

/* Captures up to str_cap bytes at addr for argument arg: a string (bpf_probe_read_user_str;
 * TERM when its NUL was seen) or n bytes of a buffer. */
static __always_inline void capture(struct ewb_sys *st, __u32 arg, __u64 addr, bool str, __u64 n)
{
	__u32 k = st->nslot;
	__u32 off = st->len;
	if (k >= EWB_SC_SLOTS || off >= EWB_SC_DATA)
		return;
	struct ewb_slot *sl = &st->slot[0];
	if (k == 1)
		sl = &st->slot[1];
	else if (k == 2)
		sl = &st->slot[2];
	__u32 cap = str_cap;
	if (!str && n < cap)
		cap = (__u32)n;
	if (cap > EWB_SC_CAP_MAX)
		cap = EWB_SC_CAP_MAX;
	sl->arg = arg;
	sl->off = off;
	sl->len = 0;
	sl->flags = str ? EWB_SLOT_STR : 0;
	st->nslot = k + 1;
	if (!addr) {
		sl->flags |= EWB_SLOT_FAULT;
		return;
	}
	if (!cap)
		return;
	long r;
	if (str) {
		r = bpf_probe_read_user_str(&st->data[off & DMASK], cap, (void *)addr);
		if (r <= 0) {
			/* Maybe readable up to the end of its page: keep that part (the renderer
			 * then says where it became unreadable, as with ptrace). */
			__u32 rest = 4096 - (__u32)(addr & 4095);
			if (rest < cap &&
			    bpf_probe_read_user(&st->data[off & DMASK], rest & EWB_SC_CAP_MAX,
						(void *)addr) == 0) {
				sl->len = rest & EWB_SC_CAP_MAX;
				st->len = off + sl->len + 1;
				return;
			}
			sl->flags |= EWB_SLOT_FAULT;
			return;
		}
		sl->len = (__u32)r - 1; /* r counts the NUL it wrote */
		if ((__u32)r < cap)
			sl->flags |= EWB_SLOT_TERM;
	} else {
		r = bpf_probe_read_user(&st->data[off & DMASK], cap, (void *)addr);
		if (r < 0) {
			sl->flags |= EWB_SLOT_FAULT;
			return;
		}
		sl->len = cap;
	}
	st->len = off + sl->len + 1;
}

static __always_inline void sys_args(struct pt_regs *regs, bool compat, __u64 *a)
{
	if (compat) {
		a[0] = (__u32)regs->bx;
		a[1] = (__u32)regs->cx;
		a[2] = (__u32)regs->dx;
		a[3] = (__u32)regs->si;
		a[4] = (__u32)regs->di;
		a[5] = (__u32)regs->bp;
	} else {
		a[0] = regs->di;
		a[1] = regs->si;
		a[2] = regs->dx;
		a[3] = regs->r10;
		a[4] = regs->r8;
		a[5] = regs->r9;
	}
}

static __always_inline struct ewb_sysinfo *sysinfo_of(long id, bool compat)
{
	__u32 n = (__u32)(id & ~X32_BIT);
	if (id < 0 || n >= 1024)
		return NULL;
	return bpf_map_lookup_elem(compat ? (void *)&sysinfo32 : (void *)&sysinfo64, &n);
}

static __always_inline void sys_send(struct ewb_sys *st)
{
	__u32 n = st->len;
	if (n > EWB_SC_DATA + EWB_SC_CAP_MAX)
		n = EWB_SC_DATA + EWB_SC_CAP_MAX;
	/* A syscall storm must not wake the reader for every call: only once a backlog built up
	 * (the reader also polls every few milliseconds). */
	__u64 flags = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) > (256u << 10) ?
			      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&rb, st, offsetof(struct ewb_sys, data) + (n & 16383), flags) < 0)
		count_lost(1);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ew_sys_enter_log, struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	if (!is_tracked(t->tgid))
		return 0;
	bool compat = regs->cs == USER32_CS;
	struct ewb_sysinfo *si = sysinfo_of(id, compat);
	if (!si || !si->sel)
		return 0;
	struct ewb_sys *st = bpf_task_storage_get(&scstate, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	fill_hdr(&st->h, EWB_SYSCALL, t);
	st->nr = (__s32)id;
	st->compat = compat;
	st->ts_enter = st->h.ts;
	st->ret = 0;
	st->returned = 0;
	st->nslot = 0;
	st->len = 0;
	sys_args(regs, compat, st->args);
	st->nfd = 0;
	for (int i = 0; i < 6; i++) {
		__u8 k = si->kind[i];
		if ((k == ARGK_FD || k == ARGK_DIRFD) && (__s32)st->args[i] >= 0)
			name_fd(st, t, (__s32)st->args[i]);
		if (k == ARGK_STR) {
			capture(st, i, st->args[i], true, 0);
		} else if (k == ARGK_BUF_IN) {
			__s8 la = si->len_arg[i];
			__u64 n = la >= 0 && la < 6 ? st->args[la & 7] : 0;
			capture(st, i, st->args[i], false, n);
		}
	}
	st->nfd_enter = st->nfd;
	if (si->noret) {
		st->active = 0;
		sys_send(st);
		return 0;
	}
	st->active = 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ew_sys_exit_log, struct pt_regs *regs, long ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct ewb_sys *st = bpf_task_storage_get(&scstate, t, NULL, 0);
	if (!st || !st->active)
		return 0;
	st->active = 0;
	/* A string that faulted at the entry (a page not yet touched) was faulted in by the
	 * kernel's own copy: read it again. */
	for (int k = 0; k < EWB_SC_SLOTS; k++) {
		struct ewb_slot *sl = &st->slot[k];
		if (k >= st->nslot || (sl->flags & (EWB_SLOT_FAULT | EWB_SLOT_STR)) !=
					      (EWB_SLOT_FAULT | EWB_SLOT_STR))
			continue;
		__u32 ai = sl->arg;
		if (ai >= 6)
			continue;
		__u64 addr = st->args[ai];
		__u32 off = st->len;
		if (!addr || off >= EWB_SC_DATA)
			continue;
		long r = bpf_probe_read_user_str(&st->data[off & DMASK], str_cap & EWB_SC_CAP_MAX,
						 (void *)addr);
		if (r <= 0)
			continue;
		sl->off = off;
		sl->len = (__u32)r - 1;
		sl->flags = EWB_SLOT_STR | ((__u32)r < str_cap ? EWB_SLOT_TERM : 0);
		st->len = off + sl->len + 1;
	}
	struct ewb_sysinfo *si = sysinfo_of(st->nr, st->compat);
	if (si && ret > 0) {
		for (int i = 0; i < 6; i++) {
			if (si->kind[i] == ARGK_BUF_OUT)
				capture(st, i, st->args[i], false, (__u64)ret);
		}
	}
	if (si && si->ret_fd && ret >= 0)
		name_fd(st, t, (int)ret);
	/* the header after an exec names the new program; keep the caller's */
	st->h.ts = bpf_ktime_get_ns();
	st->ret = ret;
	st->returned = 1;
	st->h.tid = t->pid; /* a non-leader exec took the leader's id */
	st->h.pid = t->tgid;
	sys_send(st);
	return 0;
}
