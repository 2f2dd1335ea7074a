/* SPDX-License-Identifier: MIT */
/*
 * deps.c - the dependency module (`record --deps`): which files each program opens and which
 * files it maps executable.
 *
 * Files: open, openat, creat and openat2 stop at entry (the path and flags are read) and at
 * exit; a successful open is named by what the new fd refers to (/proc/TID/fd/N: the kernel's
 * own answer, with dirfd, cwd, symlinks and ".." resolved), a failed one by the path resolved
 * lexically against the dirfd or the cwd. One EW_EV_FILE per call.
 *
 * Libraries: at each exec the new image's executable mappings are read from /proc/TID/maps
 * (the program and its ELF interpreter); after that, every mmap with PROT_EXEC of a file (the
 * seccomp filter lets only those stop) names its file through the fd it mapped. Each file is
 * reported once per process image, classified with the ELF dynamic sections: a library whose
 * SONAME (or file name) is in the DT_NEEDED closure of the program is "needed", anything else
 * mapped later is "dlopen". The DT_NEEDED/SONAME facts are cached per (dev, inode, mtime).
 *
 * The tracer registers this module only when s->cfg.deps is set when the command starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binfmt.h"
#include "memory.h"
#include "pathjoin.h"
#include "procfs.h"
#include "stack.h"
#include "tracer.h"

#define PATH_READ_MAX 4096u

#ifndef O_PATH
#define O_PATH 010000000
#endif

enum open_kind { OK_NONE = 0, OK_OPEN, OK_OPENAT, OK_CREAT, OK_OPENAT2, OK_MMAP };

/* DT_NEEDED and DT_SONAME of one ELF file. */
struct elfdyn {
	uint64_t dev, ino;
	int64_t mtime_ns, size;
	char *soname;
	char **needed;
	size_t nneeded;
	struct elfdyn *next; /* hash chain */
};

#define ELF_BUCKETS 256

/* A file already reported for a process image. */
struct seen {
	uint64_t dev, ino;
};

/* Per process (thread group): what its current image has mapped, and its DT_NEEDED closure. */
struct dproc {
	struct seen *seen;
	size_t nseen, capseen;
	char **needed; /* names, owned */
	size_t nneeded, capneeded;
	struct tr_stack *stack; /* --deps-callers: the module list, until the mappings change */
};

/* Per task: the open in progress. */
struct dtask {
	enum open_kind kind;
	int32_t dirfd;
	int64_t flags;
	uint32_t str_flags;
	struct ew_str path;   /* in arena */
	struct ew_str caller; /* in arena; NULL ptr when not walked */
	struct ew_arena arena;
};

struct dmod {
	unsigned index;
	int nr_open, nr_openat, nr_creat, nr_openat2, nr_mmap;
	struct ew_imap procs; /* tgid -> struct dproc */
	struct elfdyn *elf[ELF_BUCKETS];
	struct ew_buf tmp, tmp2;
};

/* An event waiting to be published after the tracee is resumed; owns its strings. */
struct dnote {
	struct ew_event ev;
	struct ew_arena arena;
};

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */

static void note_publish(struct tracer *tr, void *arg)
{
	struct dnote *n = arg;
	ew_publish(tr->s, &n->ev);
	ew_arena_free(&n->arena);
	free(n);
}

static struct dnote *note_new(struct tracer *tr, struct tr_task *t, enum ew_event_type type)
{
	struct dnote *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ev.type = type;
	tr_event_header(tr, t, &n->ev);
	/* The process table can change before the note is published: copy its strings. */
	n->ev.comm = ew_arena_str(&n->arena, n->ev.comm.ptr ? n->ev.comm.ptr : "", n->ev.comm.len);
	if (n->ev.exe.ptr)
		n->ev.exe = ew_arena_str(&n->arena, n->ev.exe.ptr, n->ev.exe.len);
	return n;
}

static void note_send(struct tracer *tr, struct dnote *n)
{
	n->ev.time_mono_ns = ew_now_mono();
	n->ev.time_wall_ns = ew_now_wall();
	tr_defer(tr, note_publish, n);
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ------------------------------------------------------------------------------------------ */
/* ELF dynamic facts, cached                                                                  */

static void elfdyn_free(struct elfdyn *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nneeded; i++)
		free(d->needed[i]);
	free(d->needed);
	free(d->soname);
	free(d);
}

/* Reads DT_NEEDED and DT_SONAME of the ELF file open at fd into d. Not an ELF file, or one
 * without a dynamic section: no names, which is not an error. */
static void elfdyn_read(int fd, struct elfdyn *d)
{
	static bool ready;
	if (!ready) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return;
		ready = true;
	}
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return;
	if (elf_kind(e) != ELF_K_ELF)
		goto out;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			break;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n && i < 4096; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, (int)i, &dyn))
				break;
			if (dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_SONAME)
				continue;
			const char *name = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (!name)
				continue;
			if (dyn.d_tag == DT_SONAME) {
				if (!d->soname)
					d->soname = strdup(name);
				continue;
			}
			char **nv = realloc(d->needed, (d->nneeded + 1) * sizeof(*nv));
			if (!nv)
				break;
			d->needed = nv;
			if ((nv[d->nneeded] = strdup(name)))
				d->nneeded++;
		}
		break;
	}
out:
	elf_end(e);
}

/* The cached facts of the file open as fd (stat'ed as st); NULL on ENOMEM. */
static struct elfdyn *elfdyn_get(struct dmod *m, int fd, const struct stat *st)
{
	int64_t mt = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	size_t h = (size_t)((st->st_dev * 0x9e3779b97f4a7c15ull) ^ st->st_ino) % ELF_BUCKETS;
	for (struct elfdyn *d = m->elf[h]; d; d = d->next)
		if (d->dev == st->st_dev && d->ino == st->st_ino && d->mtime_ns == mt &&
		    d->size == st->st_size)
			return d;
	struct elfdyn *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->mtime_ns = mt;
	d->size = st->st_size;
	elfdyn_read(fd, d);
	d->next = m->elf[h];
	m->elf[h] = d;
	return d;
}

/* ------------------------------------------------------------------------------------------ */
/* Per-process state                                                                          */

static void dproc_clear(struct dproc *p)
{
	for (size_t i = 0; i < p->nneeded; i++)
		free(p->needed[i]);
	p->nneeded = 0;
	p->nseen = 0;
	tr_stack_reset(&p->stack);
}

static void dproc_free(struct dproc *p)
{
	if (!p)
		return;
	dproc_clear(p);
	free(p->needed);
	free(p->seen);
	free(p);
}

static struct dproc *dproc_get(struct dmod *m, pid_t tgid)
{
	struct dproc *p = ew_imap_get(&m->procs, tgid);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (ew_imap_put(&m->procs, tgid, p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* Marks (dev, ino) seen; returns false when it was already. */
static bool dproc_see(struct dproc *p, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < p->nseen; i++)
		if (p->seen[i].dev == dev && p->seen[i].ino == ino)
			return false;
	if (p->nseen == p->capseen) {
		size_t cap = p->capseen ? p->capseen * 2 : 32;
		struct seen *v = realloc(p->seen, cap * sizeof(*v));
		if (!v)
			return true; /* report it again later rather than lose it */
		p->seen = v;
		p->capseen = cap;
	}
	p->seen[p->nseen++] = (struct seen){dev, ino};
	return true;
}

static bool dproc_needs(const struct dproc *p, const char *name)
{
	for (size_t i = 0; i < p->nneeded; i++)
		if (!strcmp(p->needed[i], name))
			return true;
	return false;
}

static void dproc_add_needed(struct dproc *p, const struct elfdyn *d)
{
	for (size_t i = 0; d && i < d->nneeded; i++) {
		if (dproc_needs(p, d->needed[i]))
			continue;
		if (p->nneeded == p->capneeded) {
			size_t cap = p->capneeded ? p->capneeded * 2 : 16;
			char **v = realloc(p->needed, cap * sizeof(*v));
			if (!v)
				return;
			p->needed = v;
			p->capneeded = cap;
		}
		if ((p->needed[p->nneeded] = strdup(d->needed[i])))
			p->nneeded++;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Libraries                                                                                  */

/* Publishes one mapped file. fd is open on it (for the ELF facts), st its stat. */
static void report_library(struct tracer *tr, struct dmod *m, struct tr_task *t, struct dproc *p,
                           const char *path, size_t plen, int fd, const struct stat *st,
                           enum ew_lib_kind kind, bool at_exec)
{
	if (!dproc_see(p, st->st_dev, st->st_ino))
		return;
	tr_stack_reset(&p->stack); /* a new module: the walker's list is stale */
	struct elfdyn *d = fd >= 0 ? elfdyn_get(m, fd, st) : NULL;
	if (kind == EW_LIB_DLOPEN && d &&
	    ((d->soname && dproc_needs(p, d->soname)) || dproc_needs(p, basename_of(path))))
		kind = EW_LIB_NEEDED;
	if (kind != EW_LIB_DLOPEN)
		dproc_add_needed(p, d); /* a dlopen'ed library's own needs stay dlopen */
	if (!ew_session_wants(tr->s, EW_EV_LIBRARY))
		return;
	struct dnote *n = note_new(tr, t, EW_EV_LIBRARY);
	if (!n)
		return;
	struct ew_library *l = &n->ev.library;
	l->path = ew_arena_str(&n->arena, path, plen);
	ew_file_info_from_stat(st, &l->info);
	l->program = n->ev.exe;
	l->at_exec = at_exec;
	l->kind = kind;
	if (d && d->soname)
		l->soname = ew_arena_cstr(&n->arena, d->soname);
	note_send(tr, n);
}

/* Opens path as the tracee sees it (through /proc/TID/root) for reading. */
static int open_in_tracee(struct dmod *m, pid_t tid, const char *path)
{
	ew_buf_clear(&m->tmp2);
	if (ew_buf_printf(&m->tmp2, "/proc/%d/root%s", (int)tid, path) < 0)
		return -ENOMEM;
	int fd = open(m->tmp2.ptr, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* After an exec: the executable mappings of the new image (the program, its interpreter). */
static void scan_maps_at_exec(struct tracer *tr, struct dmod *m, struct tr_task *t, struct dproc *p)
{
	char mpath[48];
	snprintf(mpath, sizeof(mpath), "/proc/%d/maps", (int)t->tid);
	FILE *f = fopen(mpath, "re");
	if (!f)
		return;
	struct ew_proc *proc = ew_proctab_get(&tr->s->procs, t->tgid);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	/* The program first (its DT_NEEDED seed the closure), then the rest. */
	for (int pass = 0; pass < 2; pass++) {
		rewind(f);
		while ((len = getline(&line, &cap, f)) > 0) {
			if (line[len - 1] == '\n')
				line[--len] = '\0';
			/* "start-end perms offset dev inode   path" */
			char perms[8];
			if (sscanf(line, "%*x-%*x %7s", perms) != 1 || strlen(perms) < 3 ||
			    perms[2] != 'x')
				continue;
			char *slash = strchr(line, '/');
			if (!slash)
				continue; /* anonymous, [vdso], ... */
			size_t plen = (size_t)(line + len - slash);
			if (plen > 10 && !strcmp(slash + plen - 10, " (deleted)"))
				plen -= 10;
			bool is_prog = proc && proc->exe && plen == proc->exe_len &&
			               !memcmp(slash, proc->exe, plen);
			if ((pass == 0) != is_prog)
				continue;
			char path[4096];
			if (plen >= sizeof(path))
				continue;
			memcpy(path, slash, plen);
			path[plen] = '\0';
			int fd = open_in_tracee(m, t->tid, path);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			report_library(tr, m, t, p, path, plen, fd, &st,
			               is_prog ? EW_LIB_PROGRAM : EW_LIB_INTERP, true);
			close(fd);
		}
	}
	free(line);
	fclose(f);
}

/* After a successful mmap with PROT_EXEC of fd: the file behind the fd is what got mapped. */
static void on_exec_mmap(struct tracer *tr, struct dmod *m, struct tr_task *t)
{
	int fd = (int)(int32_t)t->sc.args[4];
	if (fd < 0 || (t->sc.args[3] & MAP_ANONYMOUS))
		return;
	struct dproc *p = dproc_get(m, t->tgid);
	if (!p)
		return;
	char what[32];
	snprintf(what, sizeof(what), "fd/%d", fd);
	if (ew_procfs_readlink(t->tid, what, &m->tmp) < 0 || !m->tmp.len || m->tmp.ptr[0] != '/')
		return;
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%d", (int)t->tid, fd);
	int lfd = open(fdpath, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (lfd < 0 || fstat(lfd, &st) < 0) {
		if (lfd >= 0)
			close(lfd);
		return;
	}
	size_t plen = m->tmp.len;
	if (plen > 10 && !strcmp(m->tmp.ptr + plen - 10, " (deleted)"))
		plen -= 10;
	report_library(tr, m, t, p, m->tmp.ptr, plen, lfd, &st, EW_LIB_DLOPEN, false);
	close(lfd);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                      */

static uint32_t how_of(int64_t flags)
{
	uint32_t how = 0;
	if (flags & O_PATH)
		return EW_FILE_STAT | ((flags & O_DIRECTORY) ? EW_FILE_DIRECTORY : 0);
	switch (flags & O_ACCMODE) {
	case O_RDONLY: how |= EW_FILE_READ; break;
	case O_WRONLY: how |= EW_FILE_WRITE; break;
	default: how |= EW_FILE_READ | EW_FILE_WRITE; break;
	}
	if (flags & (O_CREAT | (O_TMPFILE & ~O_DIRECTORY)))
		how |= EW_FILE_CREATE;
	if (flags & O_TRUNC)
		how |= EW_FILE_WRITE;
	if ((flags & O_DIRECTORY) && !((flags & O_TMPFILE) == O_TMPFILE))
		how |= EW_FILE_DIRECTORY;
	return how;
}

static const char *const open_names[] = {
    [OK_OPEN] = "open",
    [OK_OPENAT] = "openat",
    [OK_CREAT] = "creat",
    [OK_OPENAT2] = "openat2",
};

static void on_open_exit(struct tracer *tr, struct dmod *m, struct tr_task *t, struct dtask *d)
{
	struct tr_sc *sc = &t->sc;
	int64_t rv = sc->rval;
	bool ok = !sc->is_error && rv >= 0;
	struct dnote *n = note_new(tr, t, EW_EV_FILE);
	if (!n)
		return;
	struct ew_file *f = &n->ev.file;
	f->syscall = open_names[d->kind];
	f->open_flags = (int32_t)d->flags;
	f->dirfd = d->dirfd;
	f->retval = rv;
	f->how = how_of(d->flags);
	f->program = n->ev.exe;
	if (d->path.ptr)
		f->arg_path = ew_arena_str(&n->arena, d->path.ptr, d->path.len);
	if (d->caller.ptr)
		f->caller = ew_arena_str(&n->arena, d->caller.ptr, d->caller.len);
	if (!ok) {
		f->how |= EW_FILE_FAILED;
		f->errno_name = rv >= -4095 ? ew_errno_name((int)-rv) : NULL;
	}
	bool named = false;
	if (ok) {
		char what[32];
		snprintf(what, sizeof(what), "fd/%d", (int)rv);
		if (ew_procfs_readlink(t->tid, what, &m->tmp) == 0 && m->tmp.len &&
		    m->tmp.ptr[0] == '/') {
			f->path = ew_arena_str(&n->arena, m->tmp.ptr, m->tmp.len);
			named = true;
		}
	}
	if (!named && d->path.ptr && !(d->str_flags & (TR_STR_FAULT | TR_STR_CUT))) {
		/* Failed (or the fd is already gone): resolve lexically. */
		struct ew_str base = {NULL, 0};
		if (d->path.len && d->path.ptr[0] == '/') {
			base = (struct ew_str){"", 0};
		} else {
			char what[32];
			if (d->dirfd == AT_FDCWD)
				snprintf(what, sizeof(what), "cwd");
			else
				snprintf(what, sizeof(what), "fd/%d", (int)d->dirfd);
			if (ew_procfs_readlink(t->tid, what, &m->tmp) == 0 && m->tmp.len &&
			    m->tmp.ptr[0] == '/')
				base = (struct ew_str){m->tmp.ptr, m->tmp.len};
		}
		if (base.ptr &&
		    ew_path_join_clean(&m->tmp2, base.ptr, base.len, d->path.ptr, d->path.len) == 0)
			f->path = ew_arena_str(&n->arena, m->tmp2.ptr, m->tmp2.len);
	}
	note_send(tr, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Module interface                                                                           */

static void d_want(struct tracer *tr, void *mstate, struct tr_sysset *set)
{
	struct dmod *m = mstate;
	(void)tr;
	tr_sysset_add(set, m->nr_open);
	tr_sysset_add(set, m->nr_openat);
	tr_sysset_add(set, m->nr_creat);
	tr_sysset_add(set, m->nr_openat2);
	tr_sysset_add_if(set, m->nr_mmap, 2, PROT_EXEC);
}

static unsigned d_enter(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct dmod *m = mstate;
	struct tr_sc *sc = &t->sc;
	if (sc->nr == m->nr_mmap) {
		/* 64-bit callers only: i386's mmap takes a struct, its mmap2 has no canonical nr.
		 */
		bool want = sc->arch == AUDIT_ARCH_X86_64 && (sc->args[2] & PROT_EXEC) &&
		            !(sc->args[3] & MAP_ANONYMOUS) && (int32_t)sc->args[4] >= 0;
		if (want) {
			struct dtask *d = t->mod[m->index];
			if (d)
				d->kind = OK_MMAP;
		}
		return want ? TR_WANT_EXIT : 0;
	}
	enum open_kind kind = sc->nr == m->nr_openat    ? OK_OPENAT
	                      : sc->nr == m->nr_open    ? OK_OPEN
	                      : sc->nr == m->nr_creat   ? OK_CREAT
	                      : sc->nr == m->nr_openat2 ? OK_OPENAT2
	                                                : OK_NONE;
	if (kind == OK_NONE || !ew_session_wants(tr->s, EW_EV_FILE))
		return 0;
	struct dtask *d = t->mod[m->index];
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return 0;
		t->mod[m->index] = d;
	}
	ew_arena_reset(&d->arena);
	d->kind = kind;
	d->dirfd = AT_FDCWD;
	uint64_t path_arg;
	switch (kind) {
	case OK_OPEN:
		path_arg = sc->args[0];
		d->flags = (int64_t)(int32_t)sc->args[1];
		break;
	case OK_CREAT:
		path_arg = sc->args[0];
		d->flags = O_CREAT | O_WRONLY | O_TRUNC;
		break;
	case OK_OPENAT:
		d->dirfd = (int32_t)sc->args[0];
		path_arg = sc->args[1];
		d->flags = (int64_t)(int32_t)sc->args[2];
		break;
	default: { /* openat2: struct open_how { u64 flags, mode, resolve; } */
		d->dirfd = (int32_t)sc->args[0];
		path_arg = sc->args[1];
		uint64_t fl = 0;
		if (sc->args[3] >= sizeof(fl) &&
		    tr_mem_read(t->tid, sc->args[2], &fl, sizeof(fl)) == (ssize_t)sizeof(fl))
			d->flags = (int64_t)fl;
		else
			d->flags = 0;
		break;
	}
	}
	if (tr_mem_str(t->tid, path_arg, PATH_READ_MAX, &d->arena, &d->path, &d->str_flags) < 0)
		d->path = (struct ew_str){NULL, 0};
	d->caller = (struct ew_str){NULL, 0};
	if (tr->s->cfg.deps_callers) {
		struct dproc *p = dproc_get(m, t->tgid);
		if (p && tr_stack_caller(&p->stack, t->tgid, t->tid, &m->tmp) == 0)
			d->caller = ew_arena_str(&d->arena, m->tmp.ptr, m->tmp.len);
	}
	return TR_WANT_EXIT;
}

static void d_exit(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct dmod *m = mstate;
	struct dtask *d = t->mod[m->index];
	if (t->sc.nr == m->nr_mmap) {
		if (!t->sc.is_error)
			on_exec_mmap(tr, m, t);
		return;
	}
	if (!d || d->kind == OK_NONE || d->kind == OK_MMAP)
		return;
	on_open_exit(tr, m, t, d);
	d->kind = OK_NONE;
}

static void d_exec(struct tracer *tr, void *mstate, struct tr_task *t, pid_t old_tid)
{
	struct dmod *m = mstate;
	(void)old_tid;
	/* A new image: nothing of the old one is mapped any more. */
	struct dproc *p = dproc_get(m, t->tgid);
	if (!p)
		return;
	dproc_clear(p);
	scan_maps_at_exec(tr, m, t, p);
}

static void d_fork(struct tracer *tr, void *mstate, struct tr_task *parent, struct tr_task *child)
{
	struct dmod *m = mstate;
	(void)tr;
	if (!parent)
		return;
	/* The child has the parent's mappings: it must not report them again. (Its stack walker
	 * is its own: built at its first walk.) */
	struct dproc *pp = ew_imap_get(&m->procs, parent->tgid);
	if (!pp)
		return;
	struct dproc *c = dproc_get(m, child->tgid);
	if (!c || c == pp)
		return;
	dproc_clear(c);
	for (size_t i = 0; i < pp->nseen; i++)
		(void)dproc_see(c, pp->seen[i].dev, pp->seen[i].ino);
	for (size_t i = 0; i < pp->nneeded; i++) {
		struct elfdyn one = {.needed = &pp->needed[i], .nneeded = 1};
		dproc_add_needed(c, &one);
	}
}

static void d_task_gone(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct dmod *m = mstate;
	(void)tr;
	struct dtask *d = t->mod[m->index];
	if (d) {
		ew_arena_free(&d->arena);
		free(d);
		t->mod[m->index] = NULL;
	}
	if (t->tid == t->tgid)
		dproc_free(ew_imap_del(&m->procs, t->tgid));
}

static void d_destroy(void *mstate)
{
	struct dmod *m = mstate;
	if (!m)
		return;
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&m->procs, &pos, NULL, &v))
		dproc_free(v);
	ew_imap_free(&m->procs);
	for (size_t i = 0; i < ELF_BUCKETS; i++) {
		struct elfdyn *d = m->elf[i];
		while (d) {
			struct elfdyn *next = d->next;
			elfdyn_free(d);
			d = next;
		}
	}
	ew_buf_free(&m->tmp);
	ew_buf_free(&m->tmp2);
	free(m);
}

const struct tr_module tr_deps_module = {
    .name = "deps",
    .want = d_want,
    .enter = d_enter,
    .exit = d_exit,
    .exec = d_exec,
    .fork = d_fork,
    .task_gone = d_task_gone,
    .destroy = d_destroy,
};

int tr_deps_module_new(struct tracer *tr, void **mstate)
{
	struct dmod *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nr_open = ew_sys_lookup("open");
	m->nr_openat = ew_sys_lookup("openat");
	m->nr_creat = ew_sys_lookup("creat");
	m->nr_openat2 = ew_sys_lookup("openat2");
	m->nr_mmap = ew_sys_lookup("mmap");
	m->index = tr->nmods;
	*mstate = m;
	return 0;
}
