/* SPDX-License-Identifier: MIT */
/*
 * thread_exec [twice] - exec from a thread that is not the thread-group leader.
 *
 * The main thread creates one thread and waits for it; the thread calls
 * execve("/bin/true", ["true", "from-thread"]). The kernel kills the other threads and the
 * exec'ing thread takes over the leader's pid, so the process keeps its pid while the exec'ing
 * thread had a different tid. With "twice" the thread first tries execve("/nonexistent/ew-thread")
 * (fails with ENOENT, recorded with the thread's tid) and then /bin/true.
 *
 * Exit status: /bin/true's (0); 1 if the exec failed.
 */

#include "progs.h"

#include <pthread.h>

static int twice;

static void *run(void *arg)
{
	const char *args[] = {"true", "from-thread", NULL};

	(void)arg;
	if (twice) {
		const char *a2[] = {"ew-thread", NULL};

		if (raw_execve("/nonexistent/ew-thread", a2, environ) != -1 || errno != ENOENT)
			die(errno, "execve /nonexistent/ew-thread: expected ENOENT");
	}
	raw_execve("/bin/true", args, environ);
	die(errno, "execve /bin/true from a thread");
}

int main(int argc, char **argv)
{
	pthread_t t;
	int err;

	prog_init(argv[0]);
	twice = argc > 1 && !strcmp(argv[1], "twice");
	err = pthread_create(&t, NULL, run, NULL);
	if (err)
		die(err, "pthread_create");
	pthread_join(t, NULL);
	die(0, "the thread returned");
}
