/* SPDX-License-Identifier: MIT */
/*
 * syscalls.h - the syscall tables: for every x86_64 and i386 syscall its name, argument count,
 * argument names, how each argument and the return value are rendered, and its classes.
 *
 * The tables are generated (src/decode/syscalls_gen.c, by tools/gen_syscalls.py from the kernel
 * facts in tools/syscall-facts/) and indexed by the syscall's number in its own ABI. x32 calls
 * use the x86_64 entry of their canonical number (sysent.h).
 */
#ifndef EW_DECODE_SYSCALLS_H
#define EW_DECODE_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* How an argument is rendered (see args.h). */
enum ew_argk {
	EW_ARG_UINT = 0,    /* unsigned: decimal when small, else hex */
	EW_ARG_INT,         /* signed decimal, 32-bit (int, pid_t, ...) */
	EW_ARG_LONG,        /* signed decimal, word-sized (long, off_t, loff_t) */
	EW_ARG_HEX,         /* an address or opaque word: hex */
	EW_ARG_FD,          /* fd: 3</etc/passwd> */
	EW_ARG_DIRFD,       /* fd or AT_FDCWD */
	EW_ARG_STR,         /* NUL-terminated string: "..." (limit -s) */
	EW_ARG_BUF_IN,      /* buffer the caller passes, length in another argument */
	EW_ARG_BUF_OUT,     /* buffer the kernel fills, length = return value (rendered at exit) */
	EW_ARG_STRV,        /* NULL-terminated string array: ["a", "b"] */
	EW_ARG_PTR,         /* pointer: 0x7ffc... (struct stat *) */
	EW_ARG_OPEN_FLAGS,  /* O_RDONLY|O_CLOEXEC */
	EW_ARG_MODE,        /* 0644 */
	EW_ARG_AT_FLAGS,    /* AT_SYMLINK_NOFOLLOW|... */
	EW_ARG_ACCESS_MODE, /* R_OK|W_OK or F_OK */
	EW_ARG_MMAP_PROT,   /* PROT_READ|PROT_EXEC */
	EW_ARG_MMAP_FLAGS,  /* MAP_PRIVATE|MAP_ANONYMOUS */
	EW_ARG_CLONE_FLAGS, /* CLONE_VM|...|SIGCHLD */
	EW_ARG_SIGNAL,      /* SIGTERM */
	EW_ARG_SOCK_FAMILY, /* AF_INET */
	EW_ARG__COUNT
};

/* How the return value is rendered. */
enum ew_retk {
	EW_RET_INT = 0, /* signed decimal */
	EW_RET_FD,      /* a new fd: 3</etc/passwd> */
	EW_RET_ADDR,    /* an address: hex */
};

/* Classes (bit set), selectable with --syscalls CLASS. */
enum {
	EW_SC_FILE = 1u << 0,    /* takes a file name */
	EW_SC_DESC = 1u << 1,    /* takes or returns a file descriptor */
	EW_SC_PROCESS = 1u << 2, /* process lifecycle */
	EW_SC_NETWORK = 1u << 3,
	EW_SC_MEMORY = 1u << 4,
	EW_SC_SIGNAL = 1u << 5,
	EW_SC_EXEC = 1u << 6, /* execve, execveat */
};

/* Facts flags. */
enum {
	EW_SD_NORETURN = 1u << 0,     /* logged at entry: does not return when it succeeds */
	EW_SD_UNKNOWN_ARGS = 1u << 1, /* no prototype known: 6 raw arguments */
};

struct ew_sysdesc {
	const char *name; /* NULL: no syscall with this number */
	uint8_t nargs;
	uint8_t ret;       /* enum ew_retk */
	uint16_t classes;  /* EW_SC_* */
	uint16_t flags;    /* EW_SD_* */
	uint8_t arg[6];    /* enum ew_argk */
	int8_t len_arg[6]; /* for EW_ARG_BUF_*: index of the length argument, else -1 */
	const char *argname[6];
	const char
	    *argtype[6]; /* the C type of EW_ARG_PTR arguments ("struct stat *"), else NULL */
};

extern const struct ew_sysdesc ew_sysdesc_x86_64[];
extern const unsigned ew_sysdesc_x86_64_count;
extern const struct ew_sysdesc ew_sysdesc_i386[];
extern const unsigned ew_sysdesc_i386_count;

/* The entry of (AUDIT_ARCH_*, native number as the tracee used it, x32 bit included), or NULL
 * when the number is unknown in that ABI. */
const struct ew_sysdesc *ew_sysdesc_get(uint32_t audit_arch, int64_t native);

/* The x86_64 entry of a canonical number, or NULL. */
const struct ew_sysdesc *ew_sysdesc_canon(int canon);

#endif
