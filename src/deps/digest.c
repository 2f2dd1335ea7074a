/* SPDX-License-Identifier: MIT */
/* digest.c - SHA-256 of files (OpenSSL EVP) and the identity-keyed cache (digest.h). */
#define _GNU_SOURCE
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "execwatch.h"
#include "hashfd.h"

#define CACHE_MAGIC "execwatch-sha256-cache 1\n"

struct centry {
	uint64_t dev, ino;
	int64_t size, mtime_ns, ctime_ns;
	unsigned char sha[32];
	struct centry *next;
};

struct ew_hashcache {
	char *path; /* NULL: no persistence */
	struct centry **buckets;
	size_t nbuckets, count;
	bool dirty;
};

static size_t bucket_of(const struct ew_hashcache *c, uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full);
	h ^= h >> 29;
	return (size_t)(h & (c->nbuckets - 1));
}

static struct centry *cache_find(struct ew_hashcache *c, const struct ew_digest *d)
{
	if (!c)
		return NULL;
	for (struct centry *e = c->buckets[bucket_of(c, d->dev, d->ino)]; e; e = e->next)
		if (e->dev == d->dev && e->ino == d->ino && e->size == d->size &&
		    e->mtime_ns == d->mtime_ns && e->ctime_ns == d->ctime_ns)
			return e;
	return NULL;
}

static void cache_grow(struct ew_hashcache *c)
{
	size_t n = c->nbuckets * 2;
	struct centry **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	struct centry **old = c->buckets;
	size_t on = c->nbuckets;
	c->buckets = nb;
	c->nbuckets = n;
	for (size_t i = 0; i < on; i++) {
		struct centry *e = old[i];
		while (e) {
			struct centry *next = e->next;
			size_t b = bucket_of(c, e->dev, e->ino);
			e->next = nb[b];
			nb[b] = e;
			e = next;
		}
	}
	free(old);
}

static void cache_put(struct ew_hashcache *c, const struct ew_digest *d,
                      const unsigned char sha[32])
{
	if (!c)
		return;
	struct centry *e = cache_find(c, d);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		e->dev = d->dev;
		e->ino = d->ino;
		e->size = d->size;
		e->mtime_ns = d->mtime_ns;
		e->ctime_ns = d->ctime_ns;
		if (c->count + 1 > c->nbuckets * 2)
			cache_grow(c);
		size_t b = bucket_of(c, e->dev, e->ino);
		e->next = c->buckets[b];
		c->buckets[b] = e;
		c->count++;
	}
	memcpy(e->sha, sha, 32);
	c->dirty = true;
}

static int unhex(const char *s, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = s[2 * i + k];
			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static void tohex(const unsigned char sha[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 15];
	}
	hex[64] = '\0';
}

static char *default_path(void)
{
	const char *env = getenv("EW_HASH_CACHE");
	char *p = NULL;
	if (env)
		return (*env && strcmp(env, "off")) ? strdup(env) : NULL;
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/') {
		if (asprintf(&p, "%s/execwatch/sha256.cache", xdg) < 0)
			p = NULL;
	} else if (home && home[0] == '/') {
		if (asprintf(&p, "%s/.cache/execwatch/sha256.cache", home) < 0)
			p = NULL;
	}
	return p;
}

static void cache_load(struct ew_hashcache *c)
{
	FILE *f = fopen(c->path, "re");
	if (!f)
		return;
	char line[256];
	if (!fgets(line, sizeof(line), f) || strcmp(line, CACHE_MAGIC)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		struct ew_digest d = {0};
		char hex[65];
		if (sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %64s",
		           &d.dev, &d.ino, &d.size, &d.mtime_ns, &d.ctime_ns, hex) != 6 ||
		    strlen(hex) != 64)
			continue;
		unsigned char sha[32];
		if (unhex(hex, sha) == 0)
			cache_put(c, &d, sha);
	}
	fclose(f);
	c->dirty = false;
}

int ew_hashcache_open(const char *path, struct ew_hashcache **out)
{
	struct ew_hashcache *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return -ENOMEM;
	}
	if (!path)
		c->path = default_path();
	else if (*path && strcmp(path, "off"))
		c->path = strdup(path);
	if (c->path)
		cache_load(c);
	*out = c;
	return 0;
}

/* mkdir -p of the directory part of path. */
static void make_parent(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(d, 0700);
		*p = '/';
	}
	free(d);
}

int ew_hashcache_save(struct ew_hashcache *c)
{
	if (!c || !c->path || !c->dirty)
		return 0;
	make_parent(c->path);
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", c->path, (int)getpid()) < 0)
		return -ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return -e;
	}
	FILE *f = fdopen(fd, "we");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return -e;
	}
	fputs(CACHE_MAGIC, f);
	for (size_t i = 0; i < c->nbuckets; i++) {
		for (struct centry *e = c->buckets[i]; e; e = e->next) {
			char hex[65];
			tohex(e->sha, hex);
			fprintf(f,
			        "%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %s\n",
			        e->dev, e->ino, e->size, e->mtime_ns, e->ctime_ns, hex);
		}
	}
	int r = 0;
	if (fclose(f) != 0)
		r = -errno;
	if (!r && rename(tmp, c->path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	else
		c->dirty = false;
	free(tmp);
	return r;
}

void ew_hashcache_free(struct ew_hashcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct centry *e = c->buckets[i];
		while (e) {
			struct centry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(c->buckets);
	free(c->path);
	free(c);
}

int ew_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return -EIO;
	tohex(md, hex);
	return 0;
}

/* SHA-256 of what fd reads until EOF. */
static int sha256_fd(int fd, unsigned char out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int r = ew_hash_fd(fd, EVP_sha256(), md, &len);
	if (!r && len != 32)
		r = -EIO;
	if (!r)
		memcpy(out, md, 32);
	return r;
}

static void fill_stat(struct ew_digest *d, const struct stat *st)
{
	d->stat_ok = true;
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->size = st->st_size;
	d->mode = st->st_mode;
	d->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	d->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

int ew_digest_file(struct ew_hashcache *c, const char *path, struct ew_digest *d)
{
	memset(d, 0, sizeof(*d));
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		d->error = ew_errno_name(e);
		return -e;
	}
	fill_stat(d, &st);
	if (S_ISDIR(st.st_mode)) {
		d->error = "directory";
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		d->error = "not a regular file";
		return -EINVAL;
	}
	struct centry *e = cache_find(c, d);
	if (e) {
		tohex(e->sha, d->sha256);
		d->has_sha = true;
		d->cached = true;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		d->error = ew_errno_name(err);
		return -err;
	}
	unsigned char sha[32];
	struct stat st2;
	int r = sha256_fd(fd, sha);
	/* Describe what was read: the file may have changed between stat and open. */
	if (!r && fstat(fd, &st2) == 0)
		fill_stat(d, &st2);
	close(fd);
	if (r < 0) {
		d->error = ew_errno_name(-r);
		return r;
	}
	tohex(sha, d->sha256);
	d->has_sha = true;
	cache_put(c, d, sha);
	return 0;
}
