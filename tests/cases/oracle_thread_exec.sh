#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same execs as strace, per process, for exec from a non-leader thread.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/thread_exec"
oracle_compare "$EW_PROGS/thread_exec" twice
