/* SPDX-License-Identifier: MIT */
/*
 * record.c - the `record` and `trace` verbs: set up outputs, run the command under
 * observation, relay signals, and exit with the command's status.
 *
 * Order matters for "lose nothing, half-write nothing": every output is created before the
 * command starts (an unwritable one fails first), and a failure to start removes what was
 * created. Signals: the first SIGINT/SIGTERM/SIGHUP/SIGQUIT sent by another process is
 * forwarded to the command (a terminal's ^C reaches it directly) and recording goes on until
 * the tree ends; a second one kills the tree (or detaches from an attached process); either
 * way every sink is flushed and closed, so the database is complete up to the stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "deps/manifest.h"
#include "execwatch.h"
#include "options.h"
#include "session.h"
#ifdef EW_HAVE_BPF
#include "bpf/ewbpf.h"
#endif

int ew_ptrace_spawn_errno(struct ew_session *s);
const char *ew_plugin_last_error(void);

void ew_err(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "execwatch: %s\n", line);
}

static struct ew_session *volatile g_session;
static volatile sig_atomic_t g_signals;
static volatile sig_atomic_t g_attached;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	struct ew_session *s = g_session;
	int n = ++g_signals;
	if (s) {
		if (g_attached || n > 1)
			ew_session_stop(s, sig, 1);
		else if (si->si_code != SI_KERNEL)
			ew_session_stop(s, sig, 0); /* sent by kill(): pass it on */
		/* SI_KERNEL: the terminal sent it to the whole foreground group already. */
	}
	errno = saved;
}

/* SIGUSR1 toggles syscall logging. */
static void on_usr1(int sig)
{
	(void)sig;
	struct ew_session *s = g_session;
	if (!s)
		return;
	if (ew_session_syscalls_enabled(s))
		ew_session_disable_syscalls(s);
	else
		ew_session_enable_syscalls(s);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: the wait loop must see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	struct sigaction su;
	memset(&su, 0, sizeof(su));
	su.sa_handler = on_usr1;
	su.sa_flags = SA_RESTART;
	sigemptyset(&su.sa_mask);
	sigaction(SIGUSR1, &su, NULL);
	/* A closed --json pipe must give EPIPE, not kill us; blocked (not ignored) so the
	 * command does not inherit an ignored SIGPIPE (the child clears its mask). */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Files this run created, removed again if the command never starts. */
struct created {
	char *paths[8];
	int n;
};

static void created_add(struct created *c, const char *p)
{
	if (c->n < 8)
		c->paths[c->n++] = strdup(p);
}

static void created_remove(struct created *c)
{
	for (int i = 0; i < c->n; i++) {
		if (!c->paths[i])
			continue;
		unlink(c->paths[i]);
		char side[4200];
		snprintf(side, sizeof(side), "%s-wal", c->paths[i]);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", c->paths[i]);
		unlink(side);
	}
}

static void created_free(struct created *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->paths[i]);
	c->n = 0;
}

/* perf-style: an existing database is kept as FILE.old (with its WAL side files). */
static int move_old(const char *path, bool force)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	char old[4200], side[4200], oside[4200];
	const char *sfx[] = {"-wal", "-shm"};
	if (force) {
		if (unlink(path) < 0)
			return -errno;
	} else {
		snprintf(old, sizeof(old), "%s.old", path);
		if (rename(path, old) < 0)
			return -errno;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
		snprintf(oside, sizeof(oside), "%s.old%s", path, sfx[i]);
		if (force)
			unlink(side);
		else if (rename(side, oside) < 0 && errno != ENOENT)
			unlink(side);
	}
	return 0;
}

static int open_out(const char *path, struct created *c, int *fd)
{
	struct stat st;
	bool existed = stat(path, &st) == 0;
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (f < 0)
		return -errno;
	if (!existed)
		created_add(c, path);
	*fd = f;
	return 0;
}

static const char *attach_hint(int err)
{
	switch (err) {
	case ESRCH:
		return "no such process";
	case EPERM:
		return "operation not permitted (another tracer, a setuid process, or "
		       "/proc/sys/kernel/yama/ptrace_scope forbids it)";
	default:
		return strerror(err);
	}
}

/* The eBPF backend's explanation of a failed start, or NULL. */
static const char *backend_error(struct ew_session *s)
{
#ifdef EW_HAVE_BPF
	const char *e = ew_bpf_last_error(s);
	return e && *e ? e : NULL;
#else
	(void)s;
	return NULL;
#endif
}

int ew_cmd_record(int argc, char **argv)
{
	struct ew_record_opts o;
	char err[512];
	if (ew_parse_record(argc, argv, &o, err, sizeof(err)) < 0) {
		ew_err("%s", err);
		return 2;
	}
	if (o.help) {
		fputs(ew_record_usage(o.trace), stdout);
		return 0;
	}
	/* Check the target before creating anything: a bad pid must leave no file behind. */
	if (o.attach_pid && kill(o.attach_pid, 0) < 0 && errno == ESRCH) {
		ew_err("cannot attach to %d: %s", (int)o.attach_pid, attach_hint(ESRCH));
		return 1;
	}

	struct ew_session *s;
	int r = ew_session_new(&s);
	if (r < 0) {
		ew_err("%s", strerror(-r));
		return 1;
	}
	s->cfg.string_limit = o.string_limit;
	if (o.one_cpu) {
		/* Tracer and tracees on one CPU: every stop is a local context switch instead
		 * of a cross-CPU wakeup; the tree inherits the mask. */
		int cpu = sched_getcpu();
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu >= 0 ? cpu : 0, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			ew_err("--one-cpu: cannot set the CPU affinity: %s", strerror(errno));
	}
	if (o.syscalls && ew_session_set_syscalls(s, o.syscalls) < 0) {
		ew_err("bad --syscalls set '%s'", o.syscalls);
		ew_session_free(s);
		return 2;
	}
	for (size_t i = 0; i < o.ncomms; i++) {
		if (ew_session_add_comm(s, o.comms[i]) < 0) {
			ew_err("bad --comm '%s'", o.comms[i]);
			ew_session_free(s);
			return 2;
		}
	}
	struct created made = {{0}, 0};
	int status = 1;
	bool seal = false; /* --deps: checksum the dependencies once the database is closed */
	r = ew_session_set_backend(s, o.backend);
	if (r < 0) {
		ew_err("backend '%s' is not available in this build%s", o.backend,
		       strcmp(o.backend, "bpf") ? "" :
		       " (built without clang/bpftool/libbpf or with -DEW_BPF=OFF); use --backend ptrace");
		goto out;
	}
	if (o.deps && (r = ew_session_trace_deps(s, true)) < 0) {
		ew_err("--deps is not available with the %s backend", o.backend);
		goto out;
	}
	if (o.deps_callers && (r = ew_session_trace_deps_callers(s, true)) < 0) {
		ew_err("--deps-callers is not available in this build (no libdw) or with the %s backend",
		       o.backend);
		goto out;
	}

	if (o.npolicies) {
		if (strcmp(o.backend, "ptrace")) {
			ew_err("--policy needs the ptrace backend (the eBPF backend only observes)");
			status = 2;
			goto out;
		}
		for (size_t i = 0; i < o.npolicies; i++) {
			r = ew_session_load_policy(s, o.policies[i], err, sizeof(err));
			if (r < 0) {
				ew_err("policy: %s", err);
				status = 2;
				goto out;
			}
		}
	}
	if (o.json) {
		int fd = 1;
		bool close_fd = false;
		if (strcmp(o.json, "-")) {
			r = open_out(o.json, &made, &fd);
			if (r < 0) {
				ew_err("cannot write '%s': %s", o.json, strerror(-r));
				goto fail;
			}
			close_fd = true;
		}
		r = ew_session_add_jsonl(s, fd, close_fd);
		if (r < 0) {
			ew_err("cannot write JSON to '%s': %s", o.json, strerror(-r));
			goto fail;
		}
	}
	if (o.trace) {
		int fd = 2;
		bool close_fd = false;
		if (o.output) {
			r = open_out(o.output, &made, &fd);
			if (r < 0) {
				ew_err("cannot write '%s': %s", o.output, strerror(-r));
				goto fail;
			}
			close_fd = true;
		}
		r = ew_session_add_text(s, fd, close_fd);
		if (r < 0) {
			ew_err("cannot write text output: %s", strerror(-r));
			goto fail;
		}
	} else {
		r = move_old(o.output, o.force);
		if (r < 0) {
			ew_err("cannot move the existing '%s' aside: %s", o.output, strerror(-r));
			goto fail;
		}
		r = ew_session_add_sqlite(s, o.output);
		if (r < 0) {
			ew_err("cannot create database '%s': %s", o.output, strerror(-r));
			goto fail;
		}
		created_add(&made, o.output);
	}
	for (size_t i = 0; i < o.nplugins; i++) {
		char lib[4096];
		const char *arg = NULL;
		const char *colon = strchr(o.plugins[i], ':');
		size_t n = colon ? (size_t)(colon - o.plugins[i]) : strlen(o.plugins[i]);
		if (n >= sizeof(lib)) {
			ew_err("plugin path too long");
			goto fail;
		}
		memcpy(lib, o.plugins[i], n);
		lib[n] = '\0';
		if (colon)
			arg = colon + 1;
		/* dlopen searches the library path for a bare name: make a file name explicit. */
		char path[4200];
		snprintf(path, sizeof(path), "%s%s", strchr(lib, '/') ? "" : "./", lib);
		r = ew_session_load_plugin(s, path, arg);
		if (r < 0) {
			const char *why = r == -ENOENT ? ew_plugin_last_error() :
					  r == -ENOEXEC ? "not an execwatch plugin (no ew_plugin_abi/ew_plugin_init)" :
					  r == -EPROTO ? "built for another execwatch ABI" :
							 strerror(-r);
			ew_err("cannot load plugin '%s': %s", lib, why ? why : "cannot open");
			goto fail;
		}
	}

	install_signals();
	g_session = s;
	if (o.attach_pid) {
		g_attached = 1;
		r = ew_session_attach(s, o.attach_pid);
		if (r < 0) {
			const char *be = backend_error(s);
			ew_err("cannot attach to %d: %s", (int)o.attach_pid, be ? be : attach_hint(-r));
			goto fail;
		}
	} else {
		r = ew_session_spawn(s, o.command);
		if (r < 0) {
			const char *be = backend_error(s);
			if (be)
				ew_err("cannot start '%s': %s", o.command[0], be);
			else
			ew_err("cannot start '%s': %s", o.command[0],
			       r == -ECHILD ? "the child ended before it could be traced" :
			       r == -EPERM || r == -EACCES ?
					      "cannot install the seccomp filter or trace the child (ptrace/seccomp not permitted here)" :
					      strerror(-r));
			goto fail;
		}
	}
	created_free(&made);
	r = ew_session_run(s, &status);
	g_session = NULL;
	int spawn_err = ew_ptrace_spawn_errno(s);
#ifdef EW_HAVE_BPF
	if (!spawn_err)
		spawn_err = ew_bpf_spawn_errno(s);
	if (s->info.lost)
		ew_err("%llu events were lost (ring buffer full)", (unsigned long long)s->info.lost);
#endif
	if (spawn_err)
		ew_err("%s: %s", o.command[0], strerror(spawn_err));
	if (r < 0) {
		ew_err("recording failed: %s", strerror(-r));
		if (!status)
			status = 1;
	}
	seal = o.deps && !o.trace && r >= 0;
	goto out;
fail:
	g_session = NULL;
	status = 1;
	ew_session_free(s);
	s = NULL;
	created_remove(&made);
out:
	created_free(&made);
	ew_session_free(s);
	if (seal) {
		struct ew_hashcache *cache = NULL;
		r = ew_hashcache_open(NULL, &cache);
		if (!r)
			r = ew_deps_seal(o.output, cache);
		if (r < 0)
			ew_err("cannot store the checksums of the dependencies in '%s': %s", o.output,
			       strerror(-r));
		(void)ew_hashcache_save(cache);
		ew_hashcache_free(cache);
	}
	return status;
}
