/* SPDX-License-Identifier: MIT */
/*
 * session.c - sessions, the event bus, plugins, and the names every module shares.
 */
#define _GNU_SOURCE
#include "session.h"
#include "ptrace/stack.h"
#include "policy.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

EW_EXPORT const char *ew_version(void)
{
	return EW_VERSION_STRING;
}

static const char *const event_names[EW_EV__COUNT] = {
	[EW_EV_EXEC] = "exec",	     [EW_EV_FORK] = "fork",	[EW_EV_EXIT] = "exit",
	[EW_EV_SYSCALL] = "syscall", [EW_EV_FILE] = "file",	[EW_EV_LIBRARY] = "library",
	[EW_EV_POLICY] = "policy",   [EW_EV_LOST] = "lost",
};

EW_EXPORT const char *ew_event_type_name(enum ew_event_type type)
{
	if ((unsigned)type >= EW_EV__COUNT)
		return NULL;
	return event_names[type];
}

EW_EXPORT const char *ew_action_name(enum ew_action act)
{
	static const char *const names[] = {"allow", "warn", "filter", "deny",
					    "kill",  "stop", "abort",  "exit"};
	if ((unsigned)act >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[act];
}

EW_EXPORT const char *ew_lib_kind_name(enum ew_lib_kind kind)
{
	static const char *const names[] = {"program", "interpreter", "needed", "dlopen"};
	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[kind];
}

EW_EXPORT const char *ew_errno_name(int err)
{
	if (err <= 0)
		return NULL;
	return strerrorname_np(err);
}

EW_EXPORT const char *ew_errno_text(int err)
{
	const char *d = err > 0 ? strerrordesc_np(err) : NULL;
	return d ? d : "Unknown error";
}

uint64_t ew_now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ew_now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

EW_EXPORT int ew_session_new(struct ew_session **out)
{
	struct ew_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg.max_args = EW_DEFAULT_MAX_ARGS;
	s->cfg.max_arg_bytes = EW_DEFAULT_MAX_ARG_BYTES;
	s->cfg.string_limit = 256;
	s->cfg.strv_limit = 32;
	char err[128];
	(void)ew_sysset_parse(EW_SYSSET_DEFAULT, &s->cfg.syscalls, err, sizeof(err));
	s->backend_ops = &ew_backend_ptrace;
	s->next_sub_id = 1;
	*out = s;
	return 0;
}

EW_EXPORT int ew_session_set_syscalls(struct ew_session *s, const char *set)
{
	char err[256];
	if (s->started)
		return -EBUSY;
	struct ew_sysset ss;
	if (ew_sysset_parse(set, &ss, err, sizeof(err)) < 0)
		return -EINVAL;
	s->cfg.syscalls = ss;
	return 0;
}

EW_EXPORT int ew_session_add_comm(struct ew_session *s, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (!n || n > 15)
		return -EINVAL;
	if (s->started)
		return -EBUSY;
	char(*c)[16] = realloc(s->cfg.comms, (s->cfg.ncomms + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c[s->cfg.ncomms], 0, sizeof(c[0]));
	memcpy(c[s->cfg.ncomms], name, n);
	s->cfg.comms = c;
	s->cfg.ncomms++;
	return 0;
}

EW_EXPORT void ew_session_enable_syscalls(struct ew_session *s)
{
	s->syscalls_off = 0;
}

EW_EXPORT void ew_session_disable_syscalls(struct ew_session *s)
{
	s->syscalls_off = 1;
}

EW_EXPORT bool ew_session_syscalls_enabled(const struct ew_session *s)
{
	return !s->syscalls_off;
}

EW_EXPORT int ew_session_set_backend(struct ew_session *s, const char *name)
{
	if (s->backend)
		return -EBUSY;
	if (!strcmp(name, "ptrace")) {
		s->backend_ops = &ew_backend_ptrace;
		return 0;
	}
	if (!strcmp(name, "bpf")) {
#ifdef EW_HAVE_BPF
		s->backend_ops = &ew_backend_bpf;
		return 0;
#else
		return -EOPNOTSUPP;
#endif
	}
	return -ENOENT;
}

EW_EXPORT int ew_session_trace_deps(struct ew_session *s, bool on)
{
	if (s->started)
		return -EBUSY;
	if (on && strcmp(s->backend_ops->name, "ptrace"))
		return -EOPNOTSUPP; /* only the ptrace backend traces dependencies so far */
	s->cfg.deps = on;
	return 0;
}

EW_EXPORT int ew_session_trace_deps_callers(struct ew_session *s, bool on)
{
	if (s->started)
		return -EBUSY;
	if (on && (!tr_stack_supported() || strcmp(s->backend_ops->name, "ptrace")))
		return -EOPNOTSUPP;
	s->cfg.deps_callers = on;
	if (on)
		s->cfg.deps = true;
	return 0;
}

static void recompute_mask(struct ew_session *s)
{
	uint32_t m = 0;
	for (size_t i = 0; i < s->nsubs; i++)
		if (s->subs[i].fn)
			m |= s->subs[i].mask;
	s->sub_mask = m;
}

EW_EXPORT int ew_subscribe(struct ew_session *s, uint32_t mask, ew_event_fn fn, void *userdata)
{
	if (!fn || !(mask & EW_MASK_ALL))
		return -EINVAL;
	if (s->nsubs == s->subs_cap) {
		size_t cap = s->subs_cap ? s->subs_cap * 2 : 8;
		struct ew_subscription *n = realloc(s->subs, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->subs = n;
		s->subs_cap = cap;
	}
	int id = s->next_sub_id++;
	s->subs[s->nsubs++] = (struct ew_subscription){id, mask & EW_MASK_ALL, fn, userdata};
	recompute_mask(s);
	return id;
}

static void compact_subs(struct ew_session *s)
{
	size_t j = 0;
	for (size_t i = 0; i < s->nsubs; i++)
		if (s->subs[i].fn)
			s->subs[j++] = s->subs[i];
	s->nsubs = j;
	s->subs_dirty = false;
}

EW_EXPORT int ew_unsubscribe(struct ew_session *s, int id)
{
	for (size_t i = 0; i < s->nsubs; i++) {
		if (s->subs[i].id == id && s->subs[i].fn) {
			/* Mark now, compact when no publish is walking the array. */
			s->subs[i].fn = NULL;
			s->subs_dirty = true;
			if (!s->publishing)
				compact_subs(s);
			recompute_mask(s);
			return 0;
		}
	}
	return -ENOENT;
}

EW_EXPORT void ew_publish(struct ew_session *s, struct ew_event *ev)
{
	if ((unsigned)ev->type >= EW_EV__COUNT)
		return;
	ev->seq = ++s->seq;
	s->info.events++;
	if (!ev->time_mono_ns)
		ev->time_mono_ns = ew_now_mono();
	if (!ev->time_wall_ns)
		ev->time_wall_ns = ew_now_wall();
	if (!ev->backend)
		ev->backend = s->backend_ops->name;
	uint32_t bit = EW_MASK(ev->type);
	s->publishing++;
	/* Subscriptions added during the walk are not called for this event. */
	size_t n = s->nsubs;
	for (size_t i = 0; i < n; i++) {
		struct ew_subscription *sub = &s->subs[i];
		if (sub->fn && (sub->mask & bit))
			sub->fn(ev, sub->userdata);
	}
	if (--s->publishing == 0 && s->subs_dirty)
		compact_subs(s);
}

static void sink_event(const struct ew_event *ev, void *ud)
{
	struct ew_sink *sink = ud;
	if (!sink->error)
		sink->ops->event(sink, ev);
}

int ew_session_add_sink(struct ew_session *s, struct ew_sink *sink)
{
	struct ew_sink **n = realloc(s->sinks, (s->nsinks + 1) * sizeof(*n));
	if (!n) {
		sink->ops->destroy(sink);
		return -ENOMEM;
	}
	s->sinks = n;
	int id = ew_subscribe(s, EW_MASK_ALL, sink_event, sink);
	if (id < 0) {
		sink->ops->destroy(sink);
		return id;
	}
	sink->sub_id = id;
	s->sinks[s->nsinks++] = sink;
	return 0;
}

int ew_session_flush(struct ew_session *s)
{
	int first = 0;
	for (size_t i = 0; i < s->nsinks; i++) {
		struct ew_sink *k = s->sinks[i];
		if (!k->error && k->ops->flush) {
			int r = k->ops->flush(k);
			if (r < 0)
				k->error = r;
		}
		if (k->error && !first)
			first = k->error;
	}
	return first;
}

EW_EXPORT int ew_session_load_plugin(struct ew_session *s, const char *path, const char *arg)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOENT;
	const int *abi = dlsym(h, "ew_plugin_abi");
	int (*init)(struct ew_session *, const char *) =
		(int (*)(struct ew_session *, const char *))dlsym(h, "ew_plugin_init");
	if (!abi || !init) {
		dlclose(h);
		return -ENOEXEC;
	}
	if (*abi != EW_ABI_VERSION) {
		dlclose(h);
		return -EPROTO;
	}
	struct ew_plugin *n = realloc(s->plugins, (s->nplugins + 1) * sizeof(*n));
	if (!n) {
		dlclose(h);
		return -ENOMEM;
	}
	s->plugins = n;
	struct ew_plugin *p = &s->plugins[s->nplugins];
	p->handle = h;
	p->path = strdup(path);
	p->fini = (void (*)(struct ew_session *))dlsym(h, "ew_plugin_fini");
	if (!p->path) {
		dlclose(h);
		return -ENOMEM;
	}
	s->nplugins++;
	int r = init(s, arg);
	if (r < 0) {
		/* Keep it loaded (its subscriptions may exist) but never call fini. */
		p->fini = NULL;
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

/* The plugin loader's dlerror() text for the last failed load, for the CLI's message. */
const char *ew_plugin_last_error(void);
const char *ew_plugin_last_error(void)
{
	return dlerror();
}

static int ensure_backend(struct ew_session *s)
{
	if (s->backend)
		return 0;
	return s->backend_ops->create(s, &s->backend);
}

static int begin_sinks(struct ew_session *s)
{
	for (size_t i = 0; i < s->nsinks; i++) {
		struct ew_sink *k = s->sinks[i];
		if (k->ops->begin) {
			int r = k->ops->begin(k, &s->info);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

EW_EXPORT int ew_session_spawn(struct ew_session *s, char *const argv[])
{
	if (s->started)
		return -EBUSY;
	if (!argv || !argv[0])
		return -EINVAL;
	int r = ensure_backend(s);
	if (r < 0)
		return r;
	s->info.backend = s->backend_ops->name;
	s->info.argv = argv;
	s->info.start_wall_ns = ew_now_wall();
	r = s->backend_ops->spawn(s->backend, argv);
	if (r < 0)
		return r;
	s->started = true;
	return 0;
}

EW_EXPORT int ew_session_attach(struct ew_session *s, pid_t pid)
{
	if (s->started)
		return -EBUSY;
	if (pid <= 0)
		return -EINVAL;
	int r = ensure_backend(s);
	if (r < 0)
		return r;
	s->info.backend = s->backend_ops->name;
	s->info.attach_pid = pid;
	s->info.root_pid = pid;
	s->info.start_wall_ns = ew_now_wall();
	r = s->backend_ops->attach(s->backend, pid);
	if (r < 0)
		return r;
	s->started = true;
	return 0;
}

EW_EXPORT int ew_session_run(struct ew_session *s, int *status)
{
	if (!s->started || s->ran)
		return -EINVAL;
	s->ran = true;
	int r = begin_sinks(s);
	int st = 0;
	if (r < 0) {
		/* Could not record: do not let the command run unobserved. */
		s->backend_ops->stop(s->backend, SIGKILL, 1);
		(void)s->backend_ops->run(s->backend, &st);
	} else {
		r = s->backend_ops->run(s->backend, &st);
	}
	if (s->exit_override)
		st = s->exit_override;
	s->info.finished = true;
	s->info.status = st;
	s->info.end_wall_ns = ew_now_wall();
	int first = r;
	for (size_t i = 0; i < s->nsinks; i++) {
		struct ew_sink *k = s->sinks[i];
		int e = k->ops->end ? k->ops->end(k, &s->info) : 0;
		if (!k->error && e < 0)
			k->error = e;
		if (k->error && !first)
			first = k->error;
	}
	/* The command ran: its status is meaningful even when a sink failed. */
	if (status)
		*status = st;
	return first < 0 ? first : 0;
}

EW_EXPORT void ew_session_stop(struct ew_session *s, int sig, int how)
{
	if (s->backend)
		s->backend_ops->stop(s->backend, sig, how);
}

EW_EXPORT void ew_session_free(struct ew_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nplugins; i++)
		if (s->plugins[i].fini)
			s->plugins[i].fini(s);
	if (s->backend)
		s->backend_ops->destroy(s->backend);
	for (size_t i = 0; i < s->nsinks; i++)
		s->sinks[i]->ops->destroy(s->sinks[i]);
	free(s->sinks);
	/* Plugins are unloaded last: sinks or the backend never call into them, but their
	 * subscriptions reference their code until here. */
	free(s->subs);
	for (size_t i = 0; i < s->nplugins; i++) {
		dlclose(s->plugins[i].handle);
		free(s->plugins[i].path);
	}
	free(s->plugins);
	ew_proctab_free(&s->procs);
	free(s->cfg.comms);
	ew_pol_free(s->policy);
	free(s);
}
