/* SPDX-License-Identifier: MIT */
/*
 * nonutf8 DIR - an exec whose path, argv and env hold bytes that are not UTF-8, control
 * characters and characters JSON must escape. Copies /bin/true to DIR/"ew\xff\xfeprog" and execs
 * that path with exactly the argv and envp below (the tests compare them byte for byte), so keep
 * this list and tests/cases/nonutf8.sh in sync. Exit status: /bin/true's (0).
 */
#include "progs.h"

int main(int argc, char **argv)
{
	const char *args[] = {
	    "ew-nonutf8",
	    "\xff\xfe",         /* not UTF-8 */
	    "a\tb\nc",          /* controls */
	    "\x1b[31m",         /* an escape sequence */
	    "caf\xc3\xa9",      /* valid UTF-8: café */
	    "\xed\xa0\x80",     /* UTF-8-encoded surrogate: invalid */
	    "\xc0\xaf",         /* overlong '/': invalid */
	    "\xf0\x9f\x98\x80", /* valid 4-byte UTF-8 */
	    "q\"\\/",           /* JSON specials */
	    "\x7f\x01",         /* DEL and SOH */
	    "",                 /* empty */
	    "trail\xe2\x82",    /* truncated 3-byte sequence */
	    NULL,
	};
	const char *envp[] = {
	    "EW_BIN=\x80\x81",
	    "EW_CTRL=a\tb\nc\x1b[0m",
	    "EW_UTF8=\xc3\xa9",
	    "PATH=/usr/bin:/bin",
	    NULL,
	};
	const char *dir;
	char *file;

	prog_init(argv[0]);
	dir = dir_arg(argc, argv, 1);
	file = path_join(dir, "ew\xff\xfeprog");
	copy_file("/bin/true", file, 0755);
	raw_execve(file, args, envp);
	die(errno, "execve of the non-UTF-8 path");
}
