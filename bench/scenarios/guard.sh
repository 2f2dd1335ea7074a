# shellcheck shell=bash
# Exec guard (issue 5): the exec storm under a 1,000-rule policy with checksums, beside untraced
# and plain recording. The policy: 600 glob rules (allow/deny over made-up trees, none matching
# the workload's files), 397 literal rules, "allow /usr/***", and force lines pinning /bin/true,
# the shell and the dynamic loader by SHA-256 (cached by dev/inode/size/mtime/ctime, so each file
# is hashed once). Every exec is checked (path rules for the program and the loader, ELF facts,
# the ld.so/fileless checks, checksums) and logged as a policy event.

guard_policy() { # FILE WORKLOAD
	local f=$1 i p
	{
		echo "default deny"
		for i in $(seq 1 300); do
			echo "allow /opt/app$i/**"
			echo "deny /srv/data$i/*/bin/*"
		done
		for i in $(seq 1 397); do
			echo "deny /usr/local/lib/tool$i"
		done
		echo "allow /usr/***"
		echo "allow $(readlink -f "$2")"
		for p in /bin/true /bin/sh "$(ldd /bin/true | awk '/ld-linux/ {print $1}')"; do
			p=$(readlink -f "$p")
			echo "force $p sha256:$(sha256sum "$p" | cut -d' ' -f1)"
		done
	} >"$f"
}

scenario_guard() {
	local w=$ROOT/bench/workloads/exec_storm.sh
	local pol=$TMP/guard.pol
	guard_policy "$pol" "$w"
	"$EW" policy check "$pol"
	echo "== exec guard: /bin/true x 2000 in a shell loop, 1000-rule policy + checksums (runs: $RUNS)"
	hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/guard.json" \
		-n untraced "$w 2000" \
		-n "execwatch record" "$EW record -f -o $TMP/g0.db -- $w 2000" \
		-n "execwatch record --policy" "$EW record -f -o $TMP/g1.db --policy $pol -- $w 2000" \
		>"$OUT/guard.log"
	ratios guard
}
