// Byte oracle for the C client of the route registry (tests/deploy/test_solana_anchor.c):
// prints, one per line, what Anchor's BorshCoder (fed contracts/wasm-registry/idl.json) and
// @solana/kit produce for fixed arguments, so the C encoders are compared with independent
// implementations:
//   ix <name> <hex>                   instruction data of each registry instruction
//   account <hex>                     a WasmRoute account as Anchor encodes it (zero-padded)
//   pda <domain> <path> <address> <bump>   route PDAs derived by kit (bump by kit's search)
// Usage: node anchor-oracle.mjs
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { BorshCoder, web3, BN } = require('@coral-xyz/anchor');
const kit = require('@solana/kit');

const root = new URL('../../../', import.meta.url).pathname;
const idl = JSON.parse(readFileSync(root + 'contracts/wasm-registry/idl.json', 'utf8'));
const coder = new BorshCoder(idl);
const hex = (b) => Buffer.from(b).toString('hex');

// Fixed arguments, repeated in the C test.
const CID = 'bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u';
const NEW_AUTHORITY = 'Fw6L5AfxYM6oKWJYxVEctgeD4L4RovwmP6bWfXuZoWHa';
const out = [];
out.push(['ix', 'register_route', hex(coder.instruction.encode('register_route',
    { domain: 'example.com', path_pattern: '/api/*', wasm_cid: CID, module_type: 1 }))]);
out.push(['ix', 'update_route', hex(coder.instruction.encode('update_route', { new_wasm_cid: CID }))]);
out.push(['ix', 'set_enabled', hex(coder.instruction.encode('set_enabled', { enabled: false }))]);
out.push(['ix', 'transfer_authority', hex(coder.instruction.encode('transfer_authority',
    { new_authority: new web3.PublicKey(NEW_AUTHORITY) }))]);
out.push(['ix', 'close_route', hex(coder.instruction.encode('close_route', {}))]);

const account = await coder.accounts.encode('WasmRoute', {
    authority: new web3.PublicKey(NEW_AUTHORITY), domain: '*.shop.example', path_pattern: '/cart',
    wasm_cid: CID, module_type: 0, enabled: true, created_at: new BN(1750000000),
    updated_at: new BN(-5),
});
const padded = Buffer.alloc(679);
Buffer.from(account).copy(padded);
out.push(['account', hex(padded)]);

// Enough (domain, path) pairs that some bumps below 255 and curve points outside the prime-order
// subgroup occur, which is where a wrong curve check would show.
const program = kit.address(idl.address);
for (let i = 0; i < 48; i++) {
    const domain = `d${i}.example`, path = `/p/${i}`;
    const key = createHash('sha256').update(domain).update(Buffer.from([0])).update(path).digest();
    const [pda, bump] = await kit.getProgramDerivedAddress({ programAddress: program,
        seeds: [Buffer.from('route'), key] });
    out.push(['pda', domain, path, pda, String(bump)]);
}
process.stdout.write(out.map((l) => l.join(' ')).join('\n') + '\n');
