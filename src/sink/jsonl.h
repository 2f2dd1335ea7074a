/* SPDX-License-Identifier: MIT */
/*
 * jsonl.h - the JSON Lines sink.
 *
 * JSON Lines: one JSON object per event, one line each, field names documented in docs/JSON.md
 * (that file is the contract; keep both in step). Strings go through ew_json_str(), so a line
 * is valid UTF-8 JSON whatever bytes the traced programs used. Nothing is written at begin()
 * or end() besides the events.
 *
 * Buffering: a regular file is block-buffered (~64 KiB, written when full, at flush() and at
 * end()); anything else (pipe, tty, socket: `--json -` read live) gets each line written at
 * once. The first write error (EPIPE, ENOSPC, ...) is kept in sink->error as -errno and the sink
 * writes nothing more.
 */
#ifndef EW_SINK_JSONL_H
#define EW_SINK_JSONL_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/*
 * Creates a JSON Lines sink writing to fd. With close_fd the sink owns fd from this call on
 * (closed at end() or destroy(), or now if creation fails); without, fd is only borrowed.
 * *out is owned by the caller until handed to ew_session_add_sink() (or freed with
 * (*out)->ops->destroy()). Returns 0, -EBADF or -ENOMEM.
 */
int ew_sink_jsonl_new(int fd, bool close_fd, struct ew_sink **out);

#endif
