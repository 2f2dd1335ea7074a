/* SPDX-License-Identifier: MIT */
/*
 * events.h - the records the eBPF programs (exec.bpf.c) send to user space (bpf.c) through
 * the ring buffer. Shared by both sides: fixed-width types only, no pointers.
 *
 * One exec on task T produces, in this order on T's CPU stream:
 *   EWB_EXEC_ENTER   caller facts at sys_enter (or at sched_process_exec for kernel_execve)
 *   EWB_STRS ...     the path (vector 0), argv (1) and env (2), in chunks; each vector ends
 *                    with an item-less record flagged EWB_STRS_END carrying the vector's flags
 *   EWB_EXEC_OK      on success: the executed file's facts (sched_process_exec)
 *   EWB_EXEC_RET     the syscall's return value (sys_exit); user space publishes the event here
 * Records of one task never interleave with another exec of the same task.
 *
 * bpf_probe_read_user cannot fault pages in: a string in a page not yet touched (a literal in
 * a fresh program's .rodata) reads as a fault at sys_enter. Such vectors are read again where
 * the kernel has copied them: on success from bprm->filename and the new process's stack
 * (sched_process_exec), on failure from the same user pointers at sys_exit (the kernel's own
 * copy faulted the pages in, when it got that far). What still faults after a failed exec is
 * read from user space (process_vm_readv, which can fault pages in) while the caller lives;
 * only a fault that persists is reported.
 */
#ifndef EW_BPF_EVENTS_H
#define EW_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EWB_PATH_MAX 4096   /* a walked path (cwd, exe, stdin, dirfd) */
#define EWB_CHUNK 4096      /* one string read (strings longer than this are continued) */
#define EWB_SCRATCH 8192    /* a STRS record's payload is flushed before exceeding this */
#define EWB_VEC_MAX_BYTES (16u << 20) /* per vector: more is cut (EWB_V_TRUNCATED) */
#define EWB_VEC_MAX_ITEMS (1u << 21)  /* loop iterations (strings + chunks) per vector */
#define EWB_PATH_ITEM_MAX (64u * 1024u) /* the exec path: longer is cut */

enum ewb_kind {
	EWB_EXEC_ENTER = 1,
	EWB_STRS = 2,
	EWB_EXEC_OK = 3,
	EWB_EXEC_RET = 4,
	EWB_FORK = 5,
	EWB_EXIT = 6,
	EWB_SYSCALL = 7,
};

struct ewb_hdr {
	__u32 kind;
	__u32 tid;
	__u32 pid;
	__u32 ppid;
	__u64 ts; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	char comm[16];
};

/* A walked path: the string is text[off .. EWB_PATH_MAX); off == EWB_PATH_MAX + 1: unknown. */
struct ewb_path {
	__u32 off;
	__u32 flags; /* EWB_P_* */
	char text[EWB_PATH_MAX + 256];
};
enum { EWB_P_PSEUDO = 1, /* a pseudo-fs object (pipe, socket, anon inode): text is its name */
       EWB_P_CUT = 2 };  /* too deep or too long: unknown */

struct ewb_file {
	__u64 dev; /* kernel encoding: major << 20 | minor */
	__u64 ino;
	__u32 mode, uid, gid, valid;
	__s64 size;
	__s64 ctime_ns, mtime_ns;
};

enum {
	EWB_X_AT = 1,       /* execveat */
	EWB_X_COMPAT = 2,   /* 32-bit caller */
	EWB_X_KERNEL = 4,   /* the caller's parent is a kernel thread */
	EWB_X_KEXEC = 8,    /* kernel_execve (no syscall): seen at sched_process_exec only */
};

struct ewb_exec_enter {
	struct ewb_hdr h;
	__s32 nr;        /* syscall number in the caller's table */
	__u32 xflags;    /* EWB_X_* */
	__s32 dirfd;
	__u32 at_flags;
	__u32 stdin_mode; /* 0: closed */
	__u32 pad;
	__u64 stdin_ino;
	struct ewb_file dirfile; /* execveat: the dirfd's file (the program for AT_EMPTY_PATH) */
	struct ewb_path cwd, exe, dir, in;
};

/* Vector ids and flags. */
enum { EWB_VEC_PATH = 0, EWB_VEC_ARGV = 1, EWB_VEC_ENV = 2 };
enum {
	EWB_V_NULL = 1,
	EWB_V_FAULT = 2,
	EWB_V_TRUNCATED = 4,
	EWB_V_RAW = 8,   /* items are raw bytes of NUL-separated strings (from the new stack) */
	EWB_V_KFILENAME = 16, /* the path is the kernel's bprm->filename ("/dev/fd/N/..." for a dirfd) */
};
#define EWB_ITEM_CONT 0x80000000u /* this item's string continues in the next item */

/* Payload: items of u32 (length | EWB_ITEM_CONT) followed by that many bytes (no NUL). */
struct ewb_strs {
	struct ewb_hdr h;
	__u32 vec;
	__u32 end;       /* 1: the vector is complete; vflags/count/bytes are final */
	__u32 vflags;    /* EWB_V_* */
	__u32 len;       /* payload bytes */
	__u32 gen;       /* 0: read at sys_enter; 1: read again (the first read met a page fault):
			  * replaces what was sent for this vector */
	__u32 pad;
	__u8 data[2 * EWB_SCRATCH];
};

struct ewb_exec_ok {
	struct ewb_hdr h;
	__u32 old_tid;
	__u32 pad;
	struct ewb_file file; /* bprm->file: the program, or for a script its interpreter */
	__u32 script;         /* bprm->interp was changed: a "#!" script (or binfmt_misc) */
	__u32 pad2;
	char interp[256];     /* then: the interpreter as named on the "#!" line */
	struct ewb_path path; /* bprm->file's path: the process's new exe */
};

struct ewb_exec_ret {
	struct ewb_hdr h;
	__s64 ret;
	__u32 lost;  /* records of this exec that did not fit in the ring buffer */
	__u32 fault; /* bit per vector: still unreadable in the kernel (see above) */
	__u32 word;
	__u32 pad;
	__u64 ptr[3]; /* path, argv, env pointers as passed, for a last read from user space */
};

struct ewb_fork {
	struct ewb_hdr h;    /* the parent */
	__u32 child_pid, child_tid;
	__s32 nr;            /* the creating syscall (caller's table), -1 unknown */
	__u32 compat;
	__u64 clone_flags;
};

struct ewb_exit {
	struct ewb_hdr h;
	__u32 exit_code;     /* wait status: code << 8 | core 0x80 | signal */
	__u32 group_dead;
};

/* Syscall logging: what the kernel must capture for a selected call (one entry per native
 * number, filled by user space from the decode tables). */
struct ewb_sysinfo {
	__u8 sel;        /* selected */
	__u8 noret;      /* logged at entry (exit, exit_group, rt_sigreturn) */
	__u8 kind[6];    /* enum ew_argk */
	__s8 len_arg[6]; /* EW_ARG_BUF_*: the length argument */
	__u8 ret_fd;     /* the return value is a new fd */
	__u8 pad;
};

#define EWB_SC_SLOTS 3      /* memory captured for at most 3 arguments per call */
#define EWB_SC_DATA 8192
#define EWB_SC_CAP_MAX 4095 /* bytes per argument (the string limit + 1) */
enum { EWB_SLOT_FAULT = 1, EWB_SLOT_STR = 2, EWB_SLOT_TERM = 4 };

struct ewb_slot {
	__u32 arg;   /* argument index */
	__u32 off;   /* in data */
	__u32 len;   /* bytes captured (without a terminator) */
	__u32 flags; /* EWB_SLOT_*; TERM: a string's NUL was within the capture */
};

/* What an fd argument (or a returned fd) refers to, named in the kernel at the call: the
 * path is in data, or EWB_FD_SAME says it is the file this process's fd named last time (user
 * space keeps the names), or EWB_FD_UNKNOWN. */
#define EWB_SC_FDS 3
enum { EWB_FD_SAME = 1, EWB_FD_UNKNOWN = 2, EWB_FD_PSEUDO = 4 };
struct ewb_fdn {
	__s32 fd;
	__u32 flags;
	__u32 mode;
	__u32 off, len;
	__u32 pad;
	__u64 ino;
};

/* One logged syscall: sent at its exit (or at the entry for calls that do not return). Lives in
 * task storage between the entry and the exit; only offsetof(data) + len bytes are sent. */
struct ewb_sys {
	struct ewb_hdr h;
	__s32 nr;        /* native number as used (x32 bit included) */
	__u32 compat;
	__u64 ts_enter;
	__s64 ret;
	__u64 args[6];
	__u32 returned;
	__u32 active;    /* kernel only: between entry and exit */
	__u32 nslot;
	__u32 len;
	struct ewb_slot slot[EWB_SC_SLOTS];
	__u32 nfd;
	__u32 nfd_enter; /* fdn[0, nfd_enter) were named at the entry, the rest (a returned fd) at the exit */
	struct ewb_fdn fdn[EWB_SC_FDS];
	__u8 data[EWB_SC_DATA + EWB_SC_CAP_MAX + 1];
};

/* A deny-list key: kill the process right after an exec of this file. */
struct ewb_deny_key {
	__u64 dev; /* kernel encoding */
	__u64 ino;
};

#endif
