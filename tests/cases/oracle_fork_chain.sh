#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same execs as strace, per process, for a 30-deep fork chain, a vfork and 200
# parallel children.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/fork_chain" 30
oracle_compare "$EW_PROGS/vfork_exec"
oracle_compare "$EW_PROGS/parallel" 200
