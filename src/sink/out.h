/* SPDX-License-Identifier: MIT */
/*
 * out.h - the buffered fd writer shared by the JSON Lines and text sinks, and signal names.
 */
#ifndef EW_SINK_OUT_H
#define EW_SINK_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "session.h"

/* ---------------------------------------------------------------------------------------------
 * Buffered fd writer shared by the JSON Lines and text sinks (prefix ew_sink_out_).
 * ------------------------------------------------------------------------------------------- */

#define EW_SINK_OUT_BUFSZ (64u * 1024u)

struct ew_sink_out {
	int fd;
	bool close_fd;      /* fd is owned, closed by ew_sink_out_close() */
	bool line_buffered; /* write at every ew_sink_out_record_end() */
	bool no_sigpipe;    /* fd may raise SIGPIPE (pipe, socket): suppress it around writes */
	int error;          /* first -errno met; nothing is written after it */
	char *buf;
	size_t len;
};

/* Looks at fd (fstat) to choose the buffering. Returns 0, -EBADF or -ENOMEM. */
int ew_sink_out_init(struct ew_sink_out *o, int fd, bool close_fd);
/* Queues len bytes; may write. Returns 0 or the sticky -errno. */
int ew_sink_out_put(struct ew_sink_out *o, const void *data, size_t len);
/* Marks the end of a record (a line): writes now when line-buffered. */
int ew_sink_out_record_end(struct ew_sink_out *o);
/* Writes everything queued. Returns 0 or the sticky -errno. */
int ew_sink_out_flush(struct ew_sink_out *o);
/* Flushes, then closes fd if owned. Returns the first error (write or close). Idempotent. */
int ew_sink_out_close(struct ew_sink_out *o);
/* Frees the buffer; closes an owned fd without flushing (use ew_sink_out_close() first). */
void ew_sink_out_free(struct ew_sink_out *o);

/* "SIGKILL", "SIGRTMIN+3"... written into buf (at least 16 bytes), or NULL if sig is not a
 * signal number. */
const char *ew_sink_signame(int sig, char *buf, size_t size);

/* ---------------------------------------------------------------------------------------------
 * Line sinks: render each event into one line, write it through an ew_sink_out. The JSON Lines
 * and text sinks embed this as their first member and share its ops functions.
 * ------------------------------------------------------------------------------------------- */

struct ew_line_sink {
	struct ew_sink base;
	struct ew_sink_out out;
	struct ew_buf line;
	/* Appends the rendering of ev, ending with '\n', to ls->line; returns 0 or -errno. */
	int (*render)(struct ew_line_sink *ls, const struct ew_event *ev);
};

/* Allocates a zeroed sink of size bytes (>= sizeof(struct ew_line_sink)) with its writer on fd.
 * With close_fd, fd is owned from this call on (closed now on failure). */
int ew_line_sink_new(size_t size, int fd, bool close_fd, const struct ew_sink_ops *ops,
		     int (*render)(struct ew_line_sink *, const struct ew_event *),
		     struct ew_line_sink **out);
void ew_line_sink_event(struct ew_sink *sink, const struct ew_event *ev);
int ew_line_sink_flush(struct ew_sink *sink);
int ew_line_sink_end(struct ew_sink *sink, const struct ew_run_info *info);
void ew_line_sink_destroy(struct ew_sink *sink);

#endif
