/* SPDX-License-Identifier: MIT */
/*
 * sysent.h - syscall identities across the architectures a tracee can use on x86_64.
 *
 * execwatch names a syscall by its canonical number: its x86_64 number. A tracee may call in
 * another ABI (i386 via int 0x80 or a 32-bit program, x32 with __X32_SYSCALL_BIT); the tracer
 * maps (audit arch, native number) to the canonical number once, at the stop, and everything
 * after it (selection sets, decoders, tables) works in canonical numbers.
 */
#ifndef EW_DECODE_SYSENT_H
#define EW_DECODE_SYSENT_H

#include <stdint.h>

#define EW_SYS_MAX 1024 /* canonical numbers are below this */
#define EW_X32_BIT 0x40000000

#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64 0xc000003eu
#endif
#ifndef AUDIT_ARCH_I386
#define AUDIT_ARCH_I386 0x40000003u
#endif

/* Canonical number of (arch, native nr), or -1 when the call has no x86_64 equivalent. */
int ew_sys_canon(uint32_t audit_arch, int64_t nr);
/* Native number of a canonical syscall in arch, or -1 when arch lacks it. */
int ew_sys_native(uint32_t audit_arch, int canon);
/* Name of a canonical number ("execve"), or NULL. */
const char *ew_sys_name(int canon);
/* Canonical number of a name, or -1. */
int ew_sys_lookup(const char *name);
/* "x86_64", "i386", "x32" or "unknown". */
const char *ew_arch_name(uint32_t audit_arch, int64_t nr);

#endif
