/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the policy parser (any bytes), then rule lookup on a few paths. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ew_pol *p;
	if (ew_pol_new(&p) < 0)
		return 0;
	p->no_include = true;
	char err[512];
	if (ew_pol_load_text(p, "fuzz.pol", (const char *)data, size, err, sizeof(err)) == 0 &&
	    ew_pol_finish(p) == 0) {
		static const char *const paths[] = {"/usr/bin/true", "/tmp/x", "/", "/a/b/c/d/e",
						    "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"};
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			long rule;
			(void)ew_pol_match_path(p, paths[i], strlen(paths[i]), &rule);
			(void)ew_pol_force_for(p, paths[i], strlen(paths[i]));
			if (rule >= 0) {
				char loc[256];
				ew_ploc_format(p, p->rules[rule].loc, loc, sizeof(loc));
			}
		}
	} else if (!memchr(err, '\0', sizeof(err))) {
		__builtin_trap(); /* the message must always be terminated */
	}
	ew_pol_free(p);
	return 0;
}
