/* SPDX-License-Identifier: MIT */
#include "escape.h"

#include <stdint.h>

size_t ew_utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t min, cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, min = 0x80, cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, min = 0x800, cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int ew_json_str(struct ew_buf *b, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	/* Worst case 6 output bytes per input byte, plus quotes. */
	if (len > (SIZE_MAX - 2) / 6)
		return -12; /* -ENOMEM */
	int r = ew_buf_reserve(b, len * 6 + 2);
	if (r < 0)
		return r;
	char *o = b->ptr + b->len;
	*o++ = '"';
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = ew_utf8_seq(s + i, len - i);
			if (n) {
				for (size_t k = 0; k < n; k++)
					*o++ = (char)s[i + k];
				i += n;
			} else {
				*o++ = '\\', *o++ = 'u', *o++ = 'd', *o++ = 'c';
				*o++ = hex[c >> 4], *o++ = hex[c & 15];
				i++;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u', *o++ = '0', *o++ = '0';
			*o++ = hex[c >> 4], *o++ = hex[c & 15];
			break;
		}
		i++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->ptr);
	b->ptr[b->len] = '\0';
	return 0;
}

int ew_json_estr(struct ew_buf *b, struct ew_str s)
{
	if (!s.ptr)
		return ew_buf_append(b, "null", 4);
	return ew_json_str(b, s.ptr, s.len);
}

int ew_json_strv(struct ew_buf *b, const struct ew_strv *v)
{
	int r = ew_buf_putc(b, '[');
	for (size_t i = 0; r == 0 && i < v->count; i++) {
		if (i)
			r = ew_buf_putc(b, ',');
		if (!r)
			r = ew_json_str(b, v->v[i].ptr ? v->v[i].ptr : "", v->v[i].len);
	}
	return r ? r : ew_buf_putc(b, ']');
}

int ew_cescape(struct ew_buf *b, const char *str, size_t len, size_t limit, bool *cut)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = len;
	if (cut)
		*cut = false;
	if (limit && n > limit) {
		n = limit;
		if (cut)
			*cut = true;
	}
	if (n > (SIZE_MAX - 1) / 4)
		return -12;
	int r = ew_buf_reserve(b, n * 4);
	if (r < 0)
		return r;
	char *o = b->ptr + b->len;
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f) {
			if (c == '"' || c == '\\')
				*o++ = '\\';
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = ew_utf8_seq(s + i, n - i);
			if (k) {
				while (k--)
					*o++ = (char)s[i++];
				continue;
			}
		}
		*o++ = '\\';
		switch (c) {
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		case '\a': *o++ = 'a'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\v': *o++ = 'v'; break;
		case 0x1b: *o++ = 'e'; break;
		default:
			*o++ = 'x', *o++ = hex[c >> 4], *o++ = hex[c & 15];
			break;
		}
		i++;
	}
	b->len = (size_t)(o - b->ptr);
	b->ptr[b->len] = '\0';
	return 0;
}
