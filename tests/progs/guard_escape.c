/* SPDX-License-Identifier: MIT */
/*
 * guard_escape MODE VICTIM [ARG] - tries one way around an exec guard that denies VICTIM (a copy
 * of tests/progs/victim in a denied directory). The test checks that VICTIM never ran ($EW_MARKER
 * stays empty) and which decision was logged. Prints "MODE: errno NAME" for the final attempt
 * and exits 0 when the attempt failed, 3 when an exec "succeeded" (it cannot return then; 3 is
 * for attempts made in children).
 *
 *   direct      execve(VICTIM)
 *   symlink     execve(ARG), ARG a symlink (in an allowed directory) to VICTIM
 *   ldso        execve(ld.so, [ld.so, VICTIM]): run the program through the ELF loader
 *   memfd       copy VICTIM into a memfd, fexecve it
 *   execveat    execveat(open(dirname VICTIM), basename VICTIM)
 *   script      execve(ARG), ARG a script in an allowed directory whose "#!" is VICTIM
 *   thread      execve(VICTIM) from a second thread
 *   vfork       vfork, then execve(VICTIM) in the child
 *   race        ARG names a symlink in an allowed directory; a thread keeps renaming a link to
 *               /bin/true and a link to VICTIM over it while children execve(ARG) 300 times
 *   racefile    like race, but with regular files: ARG.a and ARG.b (hard-linked in turn over
 *               ARG with rename(2)) while children execve(ARG) 300 times
 *   untraced    clone(CLONE_UNTRACED) and execve(VICTIM) in the child; then clone3 with
 *               CLONE_UNTRACED (prints "untraced: errno E" and "clone3: errno E")
 *   ptrace      a child tries PTRACE_TRACEME and to attach to its parent, then execve(VICTIM)
 *   killtracer  kill(getppid(), SIGKILL) (execwatch), then execve(VICTIM)
 */
#include "progs.h"

#include <libgen.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static const char *victim;
static const char *const vargs[] = {"victim", NULL};

static int report(const char *mode, int err)
{
	printf("%s: errno %s\n", mode, err ? strerrorname_np(err) : "0");
	fflush(stdout);
	return 0;
}

static void *thread_exec(void *arg)
{
	(void)arg;
	raw_execve(victim, vargs, environ);
	return (void *)(long)errno;
}

static volatile int racing = 1;
static const char *race_link;
static int race_files;

static void *race_file_swapper(void *arg)
{
	(void)arg;
	char tmp[4200], a[4200], b[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", race_link);
	snprintf(a, sizeof(a), "%s.a", race_link);
	snprintf(b, sizeof(b), "%s.b", race_link);
	while (racing) {
		unlink(tmp);
		if (link(a, tmp) == 0)
			rename(tmp, race_link);
		unlink(tmp);
		if (link(b, tmp) == 0)
			rename(tmp, race_link);
	}
	return NULL;
}

static void *race_swapper(void *arg)
{
	(void)arg;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", race_link);
	while (racing) {
		unlink(tmp);
		if (symlink("/bin/true", tmp) == 0)
			rename(tmp, race_link);
		unlink(tmp);
		if (symlink(victim, tmp) == 0)
			rename(tmp, race_link);
	}
	return NULL;
}

static int child_untraced(void *arg)
{
	(void)arg;
	raw_execve(victim, vargs, environ);
	_exit(errno == ENOSYS ? 38 : 1);
}

static int wait_child(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

int main(int argc, char **argv)
{
	prog_init(argv[0]);
	if (argc < 3)
		die(0, "usage: guard_escape MODE VICTIM [ARG]");
	const char *mode = argv[1];
	victim = argv[2];
	const char *arg = argc > 3 ? argv[3] : NULL;

	if (!strcmp(mode, "direct")) {
		raw_execve(victim, vargs, environ);
		return report(mode, errno);
	}
	if (!strcmp(mode, "symlink") || !strcmp(mode, "script")) {
		if (!arg)
			die(0, "%s needs ARG", mode);
		raw_execve(arg, vargs, environ);
		return report(mode, errno);
	}
	if (!strcmp(mode, "ldso")) {
		static const char *const loaders[] = {"/lib64/ld-linux-x86-64.so.2",
						      "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
						      "/lib/ld-linux-x86-64.so.2"};
		for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++) {
			if (access(loaders[i], X_OK))
				continue;
			const char *a[] = {loaders[i], victim, NULL};
			raw_execve(loaders[i], a, environ);
			return report(mode, errno);
		}
		die(0, "no ELF loader found");
	}
	if (!strcmp(mode, "memfd")) {
		int fd = memfd_create("ewvictim", MFD_CLOEXEC);
		if (fd < 0)
			die(errno, "memfd_create");
		copy_fd_from(fd, victim);
		fexecve(fd, (char *const *)vargs, environ);
		return report(mode, errno);
	}
	if (!strcmp(mode, "execveat")) {
		char *d = strdup(victim), *b = strdup(victim);
		int dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			die(errno, "open dir");
		raw_execveat(dfd, basename(b), vargs, environ, 0);
		return report(mode, errno);
	}
	if (!strcmp(mode, "thread")) {
		pthread_t th;
		void *ret;
		if (pthread_create(&th, NULL, thread_exec, NULL))
			die(0, "pthread_create");
		pthread_join(th, &ret);
		return report(mode, (int)(long)ret);
	}
	if (!strcmp(mode, "vfork")) {
		pid_t pid = vfork();
		if (pid < 0)
			die(errno, "vfork");
		if (pid == 0) {
			raw_execve(victim, vargs, environ);
			_exit(errno == EACCES ? 13 : 1);
		}
		int st = wait_child(pid);
		return report(mode, WIFEXITED(st) && WEXITSTATUS(st) == 13 ? EACCES : 0);
	}
	if (!strcmp(mode, "race") || !strcmp(mode, "racefile")) {
		if (!arg)
			die(0, "race needs ARG");
		race_link = arg;
		race_files = !strcmp(mode, "racefile");
		pthread_t th;
		if (pthread_create(&th, NULL, race_files ? race_file_swapper : race_swapper, NULL))
			die(0, "pthread_create");
		int ran = 0, killed = 0, denied = 0;
		for (int i = 0; i < 300; i++) {
			pid_t pid = fork();
			if (pid < 0)
				die(errno, "fork");
			if (pid == 0) {
				raw_execve(race_link, vargs, environ);
				_exit(errno == EACCES ? 13 : 1);
			}
			int st = wait_child(pid);
			if (WIFSIGNALED(st))
				killed++;
			else if (WEXITSTATUS(st) == 13)
				denied++;
			else
				ran++;
		}
		racing = 0;
		pthread_join(th, NULL);
		printf("%s: %d ran (true or victim), %d denied, %d killed\n", mode, ran, denied, killed);
		return 0;
	}
	if (!strcmp(mode, "untraced")) {
		static char stack[64 * 1024];
		pid_t pid = clone(child_untraced, stack + sizeof(stack), CLONE_UNTRACED | SIGCHLD, NULL);
		if (pid < 0) {
			report(mode, errno);
		} else {
			int st = wait_child(pid);
			printf("untraced: child status %d\n",
			       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
		/* clone3 with CLONE_UNTRACED: a fork-like call (no new stack needed). */
		struct {
			uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
		} ca = {.flags = CLONE_UNTRACED, .exit_signal = SIGCHLD};
		long c = syscall(SYS_clone3, &ca, sizeof(ca));
		if (c == 0) {
			raw_execve(victim, vargs, environ);
			_exit(1);
		}
		if (c > 0) {
			wait_child((pid_t)c);
			printf("clone3: child %ld\n", c);
			return 0;
		}
		printf("clone3: errno %s\n", strerrorname_np(errno));
		return 0;
	}
	if (!strcmp(mode, "ptrace")) {
		pid_t parent = getpid();
		pid_t pid = fork();
		if (pid < 0)
			die(errno, "fork");
		if (pid == 0) {
			long a = ptrace(PTRACE_TRACEME, 0, 0, 0);
			int ea = errno;
			long b = ptrace(PTRACE_ATTACH, parent, 0, 0);
			int eb = errno;
			printf("ptrace: traceme %ld (%s), attach %ld (%s)\n", a, strerrorname_np(ea), b,
			       strerrorname_np(eb));
			fflush(stdout);
			raw_execve(victim, vargs, environ);
			_exit(errno == EACCES ? 13 : 1);
		}
		int st = wait_child(pid);
		return report(mode, WIFEXITED(st) && WEXITSTATUS(st) == 13 ? EACCES : 0);
	}
	if (!strcmp(mode, "killtracer")) {
		kill(getppid(), SIGKILL);
		usleep(200 * 1000);
		raw_execve(victim, vargs, environ);
		return report(mode, errno);
	}
	die(0, "unknown mode '%s'", mode);
}
