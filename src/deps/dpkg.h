/* SPDX-License-Identifier: MIT */
/*
 * dpkg.h - which Debian package owns a file, from dpkg's own database read directly.
 *
 * dpkg keeps the files of each installed package in ADMINDIR/info/PKG.list (one absolute path
 * a line; PKG may carry ":ARCH"). Instead of running `dpkg -S` per file, the paths asked about
 * are put in a hash set and every .list file is read once: one pass over a few MB, for any
 * number of paths.
 *
 * /usr-merge: on a merged system /bin, /sbin, /lib, /lib32, /lib64 and /libx32 are symlinks to
 * their /usr counterparts, while packages may still list the old (or the new) names. A path is
 * therefore also looked up under its alias ("/usr/lib/x" <-> "/lib/x") for the merged
 * directories.
 */
#ifndef EW_DEPS_DPKG_H
#define EW_DEPS_DPKG_H

#include <stddef.h>

/* Top-level directories that are /usr-merged on root (each "/D" a symlink to "usr/D"), as a
 * bit set over ew_dpkg_merged_names (bit i: names[i]). */
extern const char *const ew_dpkg_merged_names[6];
unsigned ew_dpkg_merged_dirs(const char *root);

/*
 * Finds the owners of paths[0..n): owners[i] receives a malloc'd package name ("libc6:amd64";
 * several owners joined by ", ") or NULL when no package lists it. admindir NULL means
 * /var/lib/dpkg; merged is ew_dpkg_merged_dirs("/") for the running system. Returns 0, -ENOENT
 * when admindir has no info directory (no dpkg: every owner NULL), or -ENOMEM.
 */
int ew_dpkg_owners(const char *admindir, unsigned merged, const char *const *paths, size_t n,
                   char **owners);

#endif
