#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# strace oracle: the same execs as strace for a script, a script with a missing interpreter,
# and execveat forms.
. "$(dirname "$0")/lib.sh"
need_ptrace
oracle_compare "$EW_PROGS/shebang" "$T"
oracle_compare "$EW_PROGS/shebang" "$T" missing
oracle_compare "$EW_PROGS/execveat" dirfd "$T"
oracle_compare "$EW_PROGS/memfd_exec"
