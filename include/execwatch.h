/* SPDX-License-Identifier: MIT */
/*
 * execwatch.h - public API of libexecwatch.
 *
 * execwatch observes a command tree (or the whole host) and turns what it sees into events of one
 * model: exec (successful or failed), fork/clone, exit, syscall, file access, library mapping,
 * policy decision and lost-event notices. Backends (ptrace+seccomp, eBPF) produce events; sinks
 * (SQLite, JSON Lines, live text, plugins) consume them through a bus. A consumer never learns
 * which backend produced an event except through ew_event.backend.
 *
 * Conventions
 *  - Every function that can fail returns 0 (or a non-negative value) on success and -errno on
 *    failure. Nothing in the library prints, logs or exits.
 *  - Output parameters are written only on success.
 *  - Strings in events are byte strings (struct ew_str): they carry their length, may hold any
 *    byte except NUL, and are also NUL-terminated for convenience. A NULL .ptr means "absent or
 *    unreadable"; an empty string has a non-NULL .ptr and .len == 0.
 *  - Event memory belongs to the publisher and is valid only for the duration of the callback.
 *    Copy what you need to keep.
 *
 * Plugins
 *  A plugin is a shared object loaded with `execwatch record --plugin LIB.so[:ARG]`. It must
 *  export
 *      int ew_plugin_abi = EW_ABI_VERSION;
 *      int ew_plugin_init(struct ew_session *s, const char *arg);
 *  and may export
 *      void ew_plugin_fini(struct ew_session *s);
 *  ew_plugin_init subscribes to events with ew_subscribe(); a negative return aborts the run
 *  before the command starts. The plugin's callbacks run on the tracer's thread: keep them short.
 */
#ifndef EXECWATCH_H
#define EXECWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EW_EXPORT __attribute__((visibility("default")))

#define EW_VERSION_MAJOR 0
#define EW_VERSION_MINOR 1
#define EW_VERSION_PATCH 0
#define EW_VERSION_STRING "0.1.0"

/* Bumped whenever a struct below changes layout; plugins built for another ABI are refused. */
#define EW_ABI_VERSION 2

/* Returns the library's version string, e.g. "0.1.0". */
EW_EXPORT const char *ew_version(void);

/* ---------------------------------------------------------------------------------------------
 * Event model
 * ------------------------------------------------------------------------------------------- */

enum ew_event_type {
	EW_EV_EXEC = 0,    /* execve/execveat finished (retval 0) or failed (retval -errno) */
	EW_EV_FORK = 1,    /* a traced task created a process or a thread */
	EW_EV_EXIT = 2,    /* a traced task ended (exit code or signal) */
	EW_EV_SYSCALL = 3, /* one syscall, decoded (syscall logging) */
	EW_EV_FILE = 4,    /* a file opened, created or probed (dependency tracing) */
	EW_EV_LIBRARY = 5, /* a file mapped executable into a process (dependency tracing) */
	EW_EV_POLICY = 6,  /* a policy decision about an exec */
	EW_EV_LOST = 7,    /* events were lost (e.g. a full ring buffer); never silent */
	EW_EV__COUNT
};

/* Mask helpers for ew_subscribe(). */
#define EW_MASK(type) (1u << (type))
#define EW_MASK_ALL ((1u << EW_EV__COUNT) - 1)

/* Returns "exec", "fork", "exit", "syscall", "file", "library", "policy", "lost", or NULL. */
EW_EXPORT const char *ew_event_type_name(enum ew_event_type type);

/* A byte string; see the conventions above. */
struct ew_str {
	const char *ptr;
	size_t len;
};

/* Flags of a string vector (argv, env). */
enum {
	EW_STRV_NULL = 1u << 0,      /* the array pointer was NULL */
	EW_STRV_FAULT = 1u << 1,     /* an unreadable pointer was met; the vector stops there */
	EW_STRV_TRUNCATED = 1u << 2, /* execwatch's own hard limit was hit; the vector is cut */
};

/* A vector of byte strings, complete unless .flags says otherwise. */
struct ew_strv {
	const struct ew_str *v;
	size_t count;
	uint32_t flags;    /* EW_STRV_* */
	uint64_t bytes;    /* total bytes of the strings, without terminators */
};

/* Facts about one file, taken with stat(2). */
struct ew_file_info {
	bool valid;     /* false: the file does not exist or could not be stat'ed */
	uint64_t dev;   /* st_dev as encoded by makedev(major, minor) */
	uint64_t ino;
	uint32_t mode;  /* st_mode: type and permission bits */
	uint32_t uid, gid;
	int64_t size;
	int64_t ctime_ns; /* status change time, ns since the epoch */
	int64_t mtime_ns;
};

/* Ways a file was executed or accessed; a bit set. */
enum {
	EW_EXEC_AT = 1u << 0,        /* execveat (dirfd and flags are meaningful) */
	EW_EXEC_FILELESS = 1u << 1,  /* the program is a memfd or a deleted file */
	EW_EXEC_SCRIPT = 1u << 2,    /* the program starts with "#!" */
	EW_EXEC_ELF = 1u << 3,       /* the program is an ELF file */
	EW_EXEC_KERNEL = 1u << 4,    /* started by a kernel thread (eBPF backend only) */
	EW_EXEC_NONLEADER = 1u << 5, /* exec'd by a thread other than the group leader */
	EW_EXEC_PATH_FAULT = 1u << 6, /* the path pointer was unreadable (or unterminated) */
	EW_EXEC_PATH_TRUNCATED = 1u << 7, /* the path exceeded execwatch's limit (64 KiB) */
};

struct ew_exec {
	const char *syscall;    /* "execve" or "execveat" */
	int32_t nr;             /* syscall number in .arch's table */
	uint32_t arch;          /* AUDIT_ARCH_* of the caller */
	uint32_t flags;         /* EW_EXEC_* */
	struct ew_str path;     /* the path as passed (NULL ptr: unreadable pointer) */
	int32_t dirfd;          /* execveat: the dirfd as passed (AT_FDCWD = -100) */
	uint32_t at_flags;      /* execveat: the flags as passed (AT_EMPTY_PATH, ...) */
	struct ew_str procname; /* absolute path of the program that would run */
	struct ew_strv argv;
	struct ew_strv env;     /* "K=V" strings exactly as passed */
	struct ew_str cwd;      /* caller's working directory at the call */
	int64_t retval;         /* kernel's raw return: 0 or -errno */
	const char *errno_name; /* "ENOENT", or NULL when retval is 0 */
	const char *errno_text; /* "No such file or directory", or NULL */
	struct ew_file_info binary;     /* the program file, when it exists */
	struct ew_str interp;           /* "#!" interpreter or ELF PT_INTERP, when present */
	struct ew_str interp_arg;       /* the optional "#!" argument */
	struct ew_file_info interp_info;
	uint32_t stdin_mode;            /* st_mode of fd 0 (0: closed) */
	struct ew_str stdin_path;       /* what fd 0 refers to, e.g. "/dev/pts/0", "pipe:[123]" */
	int32_t old_tid;                /* for EW_EXEC_NONLEADER: the thread's tid before the exec */
	struct ew_str new_exe;          /* on success: the process's /proc/PID/exe after the exec */
};

enum ew_fork_kind {
	EW_FORK_PROCESS = 0, /* fork, vfork, clone without CLONE_THREAD */
	EW_FORK_THREAD = 1,  /* clone with CLONE_THREAD */
};

struct ew_fork {
	int32_t child_pid;  /* the new task's thread-group id */
	int32_t child_tid;  /* the new task's id (== child_pid for processes) */
	enum ew_fork_kind kind;
	const char *syscall; /* "fork", "vfork", "clone", "clone3" */
	uint64_t clone_flags; /* clone flags when known, else 0 */
};

struct ew_exit {
	bool thread;      /* a non-leader thread ended (the process lives on) */
	bool signaled;    /* killed by a signal */
	int32_t code;     /* exit code (0..255) when !signaled */
	int32_t signal;   /* the signal when signaled */
	bool core_dumped;
	int32_t status;   /* shell-style: code, or 128 + signal */
};

enum { EW_SYSCALL_ARGS = 6 };

struct ew_syscall {
	const char *name;  /* "openat", or "syscall_NNN" when unknown */
	int32_t nr;
	uint32_t arch;     /* AUDIT_ARCH_* */
	uint64_t time_enter_ns, time_exit_ns; /* monotonic; exit = 0 when it did not return */
	bool returned;     /* false: logged at entry (execve, exit, ...) */
	uint32_t nargs;
	uint64_t args[EW_SYSCALL_ARGS];
	struct ew_str arg_repr[EW_SYSCALL_ARGS]; /* rendered arguments */
	int64_t retval;
	struct ew_str ret_repr;  /* "3</etc/passwd>", "-2 ENOENT (No such file or directory)" */
	const char *errno_name;  /* NULL unless the call failed */
};

/* How a file was accessed (EW_EV_FILE). */
enum {
	EW_FILE_READ = 1u << 0,
	EW_FILE_WRITE = 1u << 1,
	EW_FILE_CREATE = 1u << 2,
	EW_FILE_DIRECTORY = 1u << 3,
	EW_FILE_EXEC = 1u << 4,
	EW_FILE_FAILED = 1u << 5, /* the open failed (e.g. an ENOENT probe along a search path) */
	EW_FILE_STAT = 1u << 6,   /* only looked at (stat/access), not opened */
};

struct ew_file {
	const char *syscall;
	struct ew_str path;     /* absolute: for a successful open what the new fd refers to
				 * (/proc/PID/fd/N), else resolved against dirfd and cwd */
	uint32_t how;           /* EW_FILE_* */
	int32_t open_flags;
	int64_t retval;         /* the fd, or -errno */
	const char *errno_name;
	struct ew_str program;  /* procname of the process that opened it */
	struct ew_str arg_path; /* the path as passed (NULL ptr: unreadable pointer) */
	int32_t dirfd;          /* the dirfd as passed (AT_FDCWD = -100 for open/creat) */
	struct ew_str caller;   /* with callers tracing: the library (or program) whose code made
				 * the call, found by a stack walk; else NULL */
};

/* Why a file is mapped executable into a process (EW_EV_LIBRARY). */
enum ew_lib_kind {
	EW_LIB_PROGRAM = 0, /* the executable itself (at exec) */
	EW_LIB_INTERP = 1,  /* the ELF interpreter, ld.so (at exec) */
	EW_LIB_NEEDED = 2,  /* named by DT_NEEDED of the program or of another needed library */
	EW_LIB_DLOPEN = 3,  /* anything else mapped later: dlopen() and what it pulled in */
};

/* Returns "program", "interpreter", "needed", "dlopen", or NULL. */
EW_EXPORT const char *ew_lib_kind_name(enum ew_lib_kind kind);

struct ew_library {
	struct ew_str path;     /* absolute path of the file mapped executable */
	struct ew_file_info info;
	struct ew_str program;  /* procname of the process that mapped it */
	bool at_exec;           /* found in the mappings right after exec (interpreter, the program) */
	enum ew_lib_kind kind;
	struct ew_str soname;   /* its DT_SONAME, when it has one */
};

enum ew_action {
	EW_ACT_ALLOW = 0,
	EW_ACT_WARN,   /* allow and log */
	EW_ACT_FILTER, /* deny silently */
	EW_ACT_DENY,   /* the exec fails with EACCES, logged */
	EW_ACT_KILL,   /* SIGKILL the process */
	EW_ACT_STOP,   /* SIGSTOP the process */
	EW_ACT_ABORT,  /* SIGABRT the process */
	EW_ACT_EXIT,   /* end the whole traced tree; execwatch exits with EACCES's status */
};

/* Returns "allow", "warn", ... or NULL. */
EW_EXPORT const char *ew_action_name(enum ew_action act);

struct ew_policy {
	enum ew_action action;
	const char *check;     /* "path", "tpe", "elf", "force", "segvguard", "verify" */
	struct ew_str path;    /* the program (or interpreter) the decision is about */
	struct ew_str rule;    /* "FILE:LINE" of the deciding rule, or "default" */
	struct ew_str reason;
	struct ew_str tip;     /* a rule line that would change the decision */
};

struct ew_lost {
	uint64_t count;
	const char *where;     /* e.g. "ringbuf" */
};

struct ew_event {
	enum ew_event_type type;
	uint64_t seq;           /* per-session sequence number, from 1, without gaps */
	uint64_t time_mono_ns;  /* CLOCK_MONOTONIC when the event completed */
	uint64_t time_wall_ns;  /* CLOCK_REALTIME, ns since the epoch, same instant */
	int32_t pid;            /* thread-group id (process) */
	int32_t tid;            /* thread id */
	int32_t ppid;           /* parent process; 0 when unknown */
	struct ew_str comm;     /* the task's comm (before the exec for exec events) */
	struct ew_str exe;      /* the process's executable (before the exec for exec events) */
	const char *backend;    /* "ptrace" or "bpf" */
	union {
		struct ew_exec exec;
		struct ew_fork fork;
		struct ew_exit exit;
		struct ew_syscall syscall;
		struct ew_file file;
		struct ew_library library;
		struct ew_policy policy;
		struct ew_lost lost;
	};
};

/* ---------------------------------------------------------------------------------------------
 * Errno names
 * ------------------------------------------------------------------------------------------- */

/* "ENOENT" for 2, or NULL for an unknown number. Names come from the C library. */
EW_EXPORT const char *ew_errno_name(int err);
/* "No such file or directory" for 2 (the C library's text, never NULL). */
EW_EXPORT const char *ew_errno_text(int err);

/* ---------------------------------------------------------------------------------------------
 * Sessions, subscriptions, sinks
 * ------------------------------------------------------------------------------------------- */

struct ew_session;

typedef void (*ew_event_fn)(const struct ew_event *ev, void *userdata);

/* Creates an empty session (backend "ptrace"). *out is owned by the caller: ew_session_free(). */
EW_EXPORT int ew_session_new(struct ew_session **out);

/* Ends the session: flushes and closes its sinks, unloads plugins, frees everything. NULL is ok. */
EW_EXPORT void ew_session_free(struct ew_session *s);

/* Dependency tracing (`record --deps`): also record file opens (EW_EV_FILE) and the files
 * mapped executable (EW_EV_LIBRARY). Call before ew_session_spawn()/attach(): -EBUSY after.
 * -EOPNOTSUPP when the selected backend cannot do it. */
EW_EXPORT int ew_session_trace_deps(struct ew_session *s, bool on);

/* With dependency tracing, also attribute each open to the library whose code made it (a stack
 * walk at every open: slower). -EOPNOTSUPP when this build has no stack walker (libdw). */
EW_EXPORT int ew_session_trace_deps_callers(struct ew_session *s, bool on);

/* Selects the backend by name: "ptrace" (default) or "bpf". -ENOENT for an unknown name,
 * -EOPNOTSUPP when this build lacks it. */
EW_EXPORT int ew_session_set_backend(struct ew_session *s, const char *name);

/*
 * Subscribes fn to the events whose types are in mask (EW_MASK(EW_EV_EXEC) | ...). Callbacks run
 * synchronously, in subscription order, on the thread that runs the session. Returns a
 * subscription id (> 0) or -errno.
 */
EW_EXPORT int ew_subscribe(struct ew_session *s, uint32_t mask, ew_event_fn fn, void *userdata);

/* Removes a subscription; safe to call from inside a callback. */
EW_EXPORT int ew_unsubscribe(struct ew_session *s, int id);

/*
 * Publishes ev to every subscriber: ev->seq is assigned here and ev->time_* filled if zero.
 * Backends call this; plugins may publish their own events too.
 */
EW_EXPORT void ew_publish(struct ew_session *s, struct ew_event *ev);

/* Loads a plugin (see the top of this file). arg may be NULL. */
EW_EXPORT int ew_session_load_plugin(struct ew_session *s, const char *path, const char *arg);

/* Opens a SQLite sink at path (which must not exist: -EEXIST) and attaches it to the session. */
EW_EXPORT int ew_session_add_sqlite(struct ew_session *s, const char *path);

/* Attaches a JSON Lines sink writing to fd (format: docs/JSON.md). With close_fd the session
 * owns fd from this call on and closes it, also when the call fails. */
EW_EXPORT int ew_session_add_jsonl(struct ew_session *s, int fd, bool close_fd);

/* Attaches a live text sink writing to fd (one readable line per event); close_fd as above. */
EW_EXPORT int ew_session_add_text(struct ew_session *s, int fd, bool close_fd);

/*
 * Adds the policy file path (docs/POLICY.md) to the session's exec guard: every exec is then
 * decided before it runs (ptrace backend). Repeatable; files are read in order, as if they were
 * one. On failure returns -errno and writes a one-line message ("FILE:LINE:COL: what") to err.
 */
EW_EXPORT int ew_session_load_policy(struct ew_session *s, const char *path, char *err,
				     size_t errlen);

/* ---------------------------------------------------------------------------------------------
 * Syscall logging (EW_EV_SYSCALL events)
 * ------------------------------------------------------------------------------------------- */

/*
 * Selects the syscalls logged as EW_EV_SYSCALL events, before ew_session_spawn/attach. set is
 * the `--syscalls` grammar: a comma list of classes (exec, file, desc, process, network, memory,
 * signal, all, none) and syscall names of x86_64 or i386, `!ITEM` excluding ("all,!futex").
 * The default is "exec". The ptrace backend stops the tracee only on selected syscalls.
 * Returns 0, -EINVAL for a bad set, -EBUSY once the session has started.
 */
EW_EXPORT int ew_session_set_syscalls(struct ew_session *s, const char *set);

/* Limits syscall logging to processes whose comm is name (repeatable; exec, fork and exit
 * events are still recorded for every process). -EINVAL: empty or longer than 15 bytes. */
EW_EXPORT int ew_session_add_comm(struct ew_session *s, const char *name);

/* Switch syscall logging on (the default) or off while a session runs. Async-signal-safe:
 * the CLI toggles it on SIGUSR1. While off, selected syscalls still stop but are not logged. */
EW_EXPORT void ew_session_enable_syscalls(struct ew_session *s);
EW_EXPORT void ew_session_disable_syscalls(struct ew_session *s);
EW_EXPORT bool ew_session_syscalls_enabled(const struct ew_session *s);

/* ---------------------------------------------------------------------------------------------
 * Running
 * ------------------------------------------------------------------------------------------- */

/*
 * Starts argv[0] (searched in PATH like execvp) under observation; it is stopped until
 * ew_session_run(). The failed PATH lookups are recorded like any other exec.
 */
EW_EXPORT int ew_session_spawn(struct ew_session *s, char *const argv[]);

/* Attaches to every thread of a running process. -ESRCH: no such process; -EPERM: not allowed. */
EW_EXPORT int ew_session_attach(struct ew_session *s, pid_t pid);

/*
 * Runs until every traced task is gone (or ew_session_stop() ends it). *status receives the
 * shell-style status of the spawned command (code, or 128 + signal; 127 not found, 126 cannot
 * execute); for an attached process, its status if it ended, else 0. *status is set
 * whenever the command ran, even when a sink failed (the return value says so).
 */
EW_EXPORT int ew_session_run(struct ew_session *s, int *status);

/*
 * Asks a running session to end; async-signal-safe. how: 0 = forward sig to the spawned command
 * and keep recording until the tree ends; 1 = end now (kill a spawned tree, detach from an
 * attached one).
 */
EW_EXPORT void ew_session_stop(struct ew_session *s, int sig, int how);

#ifdef __cplusplus
}
#endif
#endif /* EXECWATCH_H */
