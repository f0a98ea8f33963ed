#!/usr/bin/env bash
# Installs the Debian packages the build and the system tests need (idempotent).
set -euo pipefail
PKGS=(
  # process runtime / namespaces
  iproute2 procps psmisc busybox-static
)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "packages ok"
