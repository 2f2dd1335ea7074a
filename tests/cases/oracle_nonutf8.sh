#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same exec paths, byte for byte, for non-UTF-8 names and bad pointers.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/nonutf8" "$T"
oracle_compare "$EW_PROGS/efault" path
oracle_compare "$EW_PROGS/efault" argv
