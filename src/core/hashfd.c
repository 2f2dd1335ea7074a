/* SPDX-License-Identifier: MIT */
#include "hashfd.h"

#include <errno.h>
#include <unistd.h>

int ew_hash_fd(int fd, const EVP_MD *md, unsigned char *out, unsigned int *len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	*len = 0;
	if (!EVP_DigestInit_ex(ctx, md, NULL)) {
		r = -EIO;
		goto out;
	}
	static __thread unsigned char buf[1 << 16];
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			r = -EIO;
			goto out;
		}
		off += n;
	}
	if (!EVP_DigestFinal_ex(ctx, out, len))
		r = -EIO;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}
