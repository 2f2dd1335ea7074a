/* SPDX-License-Identifier: MIT */
/* dpkg.c - file -> package, from ADMINDIR/info/ *.list in one pass (dpkg.h). */
#define _GNU_SOURCE
#include "dpkg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const ew_dpkg_merged_names[6] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

unsigned ew_dpkg_merged_dirs(const char *root)
{
	unsigned bits = 0;
	for (unsigned i = 0; i < 6; i++) {
		char p[4096], t[64];
		snprintf(p, sizeof(p), "%s/%s", strcmp(root, "/") ? root : "",
		         ew_dpkg_merged_names[i]);
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		if (n <= 0)
			continue;
		t[n] = '\0';
		char want[32], want_abs[32];
		snprintf(want, sizeof(want), "usr/%s", ew_dpkg_merged_names[i]);
		snprintf(want_abs, sizeof(want_abs), "/usr/%s", ew_dpkg_merged_names[i]);
		if (!strcmp(t, want) || !strcmp(t, want_abs))
			bits |= 1u << i;
	}
	return bits;
}

/* The hash set: key -> index of the asked path. One path may have two keys (its alias). */
struct slot {
	char *key; /* NULL: empty */
	size_t len;
	uint64_t hash;
	size_t *idx; /* the asked paths this key answers (a path and another's alias may meet) */
	size_t nidx;
};

struct set {
	struct slot *slots;
	size_t cap;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Adds key (owned from now on) answering index idx. Returns 0 or -ENOMEM. */
static int set_add(struct set *s, char *key, size_t idx)
{
	size_t len = strlen(key);
	uint64_t h = fnv(key, len);
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		struct slot *sl = &s->slots[i];
		bool same =
		    sl->key && sl->hash == h && sl->len == len && !memcmp(sl->key, key, len);
		if (sl->key && !same)
			continue;
		size_t *v = realloc(sl->idx, (sl->nidx + 1) * sizeof(*v));
		if (!v) {
			free(key);
			return -ENOMEM;
		}
		sl->idx = v;
		v[sl->nidx++] = idx;
		if (same) {
			free(key);
		} else {
			sl->key = key;
			sl->len = len;
			sl->hash = h;
		}
		return 0;
	}
}

static struct slot *set_find(const struct set *s, const char *key, size_t len)
{
	uint64_t h = fnv(key, len);
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		struct slot *sl = &s->slots[i];
		if (!sl->key)
			return NULL;
		if (sl->hash == h && sl->len == len && !memcmp(sl->key, key, len))
			return sl;
	}
}

/* The alias of path under /usr-merge, malloc'd, or NULL when it has none. */
static char *alias_of(const char *path, unsigned merged)
{
	for (unsigned i = 0; i < 6; i++) {
		if (!(merged & (1u << i)))
			continue;
		const char *d = ew_dpkg_merged_names[i];
		size_t dl = strlen(d);
		char *out = NULL;
		if (!strncmp(path, "/usr/", 5) && !strncmp(path + 5, d, dl) &&
		    path[5 + dl] == '/') {
			if (asprintf(&out, "%s", path + 4) < 0)
				return NULL;
			return out;
		}
		if (path[0] == '/' && !strncmp(path + 1, d, dl) && path[1 + dl] == '/') {
			if (asprintf(&out, "/usr%s", path) < 0)
				return NULL;
			return out;
		}
	}
	return NULL;
}

static int add_owner(char **owner, const char *pkg)
{
	if (!*owner) {
		*owner = strdup(pkg);
		return *owner ? 0 : -ENOMEM;
	}
	/* Already listed (a package listing a path twice)? */
	size_t pl = strlen(pkg);
	for (const char *p = *owner; (p = strstr(p, pkg)); p += pl)
		if ((p == *owner || p[-1] == ' ') && (p[pl] == '\0' || p[pl] == ','))
			return 0;
	char *n = NULL;
	if (asprintf(&n, "%s, %s", *owner, pkg) < 0)
		return -ENOMEM;
	free(*owner);
	*owner = n;
	return 0;
}

int ew_dpkg_owners(const char *admindir, unsigned merged, const char *const *paths, size_t n,
                   char **owners)
{
	for (size_t i = 0; i < n; i++)
		owners[i] = NULL;
	if (!admindir)
		admindir = "/var/lib/dpkg";
	char info[4096];
	snprintf(info, sizeof(info), "%s/info", admindir);
	DIR *d = opendir(info);
	if (!d)
		return -ENOENT;
	struct set s = {NULL, 64};
	while (s.cap < n * 4 + 16)
		s.cap *= 2;
	s.slots = calloc(s.cap, sizeof(*s.slots));
	int r = 0;
	if (!s.slots) {
		closedir(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !r; i++) {
		char *k = strdup(paths[i]);
		if (!k) {
			r = -ENOMEM;
			break;
		}
		r = set_add(&s, k, i);
		char *a = r ? NULL : alias_of(paths[i], merged);
		if (a)
			r = set_add(&s, a, i);
	}
	char *line = NULL;
	size_t cap = 0;
	/* In name order, so that several owners are always listed alike. */
	struct dirent **names = NULL;
	int nnames = scandirat(dirfd(d), ".", &names, NULL, alphasort);
	for (int ni = 0; !r && ni < nnames; ni++) {
		const struct dirent *de = names[ni];
		size_t nl = strlen(de->d_name);
		if (nl < 6 || strcmp(de->d_name + nl - 5, ".list"))
			continue;
		char pkg[256];
		if (nl - 5 >= sizeof(pkg))
			continue;
		memcpy(pkg, de->d_name, nl - 5);
		pkg[nl - 5] = '\0';
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		FILE *f = fdopen(fd, "re");
		if (!f) {
			close(fd);
			continue;
		}
		ssize_t len;
		while ((len = getline(&line, &cap, f)) > 0) {
			if (line[len - 1] == '\n')
				len--;
			struct slot *sl = set_find(&s, line, (size_t)len);
			for (size_t k = 0; sl && k < sl->nidx && !r; k++)
				r = add_owner(&owners[sl->idx[k]], pkg);
			if (r)
				break;
		}
		fclose(f);
	}
	for (int ni = 0; ni < nnames; ni++)
		free(names[ni]);
	free(names);
	free(line);
	closedir(d);
	for (size_t i = 0; i < s.cap; i++) {
		free(s.slots[i].key);
		free(s.slots[i].idx);
	}
	free(s.slots);
	if (r < 0) {
		for (size_t i = 0; i < n; i++) {
			free(owners[i]);
			owners[i] = NULL;
		}
	}
	return r;
}
