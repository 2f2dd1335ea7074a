/* SPDX-License-Identifier: MIT */
/*
 * guard.c - the exec guard module: decides every execve/execveat at its seccomp entry stop,
 * before anything runs, and re-verifies after the exec that what was mapped is what was checked.
 *
 * At the entry: open the program from the tracee's point of view (/proc/TID/{root,cwd,fd/N},
 * symlinks followed unless AT_SYMLINK_NOFOLLOW; AT_EMPTY_PATH uses the fd itself), name it by
 * the resolved path of the opened file, follow "#!" interpreters (up to 4 levels, as the kernel)
 * and the final ELF's PT_INTERP, then run the checks in this order, the first denial deciding:
 *   segvguard (program) -> unreadable ELF (every file) -> path rules (every file) -> TPE
 *   (every file) -> fileless, script (program) -> ELF checks (the ELF that will run) -> force
 *   checksums (every file).
 * A denial skips the syscall (nr = -1, return -EACCES) and, for kill/stop/abort, signals the
 * process; exit ends the whole traced tree and makes execwatch exit with EACCES's status.
 *
 * After the exec (PTRACE_EVENT_EXEC) every file mapping of the new image must be the checked
 * program or its checked interpreter (device + inode), and /proc/PID/exe must be the program:
 * otherwise something was swapped in between (a rename race) and the process is killed before
 * it runs a single instruction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "binfmt.h"
#include "memory.h"
#include "policy.h"
#include "procfs.h"
#include "tracer.h"

#define MAX_BINS 6 /* program, up to 4 "#!" levels, PT_INTERP */
#define PATH_MAX_READ 4096

/* A file's identity as /proc/PID/maps shows it. On some file systems (overlayfs on older
 * kernels) that differs from what stat(2) says, so it is learned by mapping the file in
 * execwatch itself and asking our own maps (once per file, cached). */
struct ident {
	bool known;
	uint64_t dev, ino;
};

/* ELF facts of recently seen files, by identity: libelf is not run again for an unchanged file. */
#define FCACHE_SLOTS 64
struct fent {
	bool used;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int result; /* ew_elf_facts_fd's return */
	struct ew_elf_facts facts;
	struct ident mapped;
};

struct gmod {
	struct fent *fcache; /* FCACHE_SLOTS entries */
	struct ew_pol *pol;
	struct ew_hash_cache *hashes;
	struct ew_segvguard *sg;
	unsigned index;
	int nr_execve, nr_execveat;
	struct ew_buf tmp;
	bool maps_text; /* $EW_TEST_MAPS_TEXT: test the text fallback of the mappings check */
	int self_maps;  /* /proc/self/maps, for mapped identities */
};

static void learn_mapped(struct gmod *m, int fd, off_t size, struct ident *out);

/* Per task: what the allowed exec is expected to map. */
struct gtask {
	bool armed;
	bool check_maps; /* the mappings are known (ELF facts read), not only the program */
	bool maps_text;  /* parse /proc/PID/maps text even where PROCMAP_QUERY works (tests) */
	uint64_t exe_dev, exe_ino;
	bool has_interp;
	uint64_t in_dev, in_ino;
	struct ident exe_mapped, in_mapped;
	char path[256]; /* for the verify event */
};

/* One file of the chain. */
struct bin {
	int fd;
	bool readable;
	struct stat st;
	char *path;      /* resolved, as execwatch sees it */
	size_t len;
	bool script;
	bool elf;
	struct ew_elf_facts ef;
	struct ident mapped; /* as the mappings will show it (ELF files only) */
	bool replaced;       /* its name was unlinked or replaced after we opened it */
	bool bad_elf;        /* ELF magic, but not an ELF file we can read: cannot be checked */
};

struct verdict {
	enum ew_action act;
	const char *check;
	const char *path;
	char rule[4200];
	char reason[4608];
	char tip[8400];
	bool has_tip;
};

/* ---- events ------------------------------------------------------------------------------ */

struct pnote {
	struct ew_event ev;
	char data[];
};

static void publish_note(struct tracer *tr, void *arg)
{
	struct pnote *n = arg;
	ew_publish(tr->s, &n->ev);
	free(n);
}

static char *put(char *p, struct ew_str *dst, const char *src, size_t len)
{
	memcpy(p, src, len);
	p[len] = '\0';
	*dst = (struct ew_str){p, len};
	return p + len + 1;
}

static void emit(struct tracer *tr, struct tr_task *t, const struct verdict *v)
{
	if (v->act == EW_ACT_FILTER || !ew_session_wants(tr->s, EW_EV_POLICY))
		return;
	struct ew_event h = {.type = EW_EV_POLICY};
	tr_event_header(tr, t, &h);
	const char *path = v->path ? v->path : "";
	size_t lens[6] = {h.comm.len, h.exe.ptr ? h.exe.len : 0, strlen(path), strlen(v->rule),
			  strlen(v->reason), v->has_tip ? strlen(v->tip) : 0};
	size_t total = 6;
	for (int i = 0; i < 6; i++)
		total += lens[i];
	struct pnote *n = calloc(1, sizeof(*n) + total);
	if (!n)
		return;
	n->ev = h;
	char *p = n->data;
	p = put(p, &n->ev.comm, h.comm.ptr ? h.comm.ptr : "", lens[0]);
	if (h.exe.ptr)
		p = put(p, &n->ev.exe, h.exe.ptr, lens[1]);
	struct ew_policy *pe = &n->ev.policy;
	pe->action = v->act;
	pe->check = v->check;
	p = put(p, &pe->path, path, lens[2]);
	p = put(p, &pe->rule, v->rule, lens[3]);
	p = put(p, &pe->reason, v->reason, lens[4]);
	if (v->has_tip)
		p = put(p, &pe->tip, v->tip, lens[5]);
	n->ev.time_mono_ns = ew_now_mono();
	n->ev.time_wall_ns = ew_now_wall();
	tr_defer(tr, publish_note, n);
}

/* A path as a literal pattern: metacharacters and blanks escaped. */
static void escape_pattern(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 3 < cap; i++) {
		char c = s[i];
		if (c == '*' || c == '?' || c == '[' || c == '\\' || c == ' ' || c == '\t' || c == '#')
			out[o++] = '\\';
		out[o++] = c;
	}
	out[o] = '\0';
}

static void set_rule(const struct ew_pol *p, struct verdict *v, struct ew_ploc loc)
{
	ew_ploc_format(p, loc, v->rule, sizeof(v->rule));
}

/* ---- opening files from the tracee's point of view ------------------------------------- */

static void bin_close(struct bin *b)
{
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int elf_facts_cached(struct gmod *m, struct bin *b)
{
	const struct stat *st = &b->st;
	size_t h = (size_t)((st->st_ino * 0x9e3779b97f4a7c15ull) ^ st->st_dev) % FCACHE_SLOTS;
	struct fent *e = m->fcache ? &m->fcache[h] : NULL;
	if (e && e->used && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	    same_time(&e->mtime, &st->st_mtim) && same_time(&e->ctime, &st->st_ctim)) {
		if (e->result == 0)
			b->ef = e->facts;
		b->mapped = e->mapped;
		return e->result;
	}
	int r = ew_elf_facts_fd(b->fd, &b->ef);
	if (r == 0)
		learn_mapped(m, b->fd, st->st_size, &b->mapped);
	if (e && (r == 0 || r == -ENOEXEC)) {
		e->used = true;
		e->dev = st->st_dev;
		e->ino = st->st_ino;
		e->size = st->st_size;
		e->mtime = st->st_mtim;
		e->ctime = st->st_ctim;
		e->result = r;
		e->mapped = b->mapped;
		if (r == 0)
			e->facts = b->ef;
	}
	return r;
}

/* Opens where (a tracer-side path), fills b. Returns 0 or -errno. */
static int bin_open(struct gmod *m, const char *where, bool nofollow, struct bin *b)
{
	int fl = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0);
	b->fd = open(where, fl);
	b->readable = b->fd >= 0;
	if (b->fd < 0 && (errno == EACCES || errno == EPERM))
		b->fd = open(where, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (b->fd < 0)
		return -errno;
	if (fstat(b->fd, &b->st) < 0)
		return -errno;
	char link[64];
	snprintf(link, sizeof(link), "fd/%d", b->fd);
	if (ew_procfs_readlink(getpid(), link, &m->tmp) < 0)
		return -ENOENT;
	b->path = strndup(m->tmp.ptr, m->tmp.len);
	if (!b->path)
		return -ENOMEM;
	b->len = m->tmp.len;
	/* " (deleted)": the name we opened was unlinked or renamed over since (a swap race, or
	 * a deleted file). Judge the file by the name it had, which is the name the exec used
	 * (so a "force" line for that name still pins it) -- unless a file really has that name. */
	static const char del[] = " (deleted)";
	const size_t dl = sizeof(del) - 1;
	if (b->len > dl && !memcmp(b->path + b->len - dl, del, dl)) {
		struct stat ls;
		if (lstat(b->path, &ls) < 0 || ls.st_dev != b->st.st_dev || ls.st_ino != b->st.st_ino) {
			b->len -= dl;
			b->path[b->len] = '\0';
			b->replaced = true;
		}
	}
	if (!S_ISREG(b->st.st_mode) || !b->readable)
		return 0;
	unsigned char head[EW_BINPRM_BUF];
	ssize_t n = pread(b->fd, head, sizeof(head), 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!')
		b->script = true;
	else if (n >= 4 && !memcmp(head, "\177ELF", 4)) {
		b->elf = elf_facts_cached(m, b) == 0;
		b->bad_elf = !b->elf;
	}
	return 0;
}

/* The tracer-side path reaching (dirfd, path) in the tracee. */
static int tracee_where(struct ew_buf *out, pid_t tid, int dirfd, const char *path, size_t plen)
{
	ew_buf_clear(out);
	if (plen && path[0] == '/')
		return ew_buf_printf(out, "/proc/%d/root", (int)tid) ?: ew_buf_append(out, path, plen);
	if (dirfd != AT_FDCWD)
		return ew_buf_printf(out, "/proc/%d/fd/%d/", (int)tid, dirfd) ?:
		       ew_buf_append(out, path, plen);
	return ew_buf_printf(out, "/proc/%d/cwd/", (int)tid) ?: ew_buf_append(out, path, plen);
}

/* ---- checks ------------------------------------------------------------------------------ */

static bool is_fileless(const struct bin *b)
{
	return b->st.st_nlink == 0 || !strncmp(b->path, "/memfd:", 7);
}

/* Caller ids from /proc/TID/status: effective uid, gid, supplementary groups. */
static bool caller_ids(pid_t tid, uid_t *euid, gid_t *egid, gid_t *groups, size_t *ngroups)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	size_t cap = *ngroups;
	*ngroups = 0;
	unsigned long r, e;
	char *l = strstr(buf, "\nUid:");
	if (!l || sscanf(l + 5, "%lu %lu", &r, &e) != 2)
		return false;
	*euid = (uid_t)e;
	l = strstr(buf, "\nGid:");
	if (!l || sscanf(l + 5, "%lu %lu", &r, &e) != 2)
		return false;
	*egid = (gid_t)e;
	l = strstr(buf, "\nGroups:");
	if (l) {
		char *p = l + 8, *end;
		while (*ngroups < cap) {
			unsigned long g = strtoul(p, &end, 10);
			if (end == p)
				break;
			groups[(*ngroups)++] = (gid_t)g;
			p = end;
		}
	}
	return true;
}

/* TPE: is the file's directory trusted? Returns true when trusted; reason otherwise. */
static bool tpe_trusted(const struct ew_pol *p, const struct bin *b, uid_t euid, char *why,
			size_t wlen)
{
	char dir[PATH_MAX_READ + 1];
	const char *slash = memrchr(b->path, '/', b->len);
	size_t dl = slash ? (size_t)(slash - b->path) : 0;
	if (dl >= sizeof(dir))
		dl = sizeof(dir) - 1;
	if (dl == 0) {
		dir[0] = '/';
		dl = 1;
	} else {
		memcpy(dir, b->path, dl);
	}
	dir[dl] = '\0';
	struct stat st;
	if (stat(dir, &st) < 0) {
		snprintf(why, wlen, "cannot stat directory %s: %s", dir, strerror(errno));
		return false;
	}
	bool owner_ok = st.st_uid == 0 || (p->tpe_user && st.st_uid == euid);
	if (!owner_ok) {
		snprintf(why, wlen, "directory %s is owned by uid %u, not root%s", dir, (unsigned)st.st_uid,
			 p->tpe_user ? " or the user" : "");
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, wlen, "directory %s is writable by %s", dir,
			 (st.st_mode & S_IWOTH) ? "others" : "its group");
		return false;
	}
	return true;
}

static bool tpe_applies(const struct ew_pol *p, pid_t tid, uid_t *euid)
{
	gid_t egid, groups[256];
	size_t ng = 256;
	*euid = (uid_t)-1;
	if (!caller_ids(tid, euid, &egid, groups, &ng))
		return true;
	if (p->tpe_gid < 0)
		return true;
	bool member = egid == (gid_t)p->tpe_gid;
	for (size_t i = 0; i < ng && !member; i++)
		member = groups[i] == (gid_t)p->tpe_gid;
	/* tpe gid N: members of N are trusted; negated: only members of N are checked. */
	return p->tpe_negate ? member : !member;
}

static void deny_check(const struct ew_pol *p, struct verdict *v, enum ew_pcheck c,
		       const struct bin *b, const char *reason)
{
	v->act = (enum ew_action)p->check[c];
	v->check = c == EW_PC_TPE ? "tpe" : "elf";
	v->path = b->path;
	set_rule(p, v, p->check_loc[c]);
	if (!strcmp(v->rule, "default"))
		snprintf(v->rule, sizeof(v->rule), "default:check %s", ew_pcheck_name(c));
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	snprintf(v->tip, sizeof(v->tip), "check %s off", ew_pcheck_name(c));
	v->has_tip = true;
}

/* Runs every check; returns true when v holds a denial (or the final allow/warn). Warnings met
 * on the way are emitted at once. */
static void decide(struct gmod *m, struct tracer *tr, struct tr_task *t, struct bin *bins,
		   size_t nb, size_t elf_idx, struct verdict *v)
{
	const struct ew_pol *p = m->pol;
	struct bin *prog = &bins[0];

	/* segvguard */
	if (p->sg_max && ew_segvguard_suspended(m->sg, p, prog->path, prog->len, ew_now_mono() / 1000000000u)) {
		v->act = p->sg_act;
		v->check = "segvguard";
		v->path = prog->path;
		set_rule(p, v, p->sg_loc);
		snprintf(v->reason, sizeof(v->reason),
			 "crashed %u times within %u s: suspended for %u s", p->sg_max, p->sg_expiry,
			 p->sg_suspension);
		snprintf(v->tip, sizeof(v->tip), "segvguard off");
		v->has_tip = true;
		if (ew_action_denies(v->act))
			return;
		emit(tr, t, v);
	}

	/* An ELF file libelf cannot read cannot be checked: the kernel refuses almost all of them
	 * anyway; one it would run must not skip the ELF checks. */
	for (size_t i = 0; i < nb; i++) {
		if (!bins[i].bad_elf)
			continue;
		v->act = EW_ACT_DENY;
		v->check = "elf";
		v->path = bins[i].path;
		snprintf(v->rule, sizeof(v->rule), "default");
		snprintf(v->reason, sizeof(v->reason), "malformed ELF file: cannot be checked");
		v->has_tip = false;
		return;
	}

	/* path rules */
	long first_rule = -2;
	for (size_t i = 0; i < nb; i++) {
		long rule;
		enum ew_action a = ew_pol_match_path(p, bins[i].path, bins[i].len, &rule);
		if (i == 0)
			first_rule = rule;
		if (a == EW_ACT_ALLOW)
			continue;
		v->act = a;
		v->check = "path";
		v->path = bins[i].path;
		if (rule >= 0)
			set_rule(p, v, p->rules[rule].loc);
		else
			set_rule(p, v, p->def_loc);
		char esc[PATH_MAX_READ * 2 + 8];
		escape_pattern(bins[i].path, bins[i].len, esc, sizeof(esc));
		snprintf(v->reason, sizeof(v->reason), "%s %s by %s",
			 i == 0 ? "program" : (bins[i].elf ? "ELF interpreter" : "script interpreter"),
			 ew_action_denies(a) ? "denied" : "matched", rule >= 0 ? "a rule" : "the default");
		snprintf(v->tip, sizeof(v->tip), "%s %s", ew_action_denies(a) ? "allow" : "deny", esc);
		v->has_tip = true;
		if (ew_action_denies(a))
			return;
		emit(tr, t, v); /* warn */
	}

	/* TPE */
	if (p->check[EW_PC_TPE] >= 0) {
		uid_t euid;
		if (tpe_applies(p, t->tid, &euid)) {
			for (size_t i = 0; i < nb; i++) {
				char why[4400];
				if (is_fileless(&bins[i]) || tpe_trusted(p, &bins[i], euid, why, sizeof(why)))
					continue;
				char reason[4500];
				snprintf(reason, sizeof(reason), "untrusted path: %s", why);
				deny_check(p, v, EW_PC_TPE, &bins[i], reason);
				if (ew_action_denies(v->act))
					return;
				emit(tr, t, v);
			}
		}
	}

	/* What the program is */
	if (p->check[EW_PC_FILELESS] >= 0 && is_fileless(prog)) {
		deny_check(p, v, EW_PC_FILELESS, prog, "fileless exec (memfd or deleted file)");
		if (ew_action_denies(v->act))
			return;
		emit(tr, t, v);
	}
	if (p->check[EW_PC_SCRIPT] >= 0 && prog->script) {
		deny_check(p, v, EW_PC_SCRIPT, prog, "script exec");
		if (ew_action_denies(v->act))
			return;
		emit(tr, t, v);
	}
	if (elf_idx < nb) {
		const struct bin *e = &bins[elf_idx];
		const struct ew_elf_facts *f = &e->ef;
		struct {
			enum ew_pcheck c;
			bool hit;
			const char *why;
		} ec[] = {
			{EW_PC_LDSO, ew_elf_is_ldso(f), "shared object run directly (ld.so indirection)"},
			{EW_PC_ELF32, f->is32, "32-bit ELF"},
			{EW_PC_DYNAMIC, f->has_interp, "dynamically linked ELF"},
			{EW_PC_STATIC, !f->has_interp, "statically linked ELF"},
			{EW_PC_NOPIE, !ew_elf_is_pie(f), "ELF is not position independent (PIE)"},
			{EW_PC_EXECSTACK, f->exec_stack,
			 f->gnu_stack ? "ELF has an executable stack (PT_GNU_STACK with X)" :
					"ELF has an executable stack (no PT_GNU_STACK)"},
		};
		for (size_t i = 0; i < sizeof(ec) / sizeof(ec[0]); i++) {
			if (p->check[ec[i].c] < 0 || !ec[i].hit)
				continue;
			deny_check(p, v, ec[i].c, e, ec[i].why);
			if (ew_action_denies(v->act))
				return;
			emit(tr, t, v);
		}
	}

	/* force */
	for (size_t i = 0; i < nb; i++) {
		const struct ew_pforce *f = ew_pol_force_for(p, bins[i].path, bins[i].len);
		if (!f)
			continue;
		uint8_t d[EW_HASH_MAX];
		int r = bins[i].readable ? ew_hash_file(m->hashes, bins[i].fd, &bins[i].st, f->algo, d) : -EACCES;
		if (r == 0 && !memcmp(d, f->digest, f->dlen))
			continue;
		v->act = f->act;
		v->check = "force";
		v->path = bins[i].path;
		set_rule(p, v, f->loc);
		char esc[PATH_MAX_READ * 2 + 8];
		escape_pattern(bins[i].path, bins[i].len, esc, sizeof(esc));
		if (r == 0) {
			char have[EW_HASH_MAX * 2 + 1], want[EW_HASH_MAX * 2 + 1];
			ew_hex(d, f->dlen, have);
			ew_hex(f->digest, f->dlen, want);
			snprintf(v->reason, sizeof(v->reason), "checksum mismatch: %s:%s is not %s",
				 ew_hash_name(f->algo), have, want);
			snprintf(v->tip, sizeof(v->tip), "force %s %s:%s", esc, ew_hash_name(f->algo), have);
		} else {
			snprintf(v->reason, sizeof(v->reason), "cannot compute the checksum: %s", strerror(-r));
			snprintf(v->tip, sizeof(v->tip), "make the file readable by execwatch");
		}
		v->has_tip = true;
		if (ew_action_denies(v->act))
			return;
		emit(tr, t, v);
	}

	/* Allowed. */
	v->act = EW_ACT_ALLOW;
	v->check = "path";
	v->path = prog->path;
	if (first_rule >= 0)
		set_rule(p, v, p->rules[first_rule].loc);
	else
		set_rule(p, v, p->def_loc);
	snprintf(v->reason, sizeof(v->reason), "allowed by %s", first_rule >= 0 ? "a rule" : "the default");
	char esc[PATH_MAX_READ * 2 + 8];
	escape_pattern(prog->path, prog->len, esc, sizeof(esc));
	snprintf(v->tip, sizeof(v->tip), "deny %s", esc);
	v->has_tip = true;
}

/* ---- the module -------------------------------------------------------------------------- */

static void g_want(struct tracer *tr, void *mstate, struct tr_sysset *set)
{
	struct gmod *m = mstate;
	(void)tr;
	tr_sysset_add(set, m->nr_execve);
	tr_sysset_add(set, m->nr_execveat);
}

static struct gtask *gtask_of(struct gmod *m, struct tr_task *t)
{
	struct gtask *g = t->mod[m->index];
	if (!g) {
		g = calloc(1, sizeof(*g));
		t->mod[m->index] = g;
	}
	return g;
}

/* Carries out a denial. */
static void enforce(struct tracer *tr, struct tr_task *t, enum ew_action act)
{
	t->sc.denied = true;
	t->sc.deny_errno = EACCES;
	switch (act) {
	case EW_ACT_KILL:
		kill(t->tgid, SIGKILL);
		break;
	case EW_ACT_STOP:
		kill(t->tgid, SIGSTOP);
		break;
	case EW_ACT_ABORT:
		(void)syscall(SYS_tgkill, t->tgid, t->tid, SIGABRT);
		break;
	case EW_ACT_EXIT:
		tr->s->exit_override = EACCES;
		ew_session_stop(tr->s, SIGKILL, 1);
		break;
	default:
		break;
	}
}

static unsigned g_enter(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct gmod *m = mstate;
	struct tr_sc *sc = &t->sc;
	bool at = sc->nr == m->nr_execveat;
	if (sc->nr != m->nr_execve && !at)
		return 0;
	struct gtask *g = gtask_of(m, t);
	if (!g)
		return 0;
	g->armed = false;
	if (sc->denied)
		return 0; /* another module already refused it */

	int dirfd = at ? (int)sc->args[0] : AT_FDCWD;
	uint32_t atfl = at ? (uint32_t)sc->args[4] : 0;
	char path[PATH_MAX_READ + 1];
	size_t plen;
	const struct ew_exec *cx = tr_exec_current(tr, t);
	if (cx && (cx->dirfd == dirfd || !at)) {
		/* The exec module read it already (it runs first). */
		if (!cx->path.ptr || (cx->flags & (EW_EXEC_PATH_FAULT | EW_EXEC_PATH_TRUNCATED)) ||
		    cx->path.len > PATH_MAX_READ)
			return 0; /* the kernel fails it: EFAULT, ENAMETOOLONG */
		plen = cx->path.len;
		memcpy(path, cx->path.ptr, plen);
	} else {
		/* Up to the end of the page first: reading beyond could fault pages in. */
		uint64_t addr = sc->args[at ? 1 : 0];
		size_t want = 4096 - (size_t)(addr & 4095);
		ssize_t n = tr_mem_read(t->tid, addr, path, want);
		if (n == (ssize_t)want && !memchr(path, '\0', want) && want < PATH_MAX_READ) {
			ssize_t m2 = tr_mem_read(t->tid, addr + want, path + want, PATH_MAX_READ - want);
			n = m2 > 0 ? n + m2 : n;
		}
		if (n <= 0)
			return 0; /* unreadable: the kernel fails it with EFAULT */
		plen = strnlen(path, (size_t)n);
		if (plen == (size_t)n)
			return 0; /* longer than PATH_MAX: ENAMETOOLONG */
	}
	path[plen] = '\0';
	if (memchr(path, '\0', plen))
		return 0;

	struct bin bins[MAX_BINS];
	for (int i = 0; i < MAX_BINS; i++) {
		memset(&bins[i], 0, sizeof(bins[i]));
		bins[i].fd = -1;
	}
	size_t nb = 0;
	int r;
	if (at && (atfl & AT_EMPTY_PATH) && plen == 0) {
		ew_buf_clear(&m->tmp);
		char where[64];
		snprintf(where, sizeof(where), "/proc/%d/fd/%d", (int)t->tid, dirfd);
		r = bin_open(m, where, false, &bins[0]);
	} else {
		if (!plen)
			return 0; /* ENOENT */
		struct ew_buf w = EW_BUF_INIT;
		r = tracee_where(&w, t->tid, dirfd, path, plen);
		if (r == 0)
			r = bin_open(m, w.ptr, (atfl & AT_SYMLINK_NOFOLLOW) != 0, &bins[0]);
		ew_buf_free(&w);
	}
	nb = 1;
	if (r < 0 || !S_ISREG(bins[0].st.st_mode)) {
		/* Nothing the kernel could run (it will fail the call), or we cannot see it: the
		 * exec goes ahead only if the kernel can run it, which post-exec verification
		 * then cannot vouch for. Deny what we cannot check, unless it cannot run. */
		if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP || r == -ENAMETOOLONG ||
		    (r == 0 && !S_ISREG(bins[0].st.st_mode)) || r == -EBADF) {
			bin_close(&bins[0]);
			return 0;
		}
		struct verdict v = {.act = EW_ACT_DENY, .check = "path", .path = path};
		snprintf(v.rule, sizeof(v.rule), "default");
		snprintf(v.reason, sizeof(v.reason), "cannot examine the program: %s", strerror(-r));
		emit(tr, t, &v);
		enforce(tr, t, EW_ACT_DENY);
		bin_close(&bins[0]);
		return 0;
	}
	/* Follow "#!" interpreters, then the ELF's PT_INTERP. */
	size_t elf_idx = MAX_BINS;
	while (nb < MAX_BINS) {
		struct bin *b = &bins[nb - 1];
		char ip[PATH_MAX_READ + 1];
		size_t il = 0;
		if (b->script) {
			struct ew_binfmt bf;
			unsigned char head[EW_BINPRM_BUF];
			ssize_t hn = pread(b->fd, head, sizeof(head), 0);
			if (hn <= 0)
				break;
			ew_binfmt_parse(head, (size_t)hn, -1, &bf);
			if (!bf.interp_len || bf.interp_len > PATH_MAX_READ)
				break;
			memcpy(ip, bf.interp, bf.interp_len);
			il = bf.interp_len;
		} else if (b->elf) {
			elf_idx = nb - 1;
			if (!b->ef.has_interp)
				break;
			il = strlen(b->ef.interp);
			memcpy(ip, b->ef.interp, il);
		} else {
			break;
		}
		ip[il] = '\0';
		struct ew_buf w = EW_BUF_INIT;
		r = tracee_where(&w, t->tid, AT_FDCWD, ip, il);
		if (r == 0)
			r = bin_open(m, w.ptr, false, &bins[nb]);
		ew_buf_free(&w);
		if (r < 0) {
			bin_close(&bins[nb]);
			break; /* the kernel will fail (ENOENT): nothing runs */
		}
		nb++;
		if (b->elf)
			break; /* PT_INTERP is the last one */
	}

	struct verdict v;
	memset(&v, 0, sizeof(v));
	decide(m, tr, t, bins, nb, elf_idx, &v);
	emit(tr, t, &v);
	if (ew_action_denies(v.act)) {
		enforce(tr, t, v.act);
	} else {
		/* The file the kernel will map as the program: the ELF at the end of the chain (or,
		 * when we could not read it, the last file: then only /proc/PID/exe is compared). */
		size_t x = elf_idx < nb ? elf_idx : nb - 1;
		g->armed = true;
		g->check_maps = elf_idx < nb;
		g->exe_dev = bins[x].st.st_dev;
		g->exe_ino = bins[x].st.st_ino;
		g->has_interp = x + 1 < nb;
		g->exe_mapped = bins[x].mapped;
		g->in_mapped = (struct ident){0};
		if (g->has_interp) {
			g->in_dev = bins[x + 1].st.st_dev;
			g->in_ino = bins[x + 1].st.st_ino;
			g->in_mapped = bins[x + 1].mapped;
		}
		snprintf(g->path, sizeof(g->path), "%s", bins[x].path);
		g->maps_text = m->maps_text;
	}
	for (size_t i = 0; i < nb; i++)
		bin_close(&bins[i]);
	return 0;
}

/* The file-backed mappings of a process, from its open /proc/PID/maps: by the PROCMAP_QUERY
 * ioctl (Linux 6.11+: no text is generated) or, where that is missing, by parsing the text. */
struct procmap_query_v1 {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define EW_PROCMAP_QUERY _IOWR('f', 17, struct procmap_query_v1)
#define EW_PMQ_COVERING_OR_NEXT 0x10
#define EW_PMQ_FILE_BACKED 0x20

struct map_iter {
	int fd;
	int mode;       /* 0: try the ioctl, 1: ioctl works, 2: text */
	uint64_t addr;  /* ioctl: where to continue */
	char buf[8192]; /* text: what was read and not yet parsed */
	size_t len, pos;
	bool eof, failed;
};

static bool map_next_text(struct map_iter *it, uint64_t *start, uint64_t *dev, uint64_t *ino)
{
	for (;;) {
		char *nl = it->pos < it->len ? memchr(it->buf + it->pos, '\n', it->len - it->pos) : NULL;
		if (!nl) {
			if (it->eof)
				return false;
			memmove(it->buf, it->buf + it->pos, it->len - it->pos);
			it->len -= it->pos;
			it->pos = 0;
			if (it->len == sizeof(it->buf)) {
				it->len = 0; /* a line longer than the buffer: the path; drop it */
			}
			ssize_t n = read(it->fd, it->buf + it->len, sizeof(it->buf) - it->len);
			if (n < 0) {
				it->failed = true;
				return false;
			}
			if (n == 0)
				it->eof = true;
			it->len += (size_t)n;
			if (n == 0 && it->pos == it->len)
				return false;
			if (n == 0) {
				it->buf[it->len] = '\n'; /* a last line without a newline */
				if (it->len < sizeof(it->buf))
					it->len++;
			}
			continue;
		}
		char *line = it->buf + it->pos;
		*nl = '\0';
		it->pos = (size_t)(nl - it->buf) + 1;
		/* "start-end perms offset MAJ:MIN inode path" */
		*start = strtoull(line, NULL, 16);
		char *p = line;
		for (int field = 0; field < 3; field++) {
			p = strchr(p, ' ');
			if (!p)
				break;
			p++;
		}
		if (!p)
			continue;
		char *end;
		unsigned long maj = strtoul(p, &end, 16);
		if (*end != ':')
			continue;
		unsigned long min = strtoul(end + 1, &end, 16);
		if (*end != ' ')
			continue;
		unsigned long long in = strtoull(end + 1, &end, 10);
		if (in == 0)
			continue;
		*dev = makedev(maj, min);
		*ino = in;
		return true;
	}
}

static bool map_next(struct map_iter *it, uint64_t *start, uint64_t *dev, uint64_t *ino)
{
	if (it->mode != 2) {
		struct procmap_query_v1 q = {
			.size = sizeof(q),
			.query_flags = EW_PMQ_COVERING_OR_NEXT | EW_PMQ_FILE_BACKED,
			.query_addr = it->addr,
		};
		if (ioctl(it->fd, EW_PROCMAP_QUERY, &q) == 0) {
			it->mode = 1;
			it->addr = q.vma_end;
			*start = q.vma_start;
			*dev = makedev(q.dev_major, q.dev_minor);
			*ino = q.inode;
			return true;
		}
		if (errno == ENOENT && it->mode == 1)
			return false; /* no more mappings */
		if (it->mode == 1 || errno == ENOENT) {
			/* ENOENT on the first query: no file mapping at all */
			if (errno != ENOENT)
				it->failed = true;
			return false;
		}
		it->mode = 2; /* ENOTTY, EINVAL: an older kernel */
	}
	return map_next_text(it, start, dev, ino);
}

static void learn_mapped(struct gmod *m, int fd, off_t size, struct ident *out)
{
	*out = (struct ident){0};
	if (m->self_maps < 0 || size <= 0)
		return;
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return;
	struct map_iter it = {.fd = m->self_maps, .mode = m->maps_text ? 2 : 0,
			      .addr = (uint64_t)(uintptr_t)p};
	if (it.mode == 2 && lseek(m->self_maps, 0, SEEK_SET) < 0)
		it.failed = true;
	uint64_t start, dev, ino;
	while (!it.failed && map_next(&it, &start, &dev, &ino)) {
		if (start == (uint64_t)(uintptr_t)p) {
			*out = (struct ident){true, dev, ino};
			break;
		}
		if (it.mode == 1)
			break; /* the ioctl answered for our address: it is not file-backed?! */
	}
	munmap(p, 4096);
}

/* Compares the new image's mappings with what was checked; returns false on a mismatch. */
static bool verify_maps(pid_t pid, const struct gtask *g, char *why, size_t wlen)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	struct stat st;
	if (stat(path, &st) < 0) {
		snprintf(why, wlen, "cannot stat the new program: %s", strerror(errno));
		return errno == ENOENT || errno == ESRCH; /* already gone: nothing runs */
	}
	bool exe_ok = (st.st_dev == g->exe_dev && st.st_ino == g->exe_ino) ||
		      (g->exe_mapped.known && st.st_dev == g->exe_mapped.dev && st.st_ino == g->exe_mapped.ino);
	if (!exe_ok) {
		snprintf(why, wlen, "the program run (dev %u:%u inode %" PRIu64 ") is not the one checked (dev %u:%u inode %" PRIu64 ")",
			 major(st.st_dev), minor(st.st_dev), (uint64_t)st.st_ino, major(g->exe_dev),
			 minor(g->exe_dev), g->exe_ino);
		return false;
	}
	if (!g->check_maps)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wlen, "cannot read the mappings: %s", strerror(errno));
		return errno == ENOENT || errno == ESRCH;
	}
	bool ok = true, saw_interp = false;
	struct map_iter it = {.fd = fd, .mode = g->maps_text ? 2 : 0};
	uint64_t start, dev, ino;
	while (ok && map_next(&it, &start, &dev, &ino)) {
		if ((dev == g->exe_dev && ino == g->exe_ino) ||
		    (g->exe_mapped.known && dev == g->exe_mapped.dev && ino == g->exe_mapped.ino))
			continue;
		if (g->has_interp && ((dev == g->in_dev && ino == g->in_ino) ||
				      (g->in_mapped.known && dev == g->in_mapped.dev && ino == g->in_mapped.ino))) {
			saw_interp = true;
			continue;
		}
		snprintf(why, wlen, "an unchecked file is mapped (dev %u:%u inode %" PRIu64 ")", major(dev),
			 minor(dev), ino);
		ok = false;
	}
	close(fd);
	if (it.failed) {
		snprintf(why, wlen, "cannot read the mappings");
		ok = false;
	}
	if (ok && g->has_interp && !saw_interp) {
		snprintf(why, wlen, "the ELF interpreter mapped is not the one checked");
		ok = false;
	}
	return ok;
}

static void g_exec(struct tracer *tr, void *mstate, struct tr_task *t, pid_t old_tid)
{
	struct gmod *m = mstate;
	(void)old_tid;
	struct gtask *g = t->mod[m->index];
	if (!g) {
		/* Never seen at an entry: a task attached (-p) in the middle of its execve. Judge
		 * the program now, by path, before it runs an instruction. */
		if (ew_procfs_readlink(t->tgid, "exe", &m->tmp) < 0)
			return;
		long rule;
		enum ew_action a = ew_pol_match_path(m->pol, m->tmp.ptr, m->tmp.len, &rule);
		if (!ew_action_denies(a))
			return;
		struct verdict v = {.act = EW_ACT_KILL, .check = "path", .path = m->tmp.ptr};
		set_rule(m->pol, &v, rule >= 0 ? m->pol->rules[rule].loc : m->pol->def_loc);
		snprintf(v.reason, sizeof(v.reason), "exec in progress at attach, denied by %s",
			 rule >= 0 ? "a rule" : "the default");
		emit(tr, t, &v);
		kill(t->tgid, SIGKILL);
		return;
	}
	if (!g->armed) {
		/* An exec we did not approve: the file appeared or changed after the entry. */
		struct verdict v = {.act = EW_ACT_KILL, .check = "verify", .path = "?"};
		snprintf(v.rule, sizeof(v.rule), "default");
		snprintf(v.reason, sizeof(v.reason), "the exec was not checked at its entry");
		emit(tr, t, &v);
		kill(t->tgid, SIGKILL);
		return;
	}
	g->armed = false;
	char why[512];
	if (verify_maps(t->tgid, g, why, sizeof(why)))
		return;
	struct verdict v = {.act = EW_ACT_KILL, .check = "verify", .path = g->path};
	snprintf(v.rule, sizeof(v.rule), "default");
	snprintf(v.reason, sizeof(v.reason), "swapped between check and exec: %s", why);
	emit(tr, t, &v);
	kill(t->tgid, SIGKILL);
}

static void g_task_gone(struct tracer *tr, void *mstate, struct tr_task *t)
{
	struct gmod *m = mstate;
	(void)tr;
	free(t->mod[m->index]);
	t->mod[m->index] = NULL;
}

static void on_exit_event(const struct ew_event *ev, void *ud)
{
	struct gmod *m = ud;
	if (ev->exit.thread || !ev->exit.signaled || !ew_sig_dumps_core(ev->exit.signal) || !ev->exe.ptr)
		return;
	ew_segvguard_crash(m->sg, m->pol, ev->exe.ptr, ev->exe.len, ew_now_mono() / 1000000000u);
}

static void g_destroy(void *mstate)
{
	struct gmod *m = mstate;
	ew_hash_cache_free(m->hashes);
	ew_segvguard_free(m->sg);
	free(m->fcache);
	if (m->self_maps >= 0)
		close(m->self_maps);
	ew_buf_free(&m->tmp);
	free(m);
}

const struct tr_module tr_guard_module = {
	.name = "guard",
	.want = g_want,
	.enter = g_enter,
	.exec = g_exec,
	.task_gone = g_task_gone,
	.destroy = g_destroy,
};

int tr_guard_module_new(struct tracer *tr, void **mstate)
{
	struct gmod *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->pol = tr->s->policy;
	m->nr_execve = ew_sys_lookup("execve");
	m->nr_execveat = ew_sys_lookup("execveat");
	m->index = tr->nmods;
	m->maps_text = getenv("EW_TEST_MAPS_TEXT") != NULL;
	m->self_maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	m->fcache = calloc(FCACHE_SLOTS, sizeof(*m->fcache)); /* optional: NULL = no cache */
	int r = ew_hash_cache_new(&m->hashes);
	if (r == 0)
		r = ew_segvguard_new(&m->sg);
	if (r == 0 && m->pol->sg_max) {
		int id = ew_subscribe(tr->s, EW_MASK(EW_EV_EXIT), on_exit_event, m);
		if (id < 0)
			r = id;
	}
	if (r < 0) {
		g_destroy(m);
		return r;
	}
	*mstate = m;
	return 0;
}
