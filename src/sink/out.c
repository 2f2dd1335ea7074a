/* SPDX-License-Identifier: MIT */
/* out.c - the buffered fd writer shared by the output sinks (see out.h). */
#define _GNU_SOURCE
#include "out.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------
 * Buffered fd writer
 * ------------------------------------------------------------------------------------------- */

int ew_sink_out_init(struct ew_sink_out *o, int fd, bool close_fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	char *buf = malloc(EW_SINK_OUT_BUFSZ);
	if (!buf)
		return -ENOMEM;
	*o = (struct ew_sink_out){
		.fd = fd,
		.close_fd = close_fd,
		/* Files are read after the run: batch. Pipes and ttys are read live: per line. */
		.line_buffered = !S_ISREG(st.st_mode),
		.no_sigpipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode),
		.buf = buf,
	};
	return 0;
}

/*
 * write(2) on a pipe whose reader is gone raises SIGPIPE, which would kill the tracer (and so
 * the trace) because a consumer like `head` went away. The library must not change the process's
 * signal dispositions (the traced command inherits them), so the signal is blocked for this
 * thread during the write and a SIGPIPE it caused is consumed before unblocking.
 */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0)
		return write(fd, p, n);
	sigemptyset(&pending);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE) == 1;
	ssize_t w = write(fd, p, n);
	int saved = errno;
	if (w < 0 && errno == EPIPE && !was_pending) {
		static const struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

static int write_all(struct ew_sink_out *o, const char *p, size_t n)
{
	while (n) {
		ssize_t w = o->no_sigpipe ? write_nosigpipe(o->fd, p, n) : write(o->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Somebody made the fd non-blocking: wait, losing nothing. */
				struct pollfd pfd = {.fd = o->fd, .events = POLLOUT};
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return o->error = -errno;
				continue;
			}
			return o->error = -errno;
		}
		if (w == 0)
			return o->error = -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ew_sink_out_flush(struct ew_sink_out *o)
{
	if (o->error)
		return o->error;
	size_t n = o->len;
	o->len = 0;
	if (n == 0 || o->fd < 0)
		return 0;
	return write_all(o, o->buf, n);
}

int ew_sink_out_put(struct ew_sink_out *o, const void *data, size_t len)
{
	if (o->error)
		return o->error;
	if (len > EW_SINK_OUT_BUFSZ - o->len) {
		int r = ew_sink_out_flush(o);
		if (r < 0)
			return r;
		if (len >= EW_SINK_OUT_BUFSZ)
			return write_all(o, data, len);
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

int ew_sink_out_record_end(struct ew_sink_out *o)
{
	if (o->line_buffered)
		return ew_sink_out_flush(o);
	return o->error;
}

int ew_sink_out_close(struct ew_sink_out *o)
{
	int r = ew_sink_out_flush(o);
	if (o->close_fd && o->fd >= 0) {
		/* close() reports deferred write errors on some file systems (NFS: ENOSPC, EIO). */
		if (close(o->fd) < 0 && errno != EINTR && !r)
			r = o->error = -errno;
	}
	o->fd = -1;
	o->close_fd = false;
	return r;
}

void ew_sink_out_free(struct ew_sink_out *o)
{
	if (o->close_fd && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	o->close_fd = false;
	free(o->buf);
	o->buf = NULL;
	o->len = 0;
}

const char *ew_sink_signame(int sig, char *buf, size_t size)
{
	if (sig <= 0 || sig > SIGRTMAX)
		return NULL;
	const char *abbrev = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
	if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "SIG%d", sig); /* 32, 33: reserved by the C library */
	return buf;
}


/* ---------------------------------------------------------------------------------------------
 * Line sinks
 * ------------------------------------------------------------------------------------------- */

#define LINE_KEEP_MAX (1u << 20) /* a line buffer grown beyond this is released after use */

static const char *fd_what(int fd, const char *dflt)
{
	return fd == STDOUT_FILENO ? "stdout" : fd == STDERR_FILENO ? "stderr" : dflt;
}

int ew_line_sink_new(size_t size, int fd, bool close_fd, const struct ew_sink_ops *ops,
		     int (*render)(struct ew_line_sink *, const struct ew_event *),
		     struct ew_line_sink **out)
{
	struct ew_line_sink *ls = calloc(1, size);
	int r = ls ? ew_sink_out_init(&ls->out, fd, close_fd) : -ENOMEM;
	if (r < 0) {
		free(ls);
		if (close_fd && fd >= 0)
			close(fd);
		return r;
	}
	ls->base.ops = ops;
	ls->base.what = fd_what(fd, ops->name);
	ls->render = render;
	*out = ls;
	return 0;
}

void ew_line_sink_event(struct ew_sink *sink, const struct ew_event *ev)
{
	struct ew_line_sink *ls = (struct ew_line_sink *)sink;
	if (sink->error || (unsigned)ev->type >= EW_EV__COUNT)
		return;
	ew_buf_clear(&ls->line);
	int r = ls->render(ls, ev);
	if (!r)
		r = ew_sink_out_put(&ls->out, ls->line.ptr, ls->line.len);
	if (!r)
		r = ew_sink_out_record_end(&ls->out);
	if (r < 0)
		sink->error = r;
	if (ls->line.cap > LINE_KEEP_MAX)
		ew_buf_free(&ls->line);
}

int ew_line_sink_flush(struct ew_sink *sink)
{
	struct ew_line_sink *ls = (struct ew_line_sink *)sink;
	if (sink->error)
		return sink->error;
	int r = ew_sink_out_flush(&ls->out);
	if (r < 0)
		sink->error = r;
	return r;
}

int ew_line_sink_end(struct ew_sink *sink, const struct ew_run_info *info)
{
	(void)info;
	struct ew_line_sink *ls = (struct ew_line_sink *)sink;
	int r = ew_sink_out_close(&ls->out);
	if (r < 0 && !sink->error)
		sink->error = r;
	return sink->error;
}

void ew_line_sink_destroy(struct ew_sink *sink)
{
	struct ew_line_sink *ls = (struct ew_line_sink *)sink;
	/* Without end() (the run never happened), still hand over what was received. */
	(void)ew_sink_out_close(&ls->out);
	ew_sink_out_free(&ls->out);
	ew_buf_free(&ls->line);
	free(ls);
}
