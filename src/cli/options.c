/* SPDX-License-Identifier: MIT */
#include "options.h"

#include "cli.h"
#include "sysset.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int ew_usage_error(const char *verb, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ew_err("%s: %s", verb, msg);
	fprintf(stderr, "Try 'execwatch %s --help'.\n", verb);
	return 2;
}

const char *ew_opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
			 bool *matched)
{
	const char *a = argv[*i];
	size_t n;
	*matched = false;
	if (lng && !strncmp(a, lng, n = strlen(lng)) && (a[n] == '\0' || a[n] == '=')) {
		*matched = true;
		if (a[n] == '=')
			return a + n + 1;
	} else if (shrt && !strncmp(a, shrt, n = strlen(shrt))) {
		*matched = true;
		if (a[n])
			return a + n;
	} else {
		return NULL;
	}
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int ew_parse_record(int argc, char **argv, struct ew_record_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->trace = argc > 0 && !strcmp(argv[0], "trace");
	o->backend = "ptrace";
	o->string_limit = 256;
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool m;
		const char *v;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break; /* the command starts here */
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = true;
			return 0;
		}
		if (!strcmp(a, "--deps")) {
			o->deps = true;
			continue;
		}
		if (!strcmp(a, "--deps-callers")) {
			o->deps = o->deps_callers = true;
			continue;
		}
		if (!strcmp(a, "--one-cpu")) {
			o->one_cpu = true;
			continue;
		}
		if (!strcmp(a, "-f") || !strcmp(a, "--force")) {
			o->force = true;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--output", "-o", &m);
		if (m) {
			if (!v || !*v)
				return fail(err, errlen, "option -o needs a file name");
			o->output = v;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--json", NULL, &m);
		if (m) {
			if (!v || !*v)
				return fail(err, errlen, "option --json needs a file name or -");
			o->json = v;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--plugin", NULL, &m);
		if (m) {
			if (!v || !*v)
				return fail(err, errlen, "option --plugin needs LIB.so[:ARG]");
			if (o->nplugins >= EW_MAX_PLUGINS)
				return fail(err, errlen, "at most %d plugins", EW_MAX_PLUGINS);
			o->plugins[o->nplugins++] = v;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--policy", NULL, &m);
		if (m) {
			if (!v || !*v)
				return fail(err, errlen, "option --policy needs a file name");
			if (o->npolicies >= EW_MAX_POLICIES)
				return fail(err, errlen, "at most %d policies", EW_MAX_POLICIES);
			o->policies[o->npolicies++] = v;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--backend", NULL, &m);
		if (m) {
			if (!v || (strcmp(v, "ptrace") && strcmp(v, "bpf")))
				return fail(err, errlen, "option --backend takes ptrace or bpf");
			o->backend = v;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--pid", "-p", &m);
		if (m) {
			long pid;
			if (!v || !parse_int(v, 1, INT_MAX, &pid))
				return fail(err, errlen, "option -p needs a process id, got '%s'",
					    v ? v : "");
			o->attach_pid = (pid_t)pid;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--string-limit", "-s", &m);
		if (m) {
			long n;
			if (!v || !parse_int(v, 0, 1 << 20, &n))
				return fail(err, errlen, "option -s needs a length (0..1048576)");
			o->string_limit = (int)n;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--syscalls", NULL, &m);
		if (m) {
			struct ew_sysset set;
			char why[200];
			if (!v)
				return fail(err, errlen, "option --syscalls needs a set (exec, file, all, openat,read, ...)");
			if (ew_sysset_parse(v, &set, why, sizeof(why)) < 0)
				return fail(err, errlen, "%s", why);
			o->syscalls = v;
			continue;
		}
		v = ew_opt_value(argc, argv, &i, "--comm", NULL, &m);
		if (m) {
			if (!v || !*v)
				return fail(err, errlen, "option --comm needs a process name");
			if (strlen(v) > 15)
				return fail(err, errlen, "option --comm: '%s' is longer than a process name (15 bytes)", v);
			if (o->ncomms >= EW_MAX_COMMS)
				return fail(err, errlen, "at most %d --comm options", EW_MAX_COMMS);
			o->comms[o->ncomms++] = v;
			continue;
		}
		return fail(err, errlen, "unknown option '%s' (see 'execwatch %s --help')", a,
			    o->trace ? "trace" : "record");
	}
	if (i < argc)
		o->command = &argv[i];
	if (o->attach_pid && o->command)
		return fail(err, errlen, "give either -p PID or a command, not both");
	if (!o->attach_pid && !o->command)
		return fail(err, errlen, "no command given (usage: execwatch %s [OPTIONS] -- COMMAND [ARG...])",
			    o->trace ? "trace" : "record");
	if (!o->trace && !o->output)
		o->output = "execwatch.db";
	return 0;
}

const char *ew_record_usage(bool trace)
{
	if (trace)
		return "usage: execwatch trace [OPTIONS] -- COMMAND [ARG...]\n"
		       "       execwatch trace [OPTIONS] -p PID\n"
		       "Print every exec, fork and exit of COMMAND's process tree as it happens.\n"
		       "\n"
		       "  -o, --output FILE      write the live text to FILE instead of stderr\n"
		       "      --json FILE|-      also write JSON Lines to FILE (- = stdout)\n"
		       "      --plugin LIB[:ARG] load a plugin (repeatable)\n"
		       "  -p, --pid PID          attach to a running process instead of COMMAND\n"
		       "      --policy FILE      decide every exec by this policy (repeatable; docs/POLICY.md)\n"
		       "      --backend NAME     ptrace (default) or bpf (root)\n"
		       "      --deps             also trace file opens and libraries mapped executable\n"
		       "  -s, --string-limit N   longest string rendered in syscall arguments (256)\n"
		       "      --syscalls SET     log these syscalls, decoded: exec (default), file,\n"
		       "                         desc, process, network, memory, signal, all, none,\n"
		       "                         or names (openat,read); !NAME excludes\n"
		       "      --comm NAME        log syscalls only of processes named NAME (repeatable)\n"
		       "      --one-cpu          run execwatch and COMMAND on one CPU: faster syscall\n"
		       "                         logging (no cross-CPU wakeups), no parallelism\n"
		       "  -h, --help             show this help\n";
	return "usage: execwatch record [OPTIONS] -- COMMAND [ARG...]\n"
	       "       execwatch record [OPTIONS] -p PID\n"
	       "Run COMMAND, record every exec (successful or failed), fork and exit of its\n"
	       "process tree to a SQLite database, and exit with COMMAND's status.\n"
	       "\n"
	       "  -o, --output FILE      database to write (default execwatch.db; an existing\n"
	       "                         file is kept as FILE.old)\n"
	       "  -f, --force            replace an existing database instead of keeping FILE.old\n"
	       "      --json FILE|-      also write JSON Lines to FILE (- = stdout)\n"
	       "      --plugin LIB[:ARG] load a plugin (repeatable)\n"
	       "  -p, --pid PID          attach to a running process instead of COMMAND\n"
	       "      --policy FILE      decide every exec by this policy (repeatable; docs/POLICY.md)\n"
	       "      --backend NAME     ptrace (default) or bpf (root)\n"
	       "      --deps             also record file opens and libraries mapped executable\n"
	       "                         (dependency fingerprint: see 'execwatch deps')\n"
	       "      --deps-callers     --deps, and attribute each open to the library whose\n"
	       "                         code made it (a stack walk per open: slower)\n"
	       "  -s, --string-limit N   longest string rendered in syscall arguments (256)\n"
	       "      --syscalls SET     log these syscalls, decoded: exec (default), file,\n"
	       "                         desc, process, network, memory, signal, all, none,\n"
	       "                         or names (openat,read); !NAME excludes\n"
	       "      --comm NAME        log syscalls only of processes named NAME (repeatable)\n"
	       "      --one-cpu          run execwatch and COMMAND on one CPU: faster syscall\n"
	       "                         logging (no cross-CPU wakeups), no parallelism\n"
	       "  -h, --help             show this help\n";
}
