/* SPDX-License-Identifier: MIT */
/*
 * text.h - the live text sink: one readable, strace-like line per event (`execwatch trace`).
 *
 *   12:00:01.123456 [1234] execve("/usr/bin/ls", ["ls", "-l"], 35 vars) = 0
 *   12:00:01.123456 [1234] execve("x" </home/u/x>, ["x"], 35 vars) = -2 ENOENT (No such ...)
 *   12:00:01.123456 [1234] clone -> 1235 (process)
 *   12:00:01.123456 [1235] exit 0
 *   12:00:01.123456 [1235] killed by SIGKILL (core dumped)
 *
 * The time is local wall-clock time; "[PID/TID]" appears when the thread is not the leader.
 * Strings are C-escaped (ew_cescape) and cut at 256 bytes ("..." after the quote); argv shows
 * its first 32 elements then "... (+N more)"; env is shown as a count. Meant for people: the
 * format may change, scripts should read JSON Lines. Every line is written at once (also to a
 * regular file, so `tail -f` follows it). Nothing is written at begin() or end().
 */
#ifndef EW_SINK_TEXT_H
#define EW_SINK_TEXT_H

#include <stdbool.h>

#include "session.h"

/* Like ew_sink_jsonl_new() (same ownership of fd and *out), for the text format. */
int ew_sink_text_new(int fd, bool close_fd, struct ew_sink **out);

#endif
