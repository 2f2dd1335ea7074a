/* SPDX-License-Identifier: MIT */
/*
 * sysrender DIR - makes one syscall per rendering rule of the syscall log and prints, for each,
 * what the log must contain: lines "NAME<TAB>SLOT<TAB>REPR" where SLOT is 0..5 (an argument)
 * or "ret". tests/cases/syscall_render.sh checks each line against the database.
 * Raw syscall() is used so the C library cannot change the call.
 */
#include "progs.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/sched.h>

static void expect(const char *name, const char *slot, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void expect(const char *name, const char *slot, const char *fmt, ...)
{
	va_list ap;
	printf("%s\t%s\t", name, slot);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int main(int argc, char **argv)
{
	prog_name = "sysrender";
	if (argc < 2) {
		fprintf(stderr, "usage: sysrender DIR\n");
		prog_exit(2);
	}
	const char *dir = argv[1];
	char path[4096];
	snprintf(path, sizeof(path), "%s/render-out", dir);

	/* A failing open: errno name and text from the C library; flags; AT_FDCWD. */
	long r = syscall(SYS_openat, AT_FDCWD, "/nonexistent/ew-render", O_RDONLY | O_CLOEXEC);
	if (r != -1 || errno != ENOENT)
		prog_exit(1);
	expect("openat", "0", "AT_FDCWD");
	expect("openat", "1", "\"/nonexistent/ew-render\"");
	expect("openat", "2", "O_RDONLY|O_CLOEXEC");
	expect("openat", "ret", "-2 ENOENT (No such file or directory)");

	/* Creating a file: open flags and mode, fd rendered with its path. */
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0)
		prog_exit(1);
	char real[4096];
	if (!realpath(path, real))
		prog_exit(1);
	expect("openat", "2", "O_WRONLY|O_CREAT|O_TRUNC");
	expect("openat", "3", "0640");
	expect("openat", "ret", "%d<%s>", fd, real);

	/* Strings with escapes; buffers by length. */
	if (syscall(SYS_write, fd, "hello\n\t\"x\\", 10) != 10)
		prog_exit(1);
	expect("write", "0", "%d<%s>", fd, real);
	expect("write", "1", "\"hello\\n\\t\\\"x\\\\\"");
	expect("write", "2", "10");
	expect("write", "ret", "10");

	/* The string limit (-s 256 by default), with the marker when cut. */
	char big[300];
	memset(big, 'a', sizeof(big));
	if (syscall(SYS_write, fd, big, sizeof(big)) != (long)sizeof(big))
		prog_exit(1);
	char want[300];
	memset(want, 'a', 256);
	want[256] = '\0';
	expect("write", "1", "\"%s\"...", want);
	syscall(SYS_close, fd);
	expect("close", "0", "%d<%s>", fd, real);

	/* Hostile pointers: unmapped, and a string running into an unreadable page. */
	r = syscall(SYS_openat, AT_FDCWD, (const char *)8, O_RDONLY);
	expect("openat", "1", "0x8 (unreadable)");
	expect("openat", "ret", "-14 EFAULT (Bad address)");
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		prog_exit(1);
	expect("mmap", "0", "NULL");
	expect("mmap", "1", "8192");
	expect("mmap", "2", "PROT_READ|PROT_WRITE");
	expect("mmap", "3", "MAP_PRIVATE|MAP_ANONYMOUS");
	expect("mmap", "4", "-1");
	expect("mmap", "ret", "%p", (void *)pages);
	if (mprotect(pages + 4096, 4096, PROT_NONE) < 0)
		prog_exit(1);
	expect("mprotect", "2", "PROT_NONE");
	memset(pages + 4096 - 10, 'b', 10);
	r = syscall(SYS_openat, AT_FDCWD, pages + 4096 - 10, O_RDONLY);
	expect("openat", "1", "\"bbbbbbbbbb\"... (unreadable after 10 bytes)");

	/* Access modes, at-flags, pointers with their struct type. */
	syscall(SYS_access, "/", R_OK | X_OK);
	expect("access", "1", "R_OK|X_OK");
	syscall(SYS_access, "/", F_OK);
	expect("access", "1", "F_OK");
	struct stat st;
	syscall(SYS_newfstatat, AT_FDCWD, "/", &st, AT_SYMLINK_NOFOLLOW);
	expect("newfstatat", "2", "%p (struct stat *)", (void *)&st);
	expect("newfstatat", "3", "AT_SYMLINK_NOFOLLOW");
	syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent/ew-dir", AT_REMOVEDIR);
	expect("unlinkat", "2", "AT_REMOVEDIR");

	/* Signals. */
	signal(SIGURG, SIG_IGN);
	syscall(SYS_kill, getpid(), SIGURG);
	expect("kill", "1", "SIGURG");
	syscall(SYS_kill, getpid(), 0);
	expect("kill", "1", "0");

	/* Sockets and pipes are named like socket:[INODE] and pipe:[INODE]. */
	int s = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	if (s >= 0) {
		fstat(s, &st);
		expect("socket", "0", "AF_INET");
		expect("socket", "ret", "%d<socket:[%lu]>", s, (unsigned long)st.st_ino);
		syscall(SYS_close, s);
	}
	int p[2];
	if (pipe(p) < 0)
		prog_exit(1);
	fstat(p[1], &st);
	syscall(SYS_write, p[1], "pipe!", 5);
	expect("write", "0", "%d<pipe:[%lu]>", p[1], (unsigned long)st.st_ino);
	/* A buffer the kernel fills is rendered at the exit, with the returned length. */
	char in[64];
	if (syscall(SYS_read, p[0], in, sizeof(in)) != 5)
		prog_exit(1);
	expect("read", "1", "\"pipe!\"");
	expect("read", "2", "64");
	expect("read", "ret", "5");

	/* fd names follow the fd table: the same number re-opened on another file, and dup2
	 * onto a number, are shown with the new file (the name cache must not go stale). */
	char pa[4096], pb[4096], ra[4096], rb[4096];
	snprintf(pa, sizeof(pa), "%s/render-a", dir);
	snprintf(pb, sizeof(pb), "%s/render-b", dir);
	int fa = (int)syscall(SYS_openat, AT_FDCWD, pa, O_WRONLY | O_CREAT, 0600);
	if (fa < 0 || !realpath(pa, ra))
		prog_exit(1);
	syscall(SYS_write, fa, "A", 1);
	expect("write", "0", "%d<%s>", fa, ra);
	syscall(SYS_close, fa);
	int fb = (int)syscall(SYS_openat, AT_FDCWD, pb, O_WRONLY | O_CREAT, 0600);
	if (fb != fa || !realpath(pb, rb))
		prog_exit(1);
	syscall(SYS_write, fb, "BB", 2);
	expect("write", "0", "%d<%s>", fb, rb);
	int fc = (int)syscall(SYS_openat, AT_FDCWD, pa, O_WRONLY);
	if (fc < 0 || syscall(SYS_dup2, fc, fb) != fb)
		prog_exit(1);
	expect("dup2", "1", "%d<%s>", fb, rb);
	expect("dup2", "ret", "%d<%s>", fb, ra);
	syscall(SYS_write, fb, "CCC", 3);
	expect("write", "0", "%d<%s>", fb, ra);
	syscall(SYS_close, fb);
	syscall(SYS_close, fc);

	/* clone flags: a plain fork. */
	pid_t c = (pid_t)syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, NULL, NULL, 0);
	if (c == 0)
		_exit(0);
	if (c > 0)
		waitpid(c, NULL, 0);
	expect("clone", "0", "CLONE_CHILD_SETTID|SIGCHLD");

	/* String arrays with the count limit (32). */
	char *av[41];
	char names[40][8];
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "a%d", i);
		av[i] = names[i];
	}
	av[40] = NULL;
	char kv[] = "K=V";
	char *ev[] = {kv, NULL};
	syscall(SYS_execve, "/nonexistent/ew-exec", av, ev);
	char line[1024] = "[";
	for (int i = 0; i < 32; i++) {
		char one[16];
		snprintf(one, sizeof(one), "%s\"a%d\"", i ? ", " : "", i);
		strcat(line, one);
	}
	strcat(line, ", ...]");
	expect("execve", "1", "%s", line);
	expect("execve", "2", "[\"K=V\"]");
	expect("execve", "ret", "-2 ENOENT (No such file or directory)");

	fflush(stdout);
	syscall(SYS_exit_group, 0);
	return 0;
}
