/* SPDX-License-Identifier: MIT */
/*
 * elf.c - the ELF facts the exec checks need, read with libelf: class, type, PT_INTERP,
 * PT_DYNAMIC, PT_GNU_STACK, DT_FLAGS_1 & DF_1_PIE. Every count, offset and size comes from the
 * file and is checked against the file's size; a malformed file is "not ELF" (-ENOEXEC), never
 * a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

#define MAX_PHDRS 4096
#define MAX_DYN 65536

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool elf_ok;

static void init_libelf(void)
{
	elf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

static int facts(Elf *e, size_t fsize, const void *mem, int fd, struct ew_elf_facts *out)
{
	struct ew_elf_facts f;
	memset(&f, 0, sizeof(f));
	if (elf_kind(e) != ELF_K_ELF)
		return -ENOEXEC;
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return -ENOEXEC;
	int cls = gelf_getclass(e);
	if (cls != ELFCLASS32 && cls != ELFCLASS64)
		return -ENOEXEC;
	f.elf = true;
	f.is32 = cls == ELFCLASS32;
	f.type = eh.e_type;
	size_t nph = 0;
	if (elf_getphdrnum(e, &nph) != 0 || nph > MAX_PHDRS)
		return -ENOEXEC;
	/* The program header table must lie within the file (libelf may pad a short read). */
	size_t phsz = cls == ELFCLASS32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	if (eh.e_phnum != PN_XNUM && eh.e_phnum != nph)
		return -ENOEXEC; /* libelf could not read the table the header announces */
	if (nph && (eh.e_phoff >= fsize || eh.e_phentsize != phsz || nph > (fsize - eh.e_phoff) / phsz))
		return -ENOEXEC;
	f.exec_stack = true; /* until a PT_GNU_STACK without PF_X says otherwise */
	GElf_Phdr dyn = {0};
	bool have_dyn = false;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return -ENOEXEC;
		switch (ph.p_type) {
		case PT_INTERP: {
			if (ph.p_offset >= fsize || ph.p_filesz == 0 || ph.p_filesz > fsize - ph.p_offset ||
			    ph.p_filesz >= sizeof(f.interp))
				return -ENOEXEC;
			size_t n = ph.p_filesz;
			if (mem) {
				memcpy(f.interp, (const char *)mem + ph.p_offset, n);
			} else {
				ssize_t r = pread(fd, f.interp, n, (off_t)ph.p_offset);
				if (r != (ssize_t)n)
					return r < 0 ? -errno : -ENOEXEC;
			}
			f.interp[n] = '\0';
			f.has_interp = true;
			break;
		}
		case PT_DYNAMIC:
			f.has_dynamic = true;
			dyn = ph;
			have_dyn = true;
			break;
		case PT_GNU_STACK:
			f.gnu_stack = true;
			f.exec_stack = (ph.p_flags & PF_X) != 0;
			break;
		default:
			break;
		}
	}
	if (have_dyn && dyn.p_offset < fsize && dyn.p_filesz && dyn.p_filesz <= fsize - dyn.p_offset) {
		/* DT_FLAGS_1 from the dynamic segment's file bytes. */
		size_t esz = f.is32 ? 8 : 16;
		size_t n = dyn.p_filesz / esz;
		if (n > MAX_DYN)
			n = MAX_DYN;
		/* One read for the whole segment (bounded), not one per entry. */
		unsigned char *tab = NULL;
		const unsigned char *base;
		if (mem) {
			base = (const unsigned char *)mem + dyn.p_offset;
		} else {
			tab = malloc(n * esz);
			if (!tab)
				return -ENOMEM;
			ssize_t got = pread(fd, tab, n * esz, (off_t)dyn.p_offset);
			n = got > 0 ? (size_t)got / esz : 0;
			base = tab;
		}
		bool swap = (eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
		for (size_t i = 0; i < n; i++) {
			const unsigned char *buf = base + i * esz;
			uint64_t tag, val;
			if (f.is32) {
				uint32_t t32, v32;
				memcpy(&t32, buf, 4);
				memcpy(&v32, buf + 4, 4);
				if (swap) {
					t32 = __builtin_bswap32(t32);
					v32 = __builtin_bswap32(v32);
				}
				tag = t32;
				val = v32;
			} else {
				memcpy(&tag, buf, 8);
				memcpy(&val, buf + 8, 8);
				if (swap) {
					tag = __builtin_bswap64(tag);
					val = __builtin_bswap64(val);
				}
			}
			if (tag == DT_NULL)
				break;
			if (tag == DT_FLAGS_1 && (val & DF_1_PIE))
				f.pie_flag = true;
		}
		free(tab);
	}
	*out = f;
	return 0;
}

int ew_elf_facts_fd(int fd, struct ew_elf_facts *out)
{
	pthread_once(&init_once, init_libelf);
	if (!elf_ok)
		return -ENOSYS;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	unsigned char magic[4];
	if (pread(fd, magic, 4, 0) != 4 || memcmp(magic, ELFMAG, 4))
		return -ENOEXEC;
	/* ELF_C_READ_MMAP would fault (SIGBUS) if the file shrank under us; plain reads do not. */
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return -ENOEXEC;
	int r = facts(e, (size_t)st.st_size, NULL, fd, out);
	elf_end(e);
	return r;
}

int ew_elf_facts_mem(const void *data, size_t len, struct ew_elf_facts *out)
{
	pthread_once(&init_once, init_libelf);
	if (!elf_ok)
		return -ENOSYS;
	if (len < 4 || memcmp(data, ELFMAG, 4))
		return -ENOEXEC;
	/* libelf may write to the image it is given: hand it a private copy. */
	char *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	Elf *e = elf_memory(copy, len);
	int r = -ENOEXEC;
	if (e) {
		r = facts(e, len, copy, -1, out);
		elf_end(e);
	}
	free(copy);
	return r;
}
