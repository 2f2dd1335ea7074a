/* SPDX-License-Identifier: MIT */
/*
 * sysent.c - canonical syscall numbers, built once from libseccomp's syscall tables (which are
 * generated from the kernel's own tables), so no number is typed by hand here.
 */
#include "sysent.h"

#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NATIVE_MAX 1024

static struct {
	bool ready;
	char *names[EW_SYS_MAX];
	int16_t i386_to_canon[NATIVE_MAX];
	int16_t x32_to_canon[NATIVE_MAX];
	int16_t canon_to_i386[EW_SYS_MAX];
	int16_t canon_to_x32[EW_SYS_MAX];
} T;

static void build(void)
{
	if (T.ready)
		return;
	for (int i = 0; i < NATIVE_MAX; i++)
		T.i386_to_canon[i] = T.x32_to_canon[i] = -1;
	for (int i = 0; i < EW_SYS_MAX; i++) {
		T.canon_to_i386[i] = T.canon_to_x32[i] = -1;
		char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, i);
		T.names[i] = n; /* NULL when no such x86_64 syscall */
	}
	for (int i = 0; i < NATIVE_MAX; i++) {
		char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, i);
		if (n) {
			int c = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, n);
			if (c >= 0 && c < EW_SYS_MAX) {
				T.i386_to_canon[i] = (int16_t)c;
				if (T.canon_to_i386[c] < 0)
					T.canon_to_i386[c] = (int16_t)i;
			}
			free(n);
		}
		n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X32, i | EW_X32_BIT);
		if (n) {
			int c = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, n);
			if (c >= 0 && c < EW_SYS_MAX) {
				T.x32_to_canon[i] = (int16_t)c;
				/* x32 has its own numbers (512+) for some calls; prefer them. */
				if (T.canon_to_x32[c] < 0 || i >= 512)
					T.canon_to_x32[c] = (int16_t)i;
			}
			free(n);
		}
	}
	T.ready = true;
}

int ew_sys_canon(uint32_t audit_arch, int64_t nr)
{
	build();
	if (nr < 0)
		return -1;
	if (audit_arch == AUDIT_ARCH_X86_64) {
		if (nr & EW_X32_BIT) {
			int64_t n = nr & ~(int64_t)EW_X32_BIT;
			return n < NATIVE_MAX ? T.x32_to_canon[n] : -1;
		}
		return nr < EW_SYS_MAX && T.names[nr] ? (int)nr : -1;
	}
	if (audit_arch == AUDIT_ARCH_I386)
		return nr < NATIVE_MAX ? T.i386_to_canon[nr] : -1;
	return -1;
}

int ew_sys_native(uint32_t audit_arch, int canon)
{
	build();
	if (canon < 0 || canon >= EW_SYS_MAX)
		return -1;
	if (audit_arch == AUDIT_ARCH_X86_64)
		return T.names[canon] ? canon : -1;
	if (audit_arch == AUDIT_ARCH_I386)
		return T.canon_to_i386[canon];
	return -1;
}

const char *ew_sys_name(int canon)
{
	build();
	return canon >= 0 && canon < EW_SYS_MAX ? T.names[canon] : NULL;
}

int ew_sys_lookup(const char *name)
{
	build();
	for (int i = 0; i < EW_SYS_MAX; i++)
		if (T.names[i] && !strcmp(T.names[i], name))
			return i;
	return -1;
}

const char *ew_arch_name(uint32_t audit_arch, int64_t nr)
{
	if (audit_arch == AUDIT_ARCH_X86_64)
		return (nr >= 0 && (nr & EW_X32_BIT)) ? "x32" : "x86_64";
	if (audit_arch == AUDIT_ARCH_I386)
		return "i386";
	return "unknown";
}
