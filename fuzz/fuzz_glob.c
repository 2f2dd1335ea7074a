/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the glob compiler and matcher. Input: PATTERN '\n' STRING. Checks that a
 * literal pattern matches exactly itself and that matching stays within its O(n*m) bound. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	const char *nl = memchr(d, '\n', size);
	size_t plen = nl ? (size_t)(nl - d) : size;
	const char *s = nl ? nl + 1 : d;
	size_t slen = nl ? size - plen - 1 : size;
	struct ew_glob g;
	size_t col = 0;
	if (ew_glob_compile(d, plen, &g, &col) != 0) {
		if (col < 1 || col > plen)
			__builtin_trap(); /* an error column inside the pattern */
		return 0;
	}
	bool m = ew_glob_match(&g, s, slen);
	if (g.literal && m != (slen == g.prefix_len && !memcmp(s, g.prefix, slen)))
		__builtin_trap();
	/* A pattern always matches its own literal prefix when it is literal. */
	if (g.literal && !ew_glob_match(&g, g.prefix, g.prefix_len))
		__builtin_trap();
	ew_glob_free(&g);
	return 0;
}
