#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, and only those that are missing.
# The list is the union of scripts/deps/*.txt (one package per line, '#' starts a comment), so each
# component names its own dependencies. Runs apt-get as root, or through sudo when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(cat scripts/deps/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    echo "install-deps: missing packages and no root: run 'apt-get install ${missing[*]}' as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh them only when the first try fails.
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/aegis-apt.log 2>&1; then
    "${sudo[@]}" apt-get update -q >>/tmp/aegis-apt.log 2>&1
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/aegis-apt.log 2>&1; then
        tail -20 /tmp/aegis-apt.log >&2
        echo "install-deps: apt-get failed (log: /tmp/aegis-apt.log)" >&2
        exit 1
    fi
fi
