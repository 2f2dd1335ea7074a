# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# deps: dependency tracing of real work, against strace (file syscalls + execve, seccomp-bpf) and
# ReproZip (Debian package reprozip), each in one hyperfine run with ratios to untraced:
#   1. make -j2 -B compiling 9 small C files (bench/workloads/cbuild.sh);
#   2. a python3 start-up that imports json, email, http.client, sqlite3.
# execwatch runs with a warm checksum cache (the hyperfine warm-up fills it), as it would on a
# machine that has traced before; the checksums are stored at the end of every run.

scenario_deps() {
	local proj=$TMP/cbuild py=/usr/bin/python3
	"$ROOT/bench/workloads/cbuild.sh" "$proj"
	command -v "$py" >/dev/null || py=python3
	local rpz=() rpz_make=()
	local make_cmd="make -s -C $proj -j2 -B"
	if command -v reprozip >/dev/null; then
		reprozip usage_report --disable >/dev/null 2>&1 || true
		rpz=(-n "reprozip trace" "reprozip trace -d $TMP/rpz --overwrite --dont-identify-packages")
		# ReproZip 1.1 (Debian 12) aborts on processes made by clone3 (glibc's posix_spawn),
		# leaving the traced make stopped: measure it only where it works. The probe runs in a
		# session of its own, without the bench lock's fd, and its leftovers are killed.
		local probe_rc=0
		(
			for fd in /proc/$BASHPID/fd/*; do
				fd=${fd##*/}
				[ "$fd" -gt 2 ] && eval "exec $fd>&-"
			done
			exec setsid reprozip trace -d "$TMP/rpz" --overwrite --dont-identify-packages \
				$make_cmd </dev/null >"$TMP/rpz.log" 2>&1
		) &
		local probe=$!
		wait "$probe" || probe_rc=$?
		kill -KILL -- "-$probe" 2>/dev/null || true
		if [ "$probe_rc" = 0 ]; then
			rpz_make=("${rpz[@]}")
		else
			echo "(reprozip trace fails on make here: $(grep -m1 -E 'CRITICAL|ERROR' "$TMP/rpz.log" | cut -c1-120); left out)"
		fi
	else
		echo "(reprozip is not installed: left out)"
	fi
	export EW_HASH_CACHE=$TMP/sha256.cache
	echo "== deps: $make_cmd (runs: $RUNS)"
	hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/deps-make.json" \
		-n untraced "$make_cmd" \
		-n "execwatch record --deps" "$EW record --deps -f -o $TMP/deps.db -- $make_cmd" \
		-n "strace -f --seccomp-bpf %file,execve" \
		"strace -f --seccomp-bpf -e trace=%file,execve -o /dev/null $make_cmd" \
		${rpz_make:+"${rpz_make[0]}" "${rpz_make[1]}" "${rpz_make[2]} $make_cmd"} \
		>"$OUT/deps-make.log"
	ratios deps-make
	local pycode='import json, email, http.client, sqlite3'
	echo "== deps: $py -c '$pycode' (runs: $((RUNS * 3)))"
	hyperfine -N -w 3 -r "$((RUNS * 3))" --export-json "$OUT/deps-python.json" \
		-n untraced "$py -c '$pycode'" \
		-n "execwatch record --deps" "$EW record --deps -f -o $TMP/deps.db -- $py -c '$pycode'" \
		-n "strace -f --seccomp-bpf %file,execve" \
		"strace -f --seccomp-bpf -e trace=%file,execve -o /dev/null $py -c '$pycode'" \
		${rpz:+"${rpz[0]}" "${rpz[1]}" "${rpz[2]} $py -c '$pycode'"} \
		>"$OUT/deps-python.log"
	ratios deps-python
	"$EW" record --deps -f -o "$TMP/deps.db" -- $make_cmd
	echo "make: $(sqlite3 "$TMP/deps.db" "SELECT count(*) FROM files") opens, $(sqlite3 "$TMP/deps.db" \
		"SELECT count(*) FROM libraries") libraries, $(sqlite3 "$TMP/deps.db" "SELECT count(*) FROM digests") digests;" \
		"execwatch deps: $( { /usr/bin/time -f %es "$EW" deps -i "$TMP/deps.db" --format json >/dev/null; } 2>&1 )"
	unset EW_HASH_CACHE
}
