#!/bin/bash
# Builds execwatch (installing missing Debian packages first), then records and reports a demo.
#   ./scripts/build.sh            build into ./build and run the demo
#   ./scripts/build.sh --no-demo  build only
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if ! cmake --build build -j"$(nproc)" >build/build.log 2>&1; then
	cat build/build.log >&2
	exit 1
fi
echo "built build/execwatch"
[ "${1:-}" = "--no-demo" ] && exit 0

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
cat >"$demo/demo.sh" <<'SH'
#!/bin/sh
# A small process tree: a pipeline, failed execs, a script, a background job.
ls / | wc -l >/dev/null
"$1/no-such-program" 2>/dev/null
printf 'not executable\n' > "$1/data.txt"; "$1/data.txt" 2>/dev/null
printf '#!/bin/sh\necho from a script\n' > "$1/hello.sh"; chmod +x "$1/hello.sh"; "$1/hello.sh"
sleep 0.1 & wait
exit 0
SH
chmod +x "$demo/demo.sh"
echo "== execwatch record -o $demo/demo.db -- $demo/demo.sh"
./build/execwatch record -o "$demo/demo.db" -- "$demo/demo.sh" "$demo"
echo
echo "== execwatch report -i $demo/demo.db"
./build/execwatch report -i "$demo/demo.db"
