/* SPDX-License-Identifier: MIT */
/*
 * integrity.c - file checksums for "force" rules (OpenSSL EVP: SHA-256, SHA-512, SHA3-256),
 * cached by (device, inode, size, mtime, ctime, algorithm) so that repeated execs of an
 * unchanged file do not rehash it. Any change to the file changes mtime/ctime (or the inode).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashfd.h"
#include "policy.h"

struct hent {
	bool used;
	uint8_t algo;
	uint64_t dev, ino;
	int64_t size, mtime_ns, ctime_ns;
	uint8_t digest[EW_HASH_MAX];
};

struct ew_hash_cache {
	struct hent *slots;
	size_t cap, n;
	uint64_t misses;
};

#define CACHE_MAX 65536

int ew_hash_cache_new(struct ew_hash_cache **out)
{
	struct ew_hash_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cap = 256;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void ew_hash_cache_free(struct ew_hash_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

uint64_t ew_hash_cache_misses(const struct ew_hash_cache *c)
{
	return c ? c->misses : 0;
}

void ew_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static size_t slot_of(const struct ew_hash_cache *c, uint64_t dev, uint64_t ino, unsigned algo)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full) ^ algo;
	h ^= h >> 29;
	return (size_t)h & (c->cap - 1);
}

static struct hent *lookup(struct ew_hash_cache *c, const struct stat *st, unsigned algo)
{
	for (size_t i = slot_of(c, st->st_dev, st->st_ino, algo);; i = (i + 1) & (c->cap - 1)) {
		struct hent *e = &c->slots[i];
		if (!e->used || (e->dev == st->st_dev && e->ino == st->st_ino && e->algo == algo))
			return e;
	}
}

static const EVP_MD *md_of(enum ew_hash_algo a)
{
	switch (a) {
	case EW_HASH_SHA256: return EVP_sha256();
	case EW_HASH_SHA512: return EVP_sha512();
	case EW_HASH_SHA3_256: return EVP_sha3_256();
	default: return NULL;
	}
}

static int digest_fd(int fd, enum ew_hash_algo algo, uint8_t *out)
{
	const EVP_MD *md = md_of(algo);
	if (!md)
		return -EINVAL;
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int r = ew_hash_fd(fd, md, buf, &len);
	if (!r && len != ew_hash_len(algo))
		r = -EIO;
	if (!r)
		memcpy(out, buf, len);
	return r;
}

static int grow(struct ew_hash_cache *c)
{
	if (c->cap >= CACHE_MAX) {
		/* Full: start over rather than grow without bound. */
		memset(c->slots, 0, c->cap * sizeof(*c->slots));
		c->n = 0;
		return 0;
	}
	struct hent *old = c->slots;
	size_t ocap = c->cap;
	struct hent *n = calloc(ocap * 2, sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->slots = n;
	c->cap = ocap * 2;
	c->n = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		struct stat st = {.st_dev = old[i].dev, .st_ino = old[i].ino};
		*lookup(c, &st, old[i].algo) = old[i];
		c->n++;
	}
	free(old);
	return 0;
}

int ew_hash_file(struct ew_hash_cache *c, int fd, const struct stat *st, enum ew_hash_algo algo,
		 uint8_t *out)
{
	size_t dlen = ew_hash_len(algo);
	if (!dlen)
		return -EINVAL;
	struct hent *e = c ? lookup(c, st, algo) : NULL;
	if (e && e->used && e->size == st->st_size && e->mtime_ns == ns(&st->st_mtim) &&
	    e->ctime_ns == ns(&st->st_ctim)) {
		memcpy(out, e->digest, dlen);
		return 0;
	}
	uint8_t d[EW_HASH_MAX];
	int r = digest_fd(fd, algo, d);
	if (r < 0)
		return r;
	memcpy(out, d, dlen);
	if (!c)
		return 0;
	c->misses++;
	if (!e->used) {
		if ((c->n + 1) * 2 > c->cap) {
			if (grow(c) < 0)
				return 0;
			e = lookup(c, st, algo);
		}
		c->n++;
	}
	*e = (struct hent){true, (uint8_t)algo, st->st_dev, st->st_ino, st->st_size,
			   ns(&st->st_mtim), ns(&st->st_ctim), {0}};
	memcpy(e->digest, d, dlen);
	return 0;
}
