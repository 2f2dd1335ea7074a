#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Differential: every program in tests/progs (with the arguments the other cases use) gives the
# same exec events under `--backend ptrace` and `--backend bpf`: same count and order, and the
# same path, procname, argv, env, cwd, retval, flags, file facts, interpreter, new_exe
# (bpf_diff.py). Exit statuses agree too.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_bpf
need_cmd python3

W=$T/w
runs=(
	"exec_ok" "argv_null" "argv_null env" "big_argv 5000 102400" "cwd_exec W" "eacces W"
	"efault argv" "efault argvelem" "efault env" "efault path" "enametoolong" "enoexec W"
	"execveat dirfd W" "execveat empty" "execveat fdcwd" "execveat missing W"
	"execveat nofollow W" "exit_code code 3" "fork_chain 30" "memfd_exec" "memfd_exec script"
	"nonutf8 W" "parallel 50" "path_search W 3" "shebang W" "shebang W missing" "sigstop"
	"thread_exec" "thread_exec twice" "vfork_exec" "deps_dlopen P/libewdep.so" "deps_files W"
	"guard_escape direct P/victim" "guard_escape memfd P/victim" "sysrender W" "victim"
	"victim_static" "victim_nopie" "victim_execstack"
)
[ -x "$EW_PROGS/exec_ok_m32" ] && runs+=("exec_ok_m32 /bin/true one two")
# Every program (but the probes) is covered: one not listed above runs with a fresh DIR.
for p in "$EW_PROGS"/*; do
	n=$(basename "$p")
	case $n in ptrace_probe | wait_exec | *.so | *.a) continue ;; esac
	[ -x "$p" ] && [ -f "$p" ] || continue
	found=0
	for r in "${runs[@]}"; do [ "${r%% *}" = "$n" ] && found=1; done
	[ $found = 1 ] || runs+=("$n W")
done

for r in "${runs[@]}"; do
	r2=${r//W/$W}
	read -r -a args <<<"${r2//P\//$EW_PROGS/}"
	args[0]=$EW_PROGS/${args[0]}
	for be in ptrace bpf; do
		rm -rf "$W"
		mkdir -p "$W"
		ew_record --backend "$be" -- "${args[@]}"
		cp "$EW_JSON" "$T/$be.jsonl"
		eval "rc_$be=$EW_RC"
	done
	# shellcheck disable=SC2154
	[ "$rc_ptrace" = "$rc_bpf" ] || fail "$r: exit status ptrace $rc_ptrace, bpf $rc_bpf"
	out=$(python3 "$EW_CASES_DIR/bpf_diff.py" "$T/ptrace.jsonl" "$T/bpf.jsonl" 2>&1) ||
		fail "$r: ptrace and bpf disagree:
$out"
	info "$r: $out"
done
