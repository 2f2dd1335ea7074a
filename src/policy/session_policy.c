/* SPDX-License-Identifier: MIT */
/* session_policy.c - ew_session_load_policy: attaches a policy to a session. */
#include <errno.h>
#include <stdio.h>

#include "policy.h"
#include "session.h"

EW_EXPORT int ew_session_load_policy(struct ew_session *s, const char *path, char *err,
				     size_t errlen)
{
	if (s->started) {
		snprintf(err, errlen, "the session already runs");
		return -EBUSY;
	}
	if (!s->policy) {
		int r = ew_pol_new(&s->policy);
		if (r < 0) {
			snprintf(err, errlen, "out of memory");
			return r;
		}
	}
	int r = ew_pol_load_file(s->policy, path, err, errlen);
	if (r == 0)
		r = ew_pol_finish(s->policy);
	return r;
}
