#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same execs as strace for a PATH search with 5 misses.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/path_search" "$T" 5
