/* SPDX-License-Identifier: MIT */
/* stack.c - caller attribution by stack walk (stack.h). */
#define _GNU_SOURCE
#include "stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef EW_HAVE_LIBDW
#include <elfutils/libdwfl.h>

struct tr_stack {
	Dwfl *dwfl;
};

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

bool tr_stack_supported(void)
{
	return true;
}

void tr_stack_reset(struct tr_stack **cache)
{
	if (!*cache)
		return;
	if ((*cache)->dwfl)
		dwfl_end((*cache)->dwfl);
	free(*cache);
	*cache = NULL;
}

/* The C library, the loader and the sanitizers' interceptors: their frames are the plumbing of
 * the call, not its cause. */
static bool is_plumbing(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	static const char *const libs[] = {"libc.so",     "libc-",      "ld-linux",  "ld64.so",
	                                   "libpthread",  "libdl.so",   "libdl-",    "libasan.so",
	                                   "libubsan.so", "libtsan.so", "liblsan.so"};
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		if (!strncmp(base, libs[i], strlen(libs[i])))
			return true;
	return false;
}

struct walk {
	Dwfl *dwfl;
	const char *first;  /* the innermost frame's file (libc for a wrapper) */
	const char *caller; /* the first frame outside the plumbing */
	unsigned frames;
};

static int on_frame(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!activation && pc)
		pc--; /* a return address: look up the call instruction */
	Dwfl_Module *mod = dwfl_addrmodule(w->dwfl, pc);
	const char *name =
	    mod ? dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL) : NULL;
	if (name && name[0] == '/') {
		if (!w->first)
			w->first = name;
		if (!is_plumbing(name)) {
			w->caller = name;
			return DWARF_CB_ABORT;
		}
	}
	return ++w->frames >= 64 ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int tr_stack_caller(struct tr_stack **cache, pid_t pid, pid_t tid, struct ew_buf *out)
{
	struct tr_stack *c = *cache;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->dwfl = dwfl_begin(&callbacks);
		if (!c->dwfl || dwfl_linux_proc_report(c->dwfl, pid) != 0 ||
		    dwfl_report_end(c->dwfl, NULL, NULL) != 0 ||
		    dwfl_linux_proc_attach(c->dwfl, pid, true) != 0) {
			if (c->dwfl)
				dwfl_end(c->dwfl);
			free(c);
			return -ENOENT;
		}
		*cache = c;
	}
	struct walk w = {c->dwfl, NULL, NULL, 0};
	(void)dwfl_getthread_frames(c->dwfl, tid, on_frame, &w);
	const char *name = w.caller ? w.caller : w.first;
	if (!name)
		return -ENOENT;
	ew_buf_clear(out);
	return ew_buf_puts(out, name);
}

#else /* no libdw */

bool tr_stack_supported(void)
{
	return false;
}

void tr_stack_reset(struct tr_stack **cache)
{
	*cache = NULL;
}

int tr_stack_caller(struct tr_stack **cache, pid_t pid, pid_t tid, struct ew_buf *out)
{
	(void)cache;
	(void)pid;
	(void)tid;
	(void)out;
	return -EOPNOTSUPP;
}

#endif
