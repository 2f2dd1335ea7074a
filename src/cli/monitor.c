/* SPDX-License-Identifier: MIT */
/*
 * monitor.c - the `monitor` verb: every exec (successful and failed), fork and exit on the
 * host, live, through the eBPF backend, until SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "execwatch.h"
#include "session.h"
#ifdef EW_HAVE_BPF
#include "bpf/ewbpf.h"
#endif

static const char monitor_usage[] =
	"usage: execwatch monitor [OPTIONS]\n"
	"Report every exec (successful or failed), fork and exit on this host as it happens,\n"
	"with the eBPF backend (root), until interrupted (^C, SIGTERM).\n"
	"\n"
	"      --json FILE|-      write JSON Lines to FILE (- = stdout)\n"
	"  -o, --output FILE.db   write a SQLite database (must not exist)\n"
	"      --comm NAME        only tasks whose comm is NAME (for execs: before or after)\n"
	"      --failed           only failed execs\n"
	"      --kill PATH        kill every process right after it execs PATH (by device and\n"
	"                         inode; repeatable)\n"
	"  -h, --help             show this help\n"
	"Without --json or -o, one line per event is printed on stdout.\n";

#ifdef EW_HAVE_BPF
static struct ew_session *volatile g_mon;

static void on_stop_signal(int sig)
{
	int saved = errno;
	if (g_mon)
		ew_session_stop(g_mon, sig, 1);
	errno = saved;
}

/* Is argv[*i] option lng (or shrt)? *v gets its value, NULL when missing. */
static bool opt(int argc, char **argv, int *i, const char *lng, const char *shrt, const char **v)
{
	bool m;
	*v = ew_opt_value(argc, argv, i, lng, shrt, &m);
	return m;
}
#endif

int ew_cmd_monitor(int argc, char **argv)
{
#ifndef EW_HAVE_BPF
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(monitor_usage, stdout);
			return 0;
		}
	}
	ew_err("monitor needs the eBPF backend, which this build lacks (it was built without "
	       "clang/bpftool/libbpf or with -DEW_BPF=OFF); use 'execwatch trace' (ptrace) instead");
	return 1;
#else
	static struct ew_bpf_opts o;
	memset(&o, 0, sizeof(o));
	const char *json = NULL, *db = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(monitor_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--failed")) {
			o.failed_only = true;
		} else if (opt(argc, argv, &i, "--json", NULL, &v)) {
			if (!v || !*v) {
				ew_err("option --json needs a file name or -");
				return 2;
			}
			json = v;
		} else if (opt(argc, argv, &i, "--output", "-o", &v)) {
			if (!v || !*v) {
				ew_err("option -o needs a file name");
				return 2;
			}
			db = v;
		} else if (opt(argc, argv, &i, "--comm", NULL, &v)) {
			if (!v || !*v) {
				ew_err("option --comm needs a name");
				return 2;
			}
			o.comm = v;
		} else if (opt(argc, argv, &i, "--kill", NULL, &v)) {
			struct stat st;
			if (!v || !*v) {
				ew_err("option --kill needs a file");
				return 2;
			}
			if (stat(v, &st) < 0) {
				ew_err("--kill %s: %s", v, strerror(errno));
				return 2;
			}
			if (o.ndeny >= EW_BPF_MAX_DENY) {
				ew_err("at most %d --kill files", EW_BPF_MAX_DENY);
				return 2;
			}
			o.deny_dev[o.ndeny] = st.st_dev;
			o.deny_ino[o.ndeny] = st.st_ino;
			o.ndeny++;
		} else {
			ew_err("unknown option '%s' (see 'execwatch monitor --help')", a);
			return 2;
		}
	}

	struct ew_session *s;
	int r = ew_session_new(&s);
	if (r < 0) {
		ew_err("%s", strerror(-r));
		return 1;
	}
	int status = 1;
	r = ew_bpf_configure(s, &o);
	if (r < 0) {
		ew_err("cannot use the eBPF backend: %s", strerror(-r));
		goto out;
	}
	if (json) {
		int fd = 1;
		bool close_fd = false;
		if (strcmp(json, "-")) {
			fd = open(json, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
			if (fd < 0) {
				ew_err("cannot write '%s': %s", json, strerror(errno));
				goto out;
			}
			close_fd = true;
		}
		r = ew_session_add_jsonl(s, fd, close_fd);
		if (r < 0) {
			ew_err("cannot write JSON to '%s': %s", json, strerror(-r));
			goto out;
		}
	}
	if (db) {
		r = ew_session_add_sqlite(s, db);
		if (r < 0) {
			ew_err("cannot create database '%s': %s", db,
			       r == -EEXIST ? "it exists already" : strerror(-r));
			goto out;
		}
	}
	if (!json && !db) {
		r = ew_session_add_text(s, 1, false);
		if (r < 0) {
			ew_err("cannot write text output: %s", strerror(-r));
			goto out;
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	g_mon = s;
	r = ew_bpf_monitor(s);
	if (r < 0) {
		g_mon = NULL;
		const char *e = ew_bpf_last_error(s);
		ew_err("cannot start monitoring: %s", e && *e ? e : strerror(-r));
		if (db)
			unlink(db);
		goto out;
	}
	uint64_t to, tl, ta;
	ew_bpf_startup_detail(s, &to, &tl, &ta);
	fprintf(stderr, "execwatch: monitoring every exec on this host (eBPF attached in %.0f ms: "
			"open %.0f, load %.0f, attach %.0f); ^C to stop\n",
		(double)ew_bpf_startup_us(s) / 1000.0, (double)to / 1000.0, (double)tl / 1000.0,
		(double)ta / 1000.0);
	int st = 0;
	r = ew_session_run(s, &st);
	g_mon = NULL;
	status = 0;
	if (r < 0) {
		ew_err("monitoring failed: %s", strerror(-r));
		status = 1;
	}
	if (s->info.lost)
		ew_err("%llu events were lost (ring buffer full)", (unsigned long long)s->info.lost);
out:
	ew_session_free(s);
	return status;
#endif
}
