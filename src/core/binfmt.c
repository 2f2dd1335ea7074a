/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "binfmt.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void ew_file_info_from_stat(const struct stat *st, struct ew_file_info *out)
{
	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->dev = st->st_dev;
	out->ino = st->st_ino;
	out->mode = st->st_mode;
	out->uid = st->st_uid;
	out->gid = st->st_gid;
	out->size = st->st_size;
	out->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	out->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* binfmt_script: skip blanks after "#!", the interpreter runs to the next blank, the argument
 * is the rest of the line with surrounding blanks removed. A line longer than the buffer is
 * accepted only if the interpreter ends inside it. */
static void parse_script(const unsigned char *head, size_t len, struct ew_binfmt *out)
{
	size_t end = len < EW_BINPRM_BUF ? len : EW_BINPRM_BUF;
	const unsigned char *nl = memchr(head, '\n', end);
	size_t lim = nl ? (size_t)(nl - head) : end;
	size_t i = 2;
	while (i < lim && (head[i] == ' ' || head[i] == '\t'))
		i++;
	size_t s = i;
	while (i < lim && head[i] != ' ' && head[i] != '\t' && head[i] != '\0')
		i++;
	out->kind = EW_BINFMT_SCRIPT;
	size_t n = i - s;
	if (n >= sizeof(out->interp))
		n = sizeof(out->interp) - 1;
	memcpy(out->interp, head + s, n);
	out->interp[n] = '\0';
	out->interp_len = n;
	while (i < lim && (head[i] == ' ' || head[i] == '\t'))
		i++;
	size_t a = i, e = lim;
	/* A NUL ends the line for the kernel too. */
	const unsigned char *z = memchr(head + a, '\0', e - a);
	if (z)
		e = (size_t)(z - head);
	while (e > a && (head[e - 1] == ' ' || head[e - 1] == '\t'))
		e--;
	n = e - a;
	if (n >= sizeof(out->arg))
		n = sizeof(out->arg) - 1;
	memcpy(out->arg, head + a, n);
	out->arg[n] = '\0';
	out->arg_len = n;
}

static bool read_exact(int fd, const unsigned char *head, size_t hlen, void *dst, uint64_t off,
		       size_t len)
{
	if (off <= hlen && len <= hlen - off) {
		memcpy(dst, head + off, len);
		return true;
	}
	if (fd < 0 || off > INT64_MAX)
		return false;
	ssize_t n = pread(fd, dst, len, (off_t)off);
	return n == (ssize_t)len;
}

static void parse_elf(const unsigned char *head, size_t len, int fd, struct ew_binfmt *out)
{
	out->kind = EW_BINFMT_ELF;
	if (len < EI_NIDENT + 4)
		return;
	out->elf_class = head[EI_CLASS];
	uint64_t phoff;
	unsigned phnum, phentsize;
	bool le = head[EI_DATA] == ELFDATA2LSB;
	if (!le) /* execwatch runs on little-endian x86; big-endian ELF cannot run here */
		return;
	if (out->elf_class == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;
		memcpy(&eh, head, sizeof(eh));
		out->elf_type = eh.e_type;
		out->elf_machine = eh.e_machine;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		if (phentsize != sizeof(Elf64_Phdr))
			return;
	} else if (out->elf_class == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;
		memcpy(&eh, head, sizeof(eh));
		out->elf_type = eh.e_type;
		out->elf_machine = eh.e_machine;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		if (phentsize != sizeof(Elf32_Phdr))
			return;
	} else {
		return;
	}
	if (phnum > 4096) /* the kernel refuses more than 64 KiB of headers */
		return;
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t off = phoff + (uint64_t)i * phentsize, ioff, isz;
		uint32_t type;
		if (out->elf_class == ELFCLASS64) {
			Elf64_Phdr ph;
			if (!read_exact(fd, head, len, &ph, off, sizeof(ph)))
				return;
			type = ph.p_type, ioff = ph.p_offset, isz = ph.p_filesz;
		} else {
			Elf32_Phdr ph;
			if (!read_exact(fd, head, len, &ph, off, sizeof(ph)))
				return;
			type = ph.p_type, ioff = ph.p_offset, isz = ph.p_filesz;
		}
		if (type != PT_INTERP)
			continue;
		/* The kernel wants 2..PATH_MAX bytes ending in NUL. */
		if (isz < 2 || isz > sizeof(out->interp))
			return;
		char tmp[sizeof(out->interp)];
		if (!read_exact(fd, head, len, tmp, ioff, (size_t)isz))
			return;
		size_t n = strnlen(tmp, (size_t)isz);
		memcpy(out->interp, tmp, n);
		out->interp[n] = '\0';
		out->interp_len = n;
		return;
	}
}

void ew_binfmt_parse(const unsigned char *head, size_t len, int fd, struct ew_binfmt *out)
{
	out->kind = EW_BINFMT_UNKNOWN;
	out->interp[0] = out->arg[0] = '\0';
	out->interp_len = out->arg_len = 0;
	out->elf_class = 0;
	out->elf_type = out->elf_machine = 0;
	if (len >= 2 && head[0] == '#' && head[1] == '!')
		parse_script(head, len, out);
	else if (len >= 4 && !memcmp(head, ELFMAG, SELFMAG))
		parse_elf(head, len, fd, out);
	else
		out->kind = EW_BINFMT_UNKNOWN;
}

int ew_binfmt_probe_at(int dirfd, const char *path, bool nofollow, struct ew_binfmt *out)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0);
	int fd = openat(dirfd, path, flags);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EACCES;
	}
	unsigned char head[2048];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	ew_binfmt_parse(head, (size_t)n, fd, out);
	close(fd);
	return 0;
}
