/* SPDX-License-Identifier: MIT */
/*
 * pathjoin.h - lexical path joining shared by the backends (the exec `procname`).
 */
#ifndef EW_CORE_PATHJOIN_H
#define EW_CORE_PATHJOIN_H

#include <stddef.h>

#include "buf.h"

/*
 * Sets out to base (may be NULL) + "/" + path, folding "//" and "/./" but keeping "..":
 * resolving ".." lexically could name a different file than the kernel would open, so we do
 * not guess. An empty result is "/". Returns 0 or -ENOMEM.
 */
int ew_path_join_clean(struct ew_buf *out, const char *base, size_t blen, const char *path,
		       size_t plen);

#endif
