/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the ELF reader (libelf facts) and the binfmt head parser on any bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "binfmt.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_elf_facts f;
	if (ew_elf_facts_mem(data, size, &f) == 0) {
		if (f.has_interp && !memchr(f.interp, '\0', sizeof(f.interp)))
			__builtin_trap();
		(void)ew_elf_is_ldso(&f);
		(void)ew_elf_is_pie(&f);
	}
	struct ew_binfmt bf;
	ew_binfmt_parse(data, size < EW_BINPRM_BUF ? size : EW_BINPRM_BUF, -1, &bf);
	return 0;
}
