#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same execs as strace for the EACCES, ENOEXEC and ENAMETOOLONG programs.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/eacces" "$T"
oracle_compare "$EW_PROGS/enoexec" "$T"
oracle_compare "$EW_PROGS/enametoolong"
