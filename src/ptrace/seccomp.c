/* SPDX-License-Identifier: MIT */
/*
 * seccomp.c - the filter that makes a tracee stop only where a module needs it.
 *
 * Every syscall in the set returns SECCOMP_RET_TRACE (a PTRACE_EVENT_SECCOMP stop); all others
 * are allowed without a stop. The filter covers x86_64, i386 and x32 so a tracee cannot slip
 * past it by changing ABI (int 0x80, a 32-bit program, __X32_SYSCALL_BIT); libseccomp translates
 * each syscall into each ABI's numbering.
 *
 * No escape from tracing: clone() with CLONE_UNTRACED fails with EPERM in the filter itself (an
 * argument check, so no other thread can change the flags between a check and the call, as it
 * could in clone3's struct in memory), and clone3() fails with ENOSYS, on which the C library
 * falls back to clone(). Every new task is therefore traced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>

#include "tracer.h"

/* Adds the rules of set to a new context. */
static int build_ctx(const struct tr_sysset *set, bool nnp, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	/* The native arch is in already; add the others. -EEXIST means already present. */
	r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (r < 0 && r != -EEXIST)
		goto out;
	r = seccomp_arch_add(ctx, SCMP_ARCH_X32);
	if (r < 0 && r != -EEXIST)
		goto out;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, nnp ? 1 : 0);
	if (r < 0)
		goto out;
	/* No untraced children (see the top of this file). */
	const struct scmp_arg_cmp untraced = {0, SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED};
	const struct scmp_arg_cmp traced = {0, SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, 0};
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, &untraced);
	if (r < 0)
		goto out;
	if (tr_sysset_has(set, SCMP_SYS(clone))) {
		r = seccomp_rule_add_array(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(clone), 1, &traced);
		if (r < 0)
			goto out;
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0 && r != -EDOM && r != -EFAULT)
		goto out;
	for (int nr = 0; nr < EW_SYS_MAX; nr++) {
		if (!tr_sysset_has(set, nr) || nr == SCMP_SYS(clone) || nr == SCMP_SYS(clone3))
			continue;
		/* Native x86_64 number: libseccomp maps it into i386 and x32 itself. A syscall
		 * missing on one ABI is skipped there. */
		if (nr == SCMP_SYS(tgkill)) {
			/* The spawned child stops itself with tgkill(SIGSTOP) after loading the
			 * filter and before the tracer seizes it; a TRACE rule would fail that call
			 * (ENOSYS without a tracer), so that one form is never traced. */
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					     SCMP_A2(SCMP_CMP_NE, SIGSTOP));
		} else {
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
		}
		/* -EDOM: not in every ABI; -EFAULT: unknown to this libseccomp (a newer call). */
		if (r < 0 && r != -EDOM && r != -EFAULT)
			goto out;
	}
	/* i386 calls without an x86_64 twin: by name, which libseccomp resolves to a pseudo
	 * number it places in the i386 filter only. */
	for (int nr = 0; nr < EW_SYS_MAX; nr++) {
		if (!((set->i386[nr / 64] >> (nr % 64)) & 1))
			continue;
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, nr);
		if (!name)
			continue;
		int pnr = seccomp_syscall_resolve_name(name);
		free(name);
		if (pnr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), pnr, 0);
		if (r < 0 && r != -EDOM && r != -EEXIST)
			goto out;
	}
	/* Conditional stops: only when the argument has one of the mask's bits. */
	for (unsigned i = 0; i < set->nconds; i++) {
		const struct tr_syscond *c = &set->cond[i];
		if (tr_sysset_has(set, c->nr))
			continue;
		/* MASKED_EQ tests (arg & mask) == datum, so "any bit of mask" is one rule per bit. */
		for (unsigned b = 0; b < 64; b++) {
			uint64_t bit = 1ull << b;
			if (!(c->mask & bit))
				continue;
			struct scmp_arg_cmp cmp = {c->arg, SCMP_CMP_MASKED_EQ, bit, bit};
			r = seccomp_rule_add_array(ctx, SCMP_ACT_TRACE(0), c->nr, 1, &cmp);
			if (r == -EDOM || r == -EOPNOTSUPP || r == -EINVAL)
				r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), c->nr, 0);
			if (r < 0 && r != -EDOM && r != -EEXIST)
				goto out;
		}
	}
	*out = ctx;
	return 0;
out:
	seccomp_release(ctx);
	return r < 0 ? r : -EINVAL;
}

int tr_seccomp_install(const struct tr_sysset *set, bool nnp)
{
	scmp_filter_ctx ctx;
	int r = build_ctx(set, nnp, &ctx);
	if (r < 0)
		return r;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}

int tr_seccomp_build(const struct tr_sysset *set, struct tr_bpf *out)
{
	scmp_filter_ctx ctx;
	int r = build_ctx(set, false, &ctx);
	if (r < 0)
		return r;
	int fd = memfd_create("ew-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	off_t len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % sizeof(struct sock_filter) ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		r = -E2BIG;
		goto out;
	}
	struct sock_filter *insns = malloc((size_t)len);
	if (!insns) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fd, insns, (size_t)len, 0) != len) {
		free(insns);
		r = -EIO;
		goto out;
	}
	out->insns = insns;
	out->len = (unsigned short)(len / sizeof(struct sock_filter));
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return r;
}

int tr_seccomp_load(const struct tr_bpf *prog, bool nnp)
{
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	struct sock_fprog fp = {prog->len, prog->insns};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		return -errno;
	return 0;
}

void tr_seccomp_free(struct tr_bpf *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}
