/* SPDX-License-Identifier: MIT */
/* hashfd.h - digest of a whole file through OpenSSL's EVP interface (checksums for the exec
 * guard's force rules and for dependency manifests). */
#ifndef EW_CORE_HASHFD_H
#define EW_CORE_HASHFD_H

#include <openssl/evp.h>

/* Digests what fd holds, read with pread from offset 0 to EOF (fd's offset is left alone).
 * out must hold EVP_MAX_MD_SIZE bytes; *len gets the digest's length. Returns 0, -errno from
 * the reads, -ENOMEM, or -EIO when OpenSSL fails. */
int ew_hash_fd(int fd, const EVP_MD *md, unsigned char *out, unsigned int *len);

#endif
