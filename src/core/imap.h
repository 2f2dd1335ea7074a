/* SPDX-License-Identifier: MIT */
/*
 * imap.h - a hash map from non-negative int32 keys (pids, tids) to pointers.
 *
 * Open addressing with linear probing and backward-shift deletion, so lookups stay fast as
 * tasks come and go and the table never fills with tombstones. The map does not own values.
 */
#ifndef EW_CORE_IMAP_H
#define EW_CORE_IMAP_H

#include <stddef.h>
#include <stdint.h>

struct ew_imap_slot {
	int32_t key; /* -1: empty */
	void *val;
};

struct ew_imap {
	struct ew_imap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
};

#define EW_IMAP_INIT {NULL, 0, 0}

void *ew_imap_get(const struct ew_imap *m, int32_t key);
/* Inserts or replaces; returns 0 or -ENOMEM (-EINVAL for a negative key). */
int ew_imap_put(struct ew_imap *m, int32_t key, void *val);
/* Removes key; returns the old value or NULL. */
void *ew_imap_del(struct ew_imap *m, int32_t key);
void ew_imap_free(struct ew_imap *m);

/* Iteration: for (size_t i = 0; ew_imap_next(m, &i, &k, &v);) ... ; no changes while iterating. */
int ew_imap_next(const struct ew_imap *m, size_t *pos, int32_t *key, void **val);

#endif
