#!/usr/bin/env bash
# Installs npm test-only peers (npm only; does nothing when they are already installed):
#   peers-install.sh [unixfs]   the deploy tests' oracles (tests/peers/unixfs/: the reference
#                               JavaScript UnixFS importer and CAR library, pinned in package.json)
#   peers-install.sh solana     the wasm-registry tests' peers (below)
# Exits 1 with a message when node or npm is missing or npm fails, so the tests that need a peer
# fail loudly instead of passing without it.
set -euo pipefail

# `peers-install.sh solana` installs only the peers of the wasm-registry tests instead
# (tests/peers/solana/: LiteSVM and Anchor's coder), at the versions of its package-lock.json.
# Reinstalls when the lock file is newer than the installed tree. litesvm names optional native
# packages for other platforms that the registry does not serve, so the lock cannot list them
# and `npm ci` may refuse it as out of sync; `npm install --no-save` then installs the same
# locked versions without rewriting the lock.
if [[ "${1:-}" == solana ]]; then
    cd "$(dirname "$0")/../tests/peers/solana"
    if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
        echo "peers-install: node/npm missing; the LiteSVM peers are unavailable" >&2
        exit 1
    fi
    if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json ]]; then
        exit 0
    fi
    if ! npm ci --no-audit --no-fund --loglevel=error >/tmp/aegis-peers-solana.log 2>&1; then
        npm install --no-save --no-audit --no-fund --loglevel=error >>/tmp/aegis-peers-solana.log 2>&1 || {
            tail -20 /tmp/aegis-peers-solana.log >&2
            echo "peers-install: npm install failed (log: /tmp/aegis-peers-solana.log)" >&2
            exit 1
        }
    fi
    exit 0
fi
if [[ -n "${1:-}" && "$1" != unixfs ]]; then
    echo "usage: peers-install.sh [unixfs|solana]" >&2
    exit 2
fi
cd "$(dirname "$0")/../tests/peers/unixfs"
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "peers-install: node/npm missing; the UnixFS oracle is unavailable" >&2
    exit 1
fi
if [[ -f node_modules/ipfs-unixfs-importer/package.json && -f node_modules/blockstore-core/package.json && -f node_modules/@ipld/car/package.json ]]; then
    exit 0
fi
# The committed package-lock.json pins every transitive version; npm ci installs exactly those.
npm ci --no-audit --no-fund --loglevel=error >/tmp/aegis-peers-unixfs.log 2>&1 || {
    tail -20 /tmp/aegis-peers-unixfs.log >&2
    echo "peers-install: npm install failed (log: /tmp/aegis-peers-unixfs.log)" >&2
    exit 1
}
