/* SPDX-License-Identifier: MIT */
#include "pathjoin.h"

int ew_path_join_clean(struct ew_buf *out, const char *base, size_t blen, const char *path,
		       size_t plen)
{
	ew_buf_clear(out);
	int r = 0;
	if (base)
		r = ew_buf_append(out, base, blen);
	size_t i = 0;
	while (!r && i < plen) {
		while (i < plen && path[i] == '/')
			i++;
		size_t s = i;
		while (i < plen && path[i] != '/')
			i++;
		size_t n = i - s;
		if (n == 0 || (n == 1 && path[s] == '.'))
			continue;
		if (!(out->len && out->ptr[out->len - 1] == '/'))
			r = ew_buf_putc(out, '/');
		if (!r)
			r = ew_buf_append(out, path + s, n);
	}
	if (!r && out->len == 0)
		r = ew_buf_putc(out, '/');
	return r;
}
