/* SPDX-License-Identifier: MIT */
#include "imap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static inline size_t slot_of(int32_t key, size_t cap)
{
	uint32_t h = (uint32_t)key * 2654435761u; /* Knuth's multiplicative hash */
	return (size_t)(h ^ (h >> 16)) & (cap - 1);
}

void *ew_imap_get(const struct ew_imap *m, int32_t key)
{
	if (!m->cap || key < 0)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key)
			return m->slots[i].val;
		if (m->slots[i].key < 0)
			return NULL;
	}
}

static int grow(struct ew_imap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct ew_imap_slot *ns = malloc(ncap * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		ns[i].key = -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key < 0)
			continue;
		size_t j = slot_of(m->slots[i].key, ncap);
		while (ns[j].key >= 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int ew_imap_put(struct ew_imap *m, int32_t key, void *val)
{
	if (key < 0)
		return -EINVAL;
	if ((m->len + 1) * 4 > m->cap * 3) {
		int r = grow(m);
		if (r < 0)
			return r;
	}
	size_t i = slot_of(key, m->cap);
	while (m->slots[i].key >= 0 && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].key < 0)
		m->len++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	return 0;
}

void *ew_imap_del(struct ew_imap *m, int32_t key)
{
	if (!m->cap || key < 0)
		return NULL;
	size_t mask = m->cap - 1, i = slot_of(key, m->cap);
	while (m->slots[i].key != key) {
		if (m->slots[i].key < 0)
			return NULL;
		i = (i + 1) & mask;
	}
	void *old = m->slots[i].val;
	/* Backward-shift: move later members of the probe run into the hole. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; m->slots[j].key >= 0; j = (j + 1) & mask) {
		size_t home = slot_of(m->slots[j].key, m->cap);
		bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
		if (movable) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].key = -1;
	m->slots[hole].val = NULL;
	m->len--;
	return old;
}

void ew_imap_free(struct ew_imap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

int ew_imap_next(const struct ew_imap *m, size_t *pos, int32_t *key, void **val)
{
	for (size_t i = *pos; i < m->cap; i++) {
		if (m->slots[i].key >= 0) {
			if (key)
				*key = m->slots[i].key;
			if (val)
				*val = m->slots[i].val;
			*pos = i + 1;
			return 1;
		}
	}
	*pos = m->cap;
	return 0;
}
