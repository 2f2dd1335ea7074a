#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `report --summary`: a strace -c style table whose calls/errors match the syscalls table.
. "$(dirname "$0")/lib.sh"
need_ptrace

ew_record --one-cpu --syscalls openat,write,close -- "$EW_PROGS/sysrender" "$T"
assert_status 0
ew_run rep "$EW_BIN" report -i "$EW_DB" --summary
assert_status 0
head -n 1 "$T/rep.out" | grep -q '^% time  *seconds  *usecs/call  *calls  *errors syscall$' ||
	fail "summary header: $(head -n 1 "$T/rep.out")"
calls=$(sql "SELECT count(*) FROM syscalls WHERE name = 'openat'")
errs=$(sql "SELECT count(*) FROM syscalls WHERE name = 'openat' AND retno < 0")
line=$(grep ' openat$' "$T/rep.out") || fail "no openat line: $(cat "$T/rep.out")"
assert_eq "$calls $errs" "$(echo "$line" | awk '{print $4, $5}')" "openat calls and errors"
total=$(sql "SELECT count(*) FROM syscalls")
assert_eq "$total" "$(awk '$NF == "total" {print $4}' "$T/rep.out")" "total calls"
ew_run repj "$EW_BIN" report -i "$EW_DB" --summary --json
assert_status 0
need_cmd jq
assert_eq "$total" "$(jq .calls "$T/repj.out")" "JSON total calls"
assert_eq "$calls" "$(jq '.syscalls[] | select(.name == "openat") | .calls' "$T/repj.out")" "JSON openat"
