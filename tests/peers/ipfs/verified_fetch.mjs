// Fetches one CID with @helia/verified-fetch from one trustless gateway only (no delegated
// routers, no libp2p, no public gateway), so every block it accepts came from that gateway and
// was verified against its CID by the library. Prints "ok <bytes> <sha256-hex>" on stdout, or
// "error <why>" and exits 1. Used by the node tests against aegis-node's own gateway listener.
//
//   node verified_fetch.mjs http://127.0.0.1:PORT CID [TIMEOUT_MS]
import { createHash } from 'node:crypto'
import { createHeliaLight } from 'helia'
import { withHTTP } from '@helia/http'
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'

const [gateway, cid, timeoutArg] = process.argv.slice(2)
if (gateway === undefined || cid === undefined) {
  console.log('error usage: verified_fetch.mjs GATEWAY_URL CID [TIMEOUT_MS]')
  process.exit(2)
}
const timeoutMs = Number(timeoutArg ?? 30000)
// Whatever happens, this process ends (a referenced timer: Helia may await with nothing pending).
setTimeout(() => { console.log('error timed out'); process.exit(1) }, timeoutMs + 2000)

// Helia waits for its non-fallback routers to finish before it asks the fallback one (our
// gateway); with none at all it would wait for ever, so it gets one that knows no providers.
const noProviders = { name: 'no-providers', async * findProviders () {} }

let helia
try {
  helia = await withHTTP(createHeliaLight({ routers: [noProviders] }), {
    delegatedRouters: [],
    recursiveGateways: [gateway],
    allowInsecure: true,
    allowLocal: true
  }).start()
  const fetch = await createVerifiedFetchWithHelia(helia)
  const res = await fetch(`ipfs://${cid}`, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) {
    console.log(`error status ${res.status}`)
    process.exitCode = 1
  } else {
    const bytes = new Uint8Array(await res.arrayBuffer())
    const hex = createHash('sha256').update(bytes).digest('hex')
    console.log(`ok ${bytes.length} ${hex}`)
  }
} catch (err) {
  console.log(`error ${err?.message ?? err}`)
  process.exitCode = 1
} finally {
  await helia?.stop()
}
process.exit()
