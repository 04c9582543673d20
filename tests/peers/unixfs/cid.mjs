// Test-only oracle built on the reference JavaScript IPFS libraries, for tests/deploy:
//   node cid.mjs --profile v0|v1 [--car-dir DIR] FILE...
//     imports each FILE with ipfs-unixfs-importer and prints its root CID, one line per file;
//     with --car-dir also writes DIR/<basename of FILE>.car, a CARv1 of the import (@ipld/car).
//     v0: Kubo's default (CIDv0, dag-pb leaves of UnixFS type file)
//     v1: Kubo's --cid-version 1 (CIDv1, raw leaves)
//     Both use a fixed 262,144-byte chunker and a balanced layout of at most 174 links per node.
//   node cid.mjs --read-car FILE.car
//     reads a CARv1 with @ipld/car and prints "ROOT BLOCKS" (its first root and block count).
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { MemoryBlockstore } from 'blockstore-core'
import { CarWriter, CarBufferReader } from '@ipld/car'

const args = process.argv.slice(2)

if (args[0] === '--read-car' && args.length === 2) {
  const reader = CarBufferReader.fromBytes(readFileSync(args[1]))
  console.log(`${reader.getRoots()[0].toString()} ${reader.blocks().length}`)
  process.exit(0)
}

if (args[0] !== '--profile' || !['v0', 'v1'].includes(args[1]) || args.length < 3) {
  console.error('usage: node cid.mjs --profile v0|v1 [--car-dir DIR] FILE... | --read-car FILE.car')
  process.exit(2)
}
const v1 = args[1] === 'v1'
let files = args.slice(2)
let carDir = null
if (files[0] === '--car-dir') {
  carDir = files[1]
  files = files.slice(2)
}

async function concat (chunks) {
  const parts = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}

// Remembers each block under the CID the importer gave it (MemoryBlockstore alone keys blocks by
// multihash and would hand dag-pb blocks back labelled raw).
class RecordingBlockstore extends MemoryBlockstore {
  constructor () { super(); this.order = new Map() }
  put (cid, bytes, options) {
    if (!this.order.has(cid.toString())) this.order.set(cid.toString(), { cid, bytes })
    return super.put(cid, bytes, options)
  }
}

for (const path of files) {
  const blockstore = new RecordingBlockstore()
  let root = null
  for await (const entry of importer([{ content: createReadStream(path) }], blockstore, {
    cidVersion: v1 ? 1 : 0,
    rawLeaves: v1,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: 262144 }),
    layout: balanced({ maxChildrenPerNode: 174 })
  })) {
    root = entry.cid
  }
  console.log(root.toString())
  if (carDir !== null) {
    const { writer, out } = CarWriter.create([root])
    const done = pipeline(Readable.from(out), createWriteStream(join(carDir, basename(path) + '.car')))
    for (const { cid, bytes } of blockstore.order.values()) {
      await writer.put({ cid, bytes: bytes instanceof Uint8Array ? bytes : await concat(bytes) })
    }
    await writer.close()
    await done
  }
}
