#!/usr/bin/env bash
# install-deps.sh - install the Debian packages scrm needs, only those missing.
# Usage: scripts/install-deps.sh [--bench | --lexicons]   (as root, or with sudo available)
set -eu
# Hyperscan where Debian builds it (amd64); Vectorscan, its portable fork, elsewhere.
hs=libhyperscan-dev
if ! apt-cache show libhyperscan-dev >/dev/null 2>&1 || [ "$(dpkg --print-architecture)" != amd64 ]; then
	hs=libvectorscan-dev
fi
pkgs=(build-essential pkg-config zstd libsimdjson-dev liburing-dev libxxhash-dev
      libjemalloc-dev libzstd-dev zlib1g-dev libbz2-dev liblzma-dev gzip bzip2 xz-utils
      libcriterion-dev libutf8proc-dev "$hs")
# npm only where no npm is on the PATH (a Node.js installed another way is kept).
need_npm() { command -v npm >/dev/null 2>&1 || pkgs+=(npm); }
case "${1:-}" in
--bench) pkgs+=(hyperfine python3-nltk); need_npm ;;  # bench/vader_compare.sh: NLTK, the npm port
--lexicons) need_npm ;;                                 # scripts/fetch-lexicons.sh uses `npm pack`
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "scrm: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
