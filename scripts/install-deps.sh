#!/bin/bash
# Installs the Debian packages execwatch needs to build, test and benchmark, if missing.
# Idempotent: does nothing (and needs no network) when everything is there.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config gcc-multilib
  libseccomp-dev libsqlite3-dev libcmocka-dev
  libelf-dev libssl-dev zlib1g-dev
  clang llvm libclang-rt-14-dev libbpf-dev bpftool
  libjansson-dev libdw-dev
  sqlite3 jq strace python3 hyperfine reprozip
)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
