/* SPDX-License-Identifier: MIT */
/*
 * sysset.c - parsing `--syscalls SET` (grammar in sysset.h) and looking calls up in a set.
 */
#include "sysset.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "syscalls.h"

const struct ew_sysdesc *ew_sysdesc_get(uint32_t audit_arch, int64_t native)
{
	if (native < 0)
		return NULL;
	if (audit_arch == AUDIT_ARCH_X86_64) {
		if (native & EW_X32_BIT)
			return ew_sysdesc_canon(ew_sys_canon(audit_arch, native));
		if ((uint64_t)native >= ew_sysdesc_x86_64_count)
			return NULL;
		const struct ew_sysdesc *d = &ew_sysdesc_x86_64[native];
		return d->name ? d : NULL;
	}
	if (audit_arch == AUDIT_ARCH_I386) {
		if ((uint64_t)native >= ew_sysdesc_i386_count)
			return NULL;
		const struct ew_sysdesc *d = &ew_sysdesc_i386[native];
		return d->name ? d : NULL;
	}
	return NULL;
}

const struct ew_sysdesc *ew_sysdesc_canon(int canon)
{
	if (canon < 0 || (unsigned)canon >= ew_sysdesc_x86_64_count)
		return NULL;
	const struct ew_sysdesc *d = &ew_sysdesc_x86_64[canon];
	return d->name ? d : NULL;
}

static const struct {
	const char *name;
	uint16_t bits; /* 0xffff: all */
} classes[] = {
    {"exec", EW_SC_EXEC},
    {"file", EW_SC_FILE},
    {"desc", EW_SC_DESC},
    {"process", EW_SC_PROCESS},
    {"network", EW_SC_NETWORK},
    {"net", EW_SC_NETWORK},
    {"memory", EW_SC_MEMORY},
    {"signal", EW_SC_SIGNAL},
    {"all", 0xffff},
    {"none", 0},
};

static void set_bit(uint64_t *bits, unsigned nr, bool on)
{
	if (nr >= EW_SYS_MAX)
		return;
	if (on)
		bits[nr / 64] |= 1ull << (nr % 64);
	else
		bits[nr / 64] &= ~(1ull << (nr % 64));
}

/* Adds or removes every call of the classes in bits (0xffff: every call). */
static void apply_class(struct ew_sysset *s, uint16_t bits, bool on)
{
	for (unsigned nr = 0; nr < ew_sysdesc_x86_64_count; nr++) {
		const struct ew_sysdesc *d = &ew_sysdesc_x86_64[nr];
		if (d->name && (bits == 0xffff || (d->classes & bits)))
			set_bit(s->canon, nr, on);
	}
	for (unsigned nr = 0; nr < ew_sysdesc_i386_count; nr++) {
		const struct ew_sysdesc *d = &ew_sysdesc_i386[nr];
		if (!d->name || ew_sys_canon(AUDIT_ARCH_I386, nr) >= 0)
			continue;
		if (bits == 0xffff || (d->classes & bits))
			set_bit(s->i386, nr, on);
	}
}

/* Adds or removes one call by name; false when no ABI knows the name. */
static bool apply_name(struct ew_sysset *s, const char *name, bool on)
{
	bool found = false;
	for (unsigned nr = 0; nr < ew_sysdesc_x86_64_count; nr++) {
		const struct ew_sysdesc *d = &ew_sysdesc_x86_64[nr];
		if (d->name && !strcmp(d->name, name)) {
			set_bit(s->canon, nr, on);
			found = true;
		}
	}
	for (unsigned nr = 0; nr < ew_sysdesc_i386_count; nr++) {
		const struct ew_sysdesc *d = &ew_sysdesc_i386[nr];
		if (!d->name || strcmp(d->name, name))
			continue;
		found = true;
		int c = ew_sys_canon(AUDIT_ARCH_I386, nr);
		if (c >= 0)
			set_bit(s->canon, (unsigned)c, on);
		else
			set_bit(s->i386, nr, on);
	}
	return found;
}

int ew_sysset_parse(const char *spec, struct ew_sysset *out, char *err, size_t errlen)
{
	struct ew_sysset s;
	memset(&s, 0, sizeof(s));
	if (!spec || !*spec) {
		snprintf(err, errlen, "--syscalls needs a set (exec, file, all, openat,read, ...)");
		return -EINVAL;
	}
	/* Only removals: start from everything. */
	bool only_removals = true;
	for (const char *p = spec; *p;) {
		if (*p != '!' && *p != ',')
			only_removals = false;
		const char *c = strchr(p, ',');
		if (!c)
			break;
		p = c + 1;
	}
	if (only_removals)
		apply_class(&s, 0xffff, true);
	const char *p = spec;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[64];
		bool on = true;
		const char *q = p;
		if (n && *q == '!') {
			on = false;
			q++;
			n--;
		}
		if (n && *q == '%') {
			q++;
			n--;
		}
		if (!n || n >= sizeof(item)) {
			snprintf(err, errlen, "empty or overlong item in --syscalls '%s'", spec);
			return -EINVAL;
		}
		memcpy(item, q, n);
		item[n] = '\0';
		bool done = false;
		for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
			if (!strcmp(item, classes[i].name)) {
				if (classes[i].bits)
					apply_class(&s, classes[i].bits, on);
				else if (on)
					memset(&s, 0, sizeof(s)); /* "none" */
				done = true;
				break;
			}
		}
		if (!done && !apply_name(&s, item, on)) {
			snprintf(err, errlen, "unknown syscall or class '%s' in --syscalls", item);
			return -EINVAL;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*out = s;
	return 0;
}

bool ew_sysset_has(const struct ew_sysset *s, uint32_t audit_arch, int64_t native)
{
	int c = ew_sys_canon(audit_arch, native);
	if (c >= 0)
		return ew_sysset_has_canon(s, c);
	if (audit_arch == AUDIT_ARCH_I386 && native >= 0 && native < EW_SYS_MAX)
		return (s->i386[native / 64] >> (native % 64)) & 1;
	return false;
}

bool ew_sysset_empty(const struct ew_sysset *s)
{
	for (unsigned i = 0; i < EW_SYS_MAX / 64; i++)
		if (s->canon[i] || s->i386[i])
			return false;
	return true;
}

unsigned ew_sysset_count(const struct ew_sysset *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < EW_SYS_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(s->canon[i]) +
		     (unsigned)__builtin_popcountll(s->i386[i]);
	return n;
}
