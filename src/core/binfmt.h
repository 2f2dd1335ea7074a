/* SPDX-License-Identifier: MIT */
/*
 * binfmt.h - what kind of program a file is, from its first bytes, the way the kernel's binfmt
 * handlers see it: a "#!" script (interpreter and optional argument, as binfmt_script parses
 * the first line) or an ELF file (class, type, PT_INTERP). Robust to any input: every offset
 * and size is checked, nothing is trusted.
 */
#ifndef EW_CORE_BINFMT_H
#define EW_CORE_BINFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "execwatch.h"

enum ew_binfmt_kind {
	EW_BINFMT_UNKNOWN = 0,
	EW_BINFMT_SCRIPT,
	EW_BINFMT_ELF,
};

/* The kernel reads at most this much of a "#!" line (BINPRM_BUF_SIZE). */
#define EW_BINPRM_BUF 256

struct ew_binfmt {
	enum ew_binfmt_kind kind;
	char interp[4096]; /* "#!" interpreter or PT_INTERP, "" if none */
	size_t interp_len;
	char arg[EW_BINPRM_BUF]; /* "#!" argument, "" if none */
	size_t arg_len;
	uint8_t elf_class;  /* ELFCLASS32/64 */
	uint16_t elf_type;  /* ET_EXEC, ET_DYN, ... */
	uint16_t elf_machine;
};

/* Parses a file's head (the first len bytes); for ELF, fd is used to pread program headers
 * and the interpreter string beyond the head (fd may be -1: only the head is used). */
void ew_binfmt_parse(const unsigned char *head, size_t len, int fd, struct ew_binfmt *out);

/* Opens path relative to dirfd (O_RDONLY|O_NOFOLLOW optional) and probes it; regular files
 * only. Returns 0, or -errno if it could not be opened or read. */
int ew_binfmt_probe_at(int dirfd, const char *path, bool nofollow, struct ew_binfmt *out);

/* Fills an ew_file_info from a struct stat. */
void ew_file_info_from_stat(const struct stat *st, struct ew_file_info *out);

#endif
