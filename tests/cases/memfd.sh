#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fileless exec: a copy of /bin/true in memfd_create("ewtest") run by execveat(fd, "",
# AT_EMPTY_PATH); procname is the memfd ("/memfd:ewtest (deleted)"). Then a #! script in a memfd.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/memfd_exec"
assert_status 0
assert_count 2 'execs' "exec events"
assert_json '[execs][1] | .syscall == "execveat" and .path == "" and .at_flags == 4096 and
	.retval == 0 and (.procname // "" | startswith("/memfd:ewtest")) and .fileless == true and
	.argv == ["ewtest", "from-memfd"]' "memfd exec: procname /memfd:ewtest..."
assert_json '[execs][1].binary | type == "object" and .ino > 0' "binary of the memfd"

ew_record -- "$EW_PROGS/memfd_exec" script
assert_status 0
assert_json '[execs][1] | .retval == 0 and (.procname // "" | startswith("/memfd:ewscript")) and
	.interpreter == "/bin/sh"' "memfd script: procname and interpreter"
