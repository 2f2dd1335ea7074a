#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same execs as strace for exec_ok.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/exec_ok"
