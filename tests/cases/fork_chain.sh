#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A chain of 30 forks, the deepest exec'ing /bin/true: 30 fork events forming one chain from the
# command, ppids following it, 31 process exits with code 0.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record -- "$EW_PROGS/fork_chain" 30
assert_status 0
assert_count 30 'forks | select(.kind == "process")' "process fork events"
assert_count 2 'execs' "exec events"

# Walk the chain from the command: each process forks exactly once, the next one.
CHAIN='. as $all | root as $r | [forks] as $fs |
	reduce range(0; 30) as $i ({cur: $r, ok: true, chain: [$r]};
	  .cur as $c | [$fs[] | select(.pid == $c)] as $m |
	  if ($m | length) == 1 and $m[0].child_pid == $m[0].child_tid
	  then .cur = $m[0].child_pid | .chain += [$m[0].child_pid]
	  else .ok = false end) | '
assert_json "$CHAIN"'.ok and (.chain | unique | length) == 31' \
	"30 forks form one chain from the command"
assert_json "$CHAIN"'.chain as $ch | [$all | execs][1] | .pid == $ch[30] and .ppid == $ch[29] and
	.retval == 0 and .argv == ["true", "deepest"]' "the deepest process execs /bin/true"
# Every event of chain[i+1] names chain[i] as its parent.
assert_json "$CHAIN"'.chain as $ch | [range(1; 31) as $i |
	$all[] | select(.pid == $ch[$i]) | .ppid == $ch[$i - 1]] | length > 30 and all' \
	"ppid of every event in the chain"
assert_count 31 'exits | select(.pid == .tid)' "process exits"
assert_count 31 'exits | select(.pid == .tid and .code == 0 and .signal == null)' \
	"process exits with code 0"
assert_sql 2 "SELECT count(*) FROM execs" "rows in execs"
assert_sql 30 "SELECT count(*) FROM forks WHERE kind = 'process'" "rows in forks"
assert_sql 31 "SELECT count(*) FROM exits WHERE thread = 0 AND code = 0" "rows in exits"
