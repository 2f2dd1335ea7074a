/* SPDX-License-Identifier: MIT */
/*
 * escape.h - turning arbitrary bytes into JSON strings and readable C-style text.
 *
 * JSON (ew_json_str): the output is always valid UTF-8 JSON. Valid UTF-8 sequences are copied;
 * '"', '\\' and control bytes are escaped (\n, \t, ..., \u00XX); DEL is \u007f. Every byte
 * that is not part of a valid UTF-8 sequence (including encoded surrogates and overlongs) is
 * written as the escape \udcXX, XX being the byte: the "surrogateescape" convention of PEP 383.
 * Such escapes never come from valid input, so decoding is lossless: Python's
 * json.loads(s).encode("utf-8", "surrogateescape") gives back the exact bytes.
 *
 * Text (ew_cescape): printable ASCII and valid UTF-8 are copied; '"' and '\\' are escaped;
 * other bytes become \n \t \r \a \b \f \v \e or \xXX. With a limit, at most `limit` input
 * bytes are rendered and the caller adds "..." when *cut is set.
 */
#ifndef EW_CORE_ESCAPE_H
#define EW_CORE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends the bytes as a quoted JSON string. */
int ew_json_str(struct ew_buf *b, const char *s, size_t len);
/* Appends an ew_str as a JSON string, or null when s.ptr is NULL. */
int ew_json_estr(struct ew_buf *b, struct ew_str s);
/* Appends a JSON array of strings. */
int ew_json_strv(struct ew_buf *b, const struct ew_strv *v);

/* Appends a C-escaped rendering (without quotes) of at most limit bytes (0: no limit). */
int ew_cescape(struct ew_buf *b, const char *s, size_t len, size_t limit, bool *cut);

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if s[0] starts none. */
size_t ew_utf8_seq(const unsigned char *s, size_t avail);

#endif
