/* SPDX-License-Identifier: MIT */
#include "proctab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ew_proc *ew_proctab_get(struct ew_proctab *t, int32_t pid)
{
	return ew_imap_get(&t->map, pid);
}

struct ew_proc *ew_proctab_add(struct ew_proctab *t, int32_t pid, int32_t ppid)
{
	struct ew_proc *p = ew_imap_get(&t->map, pid);
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->ppid = ppid;
	if (ew_imap_put(&t->map, pid, p) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static void proc_free(struct ew_proc *p)
{
	if (p) {
		free(p->exe);
		free(p);
	}
}

void ew_proctab_del(struct ew_proctab *t, int32_t pid)
{
	proc_free(ew_imap_del(&t->map, pid));
}

int ew_proc_set_exe(struct ew_proc *p, const char *exe, size_t len)
{
	char *n = malloc(len + 1);
	if (!n)
		return -ENOMEM;
	memcpy(n, exe, len);
	n[len] = '\0';
	free(p->exe);
	p->exe = n;
	p->exe_len = len;
	return 0;
}

void ew_proc_set_comm(struct ew_proc *p, const char *comm, size_t len)
{
	if (len >= sizeof(p->comm))
		len = sizeof(p->comm) - 1;
	memcpy(p->comm, comm, len);
	p->comm[len] = '\0';
}

void ew_proctab_free(struct ew_proctab *t)
{
	size_t pos = 0;
	void *v;
	while (ew_imap_next(&t->map, &pos, NULL, &v))
		proc_free(v);
	ew_imap_free(&t->map);
}
