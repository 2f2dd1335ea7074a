/* SPDX-License-Identifier: MIT */
/*
 * digest.h - SHA-256 of files, with a persistent cache keyed by the file's identity.
 *
 * A file's checksum is reused while its (st_dev, st_ino, st_size, st_mtime, st_ctime) stay the
 * same: any write changes mtime and ctime (ctime cannot be set from user space), so a cached
 * value is never stale in practice, and a build's libraries are hashed once per machine.
 * The cache is a text file (default $XDG_CACHE_HOME/execwatch/sha256.cache, else
 * ~/.cache/execwatch/sha256.cache; $EW_HASH_CACHE overrides, "off" disables it), read at open
 * and rewritten atomically (temp file + rename) by ew_hashcache_save() when it gained entries.
 * A damaged cache file is ignored, never fatal.
 */
#ifndef EW_DEPS_DIGEST_H
#define EW_DEPS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ew_digest {
	bool stat_ok; /* dev..mode are valid */
	uint64_t dev, ino;
	int64_t size, mtime_ns, ctime_ns;
	uint32_t mode;
	bool has_sha;      /* sha256 is valid */
	char sha256[65];   /* lowercase hex, NUL-terminated */
	const char *error; /* why there is no checksum: "ENOENT", "directory", ...; static */
	bool cached;       /* the checksum came from the cache */
};

struct ew_hashcache;

/* Opens the cache at path (NULL: the default place, see above; "" or "off": no cache, every
 * file is hashed). Never fails for a missing or damaged file. Returns 0 or -ENOMEM. */
int ew_hashcache_open(const char *path, struct ew_hashcache **out);
/* Writes the cache back if it gained entries. Returns 0 or -errno (the cache is optional:
 * callers may ignore it). */
int ew_hashcache_save(struct ew_hashcache *c);
void ew_hashcache_free(struct ew_hashcache *c);

/*
 * Describes path (following symlinks): stat facts and, for a regular file, its SHA-256 (from
 * the cache when the identity matches, else read; c may be NULL). Returns 0 when d->has_sha,
 * else -errno with d->error set ("directory" / "not a regular file": -EISDIR / -EINVAL).
 */
int ew_digest_file(struct ew_hashcache *c, const char *path, struct ew_digest *d);

/* SHA-256 of a buffer as lowercase hex; returns 0 or -EIO. */
int ew_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
