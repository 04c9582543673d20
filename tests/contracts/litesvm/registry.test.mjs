// The wasm-registry program as the chain runs it: the .so built by `make contracts` (clang's BPF
// target and contracts/tools/sbpf-link.c) is loaded into LiteSVM, a real SVM, and driven with
// signed transactions. Anchor's BorshCoder, fed our idl.json, is the oracle for bytes: every
// instruction is encoded both by hand here and by Anchor and must match, and every account the
// program writes must decode with Anchor. Compute units per instruction are recorded to
// $REGISTRY_CU_OUT and must stay under 20,000.
//
// Run by scripts/suites/contracts.sh with REGISTRY_SO set to the built program.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../../../', import.meta.url).pathname;
const peer = createRequire(root + 'tests/peers/solana/package.json');
const { LiteSVM, FailedTransactionMetadata } = peer('litesvm');
const kit = peer('@solana/kit');
const { BorshCoder } = peer('@coral-xyz/anchor');

const idl = JSON.parse(readFileSync(root + 'contracts/wasm-registry/idl.json', 'utf8'));
const coder = new BorshCoder(idl);
const soPath = process.env.REGISTRY_SO;
assert.ok(soPath, 'REGISTRY_SO must name the built program');
const programBytes = readFileSync(soPath);
const PROGRAM = kit.address(idl.address);
const SYSTEM = kit.address('11111111111111111111111111111111');
const ACCOUNT_BYTES = 679;
const CU_LIMIT = 20000n;
const CID_A = 'bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u';
const CID_B = 'bafkreidjitkdoip4743kmanl5mhqbhct2hjgdy4p65obfi4qgemamnplqq';
const CID_V0 = 'QmTRQs6Sy6XJ3uGNQxyhDr3pKeuYoK6mqUuu51gAXGW5R6';
const { AccountRole } = kit;

// ---- reference encoding, written from the Anchor conventions (not from Anchor's code) ----
const sha256 = (...parts) => {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return h.digest();
};
const disc = (name) => sha256('global:' + name).subarray(0, 8);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([u32(b.length), b]); };
const encodeRef = {
    register_route: (a) => Buffer.concat([disc('register_route'), str(a.domain),
        str(a.path_pattern), str(a.wasm_cid), Buffer.from([a.module_type])]),
    update_route: (a) => Buffer.concat([disc('update_route'), str(a.new_wasm_cid)]),
    set_enabled: (a) => Buffer.concat([disc('set_enabled'), Buffer.from([a.enabled ? 1 : 0])]),
    transfer_authority: (a) => Buffer.concat([disc('transfer_authority'),
        Buffer.from(kit.getAddressEncoder().encode(a.new_authority))]),
    close_route: () => Buffer.from(disc('close_route')),
};
const anchorArgs = (name, a) => name === 'transfer_authority'
    ? { new_authority: new (peer('@coral-xyz/anchor').web3.PublicKey)(a.new_authority) } : a;

// Encodes with both and insists they agree, so every transaction below also checks Anchor parity.
function encode(name, args = {}) {
    const ours = encodeRef[name](args);
    const theirs = coder.instruction.encode(name, anchorArgs(name, args));
    assert.deepEqual(Buffer.from(theirs).toString('hex'), ours.toString('hex'),
        `${name}: reference bytes differ from Anchor's`);
    return ours;
}

// ---- chain helpers ----
const cuSeen = {};
after(() => {
    if (process.env.REGISTRY_CU_OUT)
        writeFileSync(process.env.REGISTRY_CU_OUT, JSON.stringify(cuSeen, null, 2) + '\n');
});

async function world() {
    const svm = new LiteSVM();
    svm.addProgram(PROGRAM, programBytes);
    const payer = await kit.generateKeyPairSigner();
    const alice = await kit.generateKeyPairSigner();
    const bob = await kit.generateKeyPairSigner();
    for (const k of [payer, alice, bob]) svm.airdrop(k.address, kit.lamports(10_000_000_000n));
    return { svm, payer, alice, bob };
}

async function routeAddress(domain, path) {
    const key = sha256(Buffer.from(domain), Buffer.from([0]), Buffer.from(path));
    const [pda] = await kit.getProgramDerivedAddress({
        programAddress: PROGRAM, seeds: [Buffer.from('route'), key],
    });
    return pda;
}

const signer = (s, writable = true) =>
    ({ address: s.address, role: writable ? AccountRole.WRITABLE_SIGNER : AccountRole.READONLY_SIGNER, signer: s });
const writable = (a) => ({ address: a, role: AccountRole.WRITABLE });
const readonly = (a) => ({ address: a, role: AccountRole.READONLY });

// Sends one instruction; the fee payer is `w.payer` unless given. Returns the metadata.
async function send(w, accounts, data, feePayer = w.payer) {
    w.svm.expireBlockhash();
    const ix = { programAddress: PROGRAM, accounts, data: new Uint8Array(data) };
    const msg = kit.pipe(
        kit.createTransactionMessage({ version: 'legacy' }),
        (m) => kit.setTransactionMessageFeePayerSigner(feePayer, m),
        (m) => w.svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
        (m) => kit.appendTransactionMessageInstruction(ix, m),
    );
    const tx = await kit.signTransactionMessageWithSigners(msg);
    return w.svm.sendTransaction(tx);
}

// Asserts success; `instructions` is how many of ours the transaction held (for the CU budget).
function ok(res, name, instructions = 1) {
    if (res instanceof FailedTransactionMetadata)
        assert.fail(`${name} failed: ${res.err()}\n${res.meta().logs().join('\n')}`);
    const cu = res.computeUnitsConsumed();
    const limit = CU_LIMIT * BigInt(instructions);
    assert.ok(cu < limit, `${name}: ${cu} compute units >= ${limit}`);
    if (name) cuSeen[name] = Math.max(cuSeen[name] ?? 0, Number(cu));
    return res;
}

// Asserts the transaction failed with our custom error `code` and logged its name.
function fails(res, code, name) {
    assert.ok(res instanceof FailedTransactionMetadata, `expected error ${code} (${name}), got success`);
    const err = res.err();
    // The error classes are not exported; an instruction error has .index and .err(), a custom
    // program error has .code.
    assert.equal(typeof err?.err, 'function', `not an instruction error: ${err}`);
    const inner = err.err();
    assert.equal(typeof inner?.code, 'number', `not a custom error: ${inner}`);
    assert.equal(inner.code, code, `error code; logs:\n${res.meta().logs().join('\n')}`);
    assert.ok(res.meta().logs().some((l) => l.includes(`registry error: ${name}:`)),
        `no log line for ${name}:\n${res.meta().logs().join('\n')}`);
    assert.equal(idl.errors.find((e) => e.code === code)?.name, name, 'idl.json error name');
}

function decodeRoute(w, addr) {
    const acc = w.svm.getAccount(addr);
    assert.ok(acc.exists, 'route account exists');
    assert.equal(acc.programAddress, PROGRAM, 'owned by the registry');
    assert.equal(acc.data.length, ACCOUNT_BYTES);
    return coder.accounts.decode('WasmRoute', Buffer.from(acc.data));
}

const registerArgs = (over = {}) => ({
    domain: 'example.com', path_pattern: '/api/*', wasm_cid: CID_A, module_type: 1, ...over,
});

async function register(w, who = w.alice, over = {}, route) {
    const a = registerArgs(over);
    const addr = route ?? await routeAddress(a.domain, a.path_pattern);
    const res = await send(w, [signer(who), writable(addr), readonly(SYSTEM)],
        encode('register_route', a));
    return { res, addr };
}

async function registered(over = {}) {
    const w = await world();
    const { res, addr } = await register(w, w.alice, over);
    ok(res, 'register_route');
    return { w, addr };
}

// ---------------- happy paths ----------------
test('register_route creates the PDA account that Anchor decodes', async () => {
    const w = await world();
    w.svm.setClock(new (peer('litesvm').Clock)(5n, 0n, 0n, 0n, 1_750_000_000n));
    const before = w.svm.getBalance(w.alice.address);
    const { res, addr } = await register(w);
    ok(res, 'register_route');
    const r = decodeRoute(w, addr);
    assert.equal(r.authority.toBase58(), w.alice.address);
    assert.equal(r.domain, 'example.com');
    assert.equal(r.path_pattern, '/api/*');
    assert.equal(r.wasm_cid, CID_A);
    assert.equal(r.module_type, 1);
    assert.equal(r.enabled, true);
    assert.equal(r.created_at.toString(), '1750000000');
    assert.equal(r.updated_at.toString(), '1750000000');
    const rent = w.svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_BYTES));
    assert.equal(w.svm.getBalance(addr), rent);
    assert.equal(before - w.svm.getBalance(w.alice.address), rent);
    assert.ok(res.logs().includes('Program log: registry: route registered'));
});

test('register_route accepts a CIDv0, a wildcard domain and the waf type', async () => {
    const { w, addr } = await registered({ domain: '*.shop.example', path_pattern: '/', wasm_cid: CID_V0, module_type: 0 });
    const r = decodeRoute(w, addr);
    assert.equal(r.wasm_cid, CID_V0);
    assert.equal(r.module_type, 0);
    assert.equal(r.domain, '*.shop.example');
});

test('register_route succeeds on an address someone pre-funded to block it', async () => {
    const w = await world();
    const addr = await routeAddress('example.com', '/api/*');
    w.svm.airdrop(addr, kit.lamports(1_000_000n));
    const { res } = await register(w);
    ok(res, 'register_route (pre-funded)');
    assert.equal(decodeRoute(w, addr).wasm_cid, CID_A);
    assert.equal(w.svm.getBalance(addr), w.svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_BYTES)));
});

test('update_route points the route at a new CID and stamps updated_at', async () => {
    const { w, addr } = await registered();
    w.svm.setClock(new (peer('litesvm').Clock)(9n, 0n, 0n, 0n, 1_760_000_000n));
    ok(await send(w, [signer(w.alice, false), writable(addr)], encode('update_route', { new_wasm_cid: CID_B })), 'update_route');
    const r = decodeRoute(w, addr);
    assert.equal(r.wasm_cid, CID_B);
    assert.equal(r.updated_at.toString(), '1760000000');
    assert.notEqual(r.created_at.toString(), '1760000000');
    ok(await send(w, [signer(w.alice, false), writable(addr)], encode('update_route', { new_wasm_cid: CID_V0 })), 'update_route');
    assert.equal(decodeRoute(w, addr).wasm_cid, CID_V0);
    assert.equal(decodeRoute(w, addr).enabled, true);
});

test('set_enabled disables and re-enables the route', async () => {
    const { w, addr } = await registered();
    ok(await send(w, [signer(w.alice, false), writable(addr)], encode('set_enabled', { enabled: false })), 'set_enabled');
    assert.equal(decodeRoute(w, addr).enabled, false);
    ok(await send(w, [signer(w.alice, false), writable(addr)], encode('set_enabled', { enabled: true })), 'set_enabled');
    assert.equal(decodeRoute(w, addr).enabled, true);
});

test('transfer_authority hands the route over: the new authority updates, the old cannot', async () => {
    const { w, addr } = await registered();
    ok(await send(w, [signer(w.alice, false), writable(addr)], encode('transfer_authority', { new_authority: w.bob.address })), 'transfer_authority');
    assert.equal(decodeRoute(w, addr).authority.toBase58(), w.bob.address);
    fails(await send(w, [signer(w.alice, false), writable(addr)], encode('update_route', { new_wasm_cid: CID_B })), 6014, 'AuthorityMismatch');
    ok(await send(w, [signer(w.bob, false), writable(addr)], encode('update_route', { new_wasm_cid: CID_B })), 'update_route');
});

test('close_route returns the rent and removes the account', async () => {
    const { w, addr } = await registered();
    const rent = w.svm.getBalance(addr);
    const before = w.svm.getBalance(w.alice.address);
    ok(await send(w, [signer(w.alice), writable(addr)], encode('close_route')), 'close_route');
    assert.equal(w.svm.getBalance(w.alice.address) - before, rent);
    assert.equal(w.svm.getAccount(addr).exists, false, 'closed account is gone');
    // the same route can be registered again, by anyone
    const again = await register(w, w.bob);
    ok(again.res, 'register_route');
    assert.equal(decodeRoute(w, addr).authority.toBase58(), w.bob.address);
});

test('close_route then register_route in one transaction re-creates the route', async () => {
    const { w, addr } = await registered();
    w.svm.expireBlockhash();
    const a = registerArgs({ wasm_cid: CID_B });
    const ixs = [
        { programAddress: PROGRAM, accounts: [signer(w.alice), writable(addr)], data: new Uint8Array(encode('close_route')) },
        { programAddress: PROGRAM, accounts: [signer(w.alice), writable(addr), readonly(SYSTEM)], data: new Uint8Array(encode('register_route', a)) },
    ];
    const msg = kit.pipe(
        kit.createTransactionMessage({ version: 'legacy' }),
        (m) => kit.setTransactionMessageFeePayerSigner(w.payer, m),
        (m) => w.svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
        (m) => kit.appendTransactionMessageInstructions(ixs, m),
    );
    ok(w.svm.sendTransaction(await kit.signTransactionMessageWithSigners(msg)), undefined, 2);
    assert.equal(decodeRoute(w, addr).wasm_cid, CID_B);
});

// An Anchor client (Program built from idl.json) drives the program: its instructions, accounts
// and flags come from the IDL alone.
test('an Anchor Program client built from idl.json registers and updates a route', async () => {
    const anchor = peer('@coral-xyz/anchor');
    const w = await world();
    const authority = new anchor.web3.PublicKey(w.alice.address);
    const wallet = { publicKey: authority, signTransaction: async (t) => t, signAllTransactions: async (t) => t };
    // The connection is never used: instructions are only built, LiteSVM runs them.
    const provider = new anchor.AnchorProvider(new anchor.web3.Connection('http://127.0.0.1:9'), wallet, {});
    const program = new anchor.Program(idl, provider);
    const addr = await routeAddress('anchor.example', '/');
    const route = new anchor.web3.PublicKey(addr);
    const toKit = (ix) => ({
        programAddress: kit.address(ix.programId.toBase58()),
        data: new Uint8Array(ix.data),
        accounts: ix.keys.map((k) => {
            const a = kit.address(k.pubkey.toBase58());
            if (k.isSigner) return signer(w.alice, k.isWritable);
            return k.isWritable ? writable(a) : readonly(a);
        }),
    });
    const reg = await program.methods.registerRoute('anchor.example', '/', CID_A, 0)
        .accounts({ authority, route }).instruction();
    assert.deepEqual(reg.keys.map((k) => [k.pubkey.toBase58(), k.isSigner, k.isWritable]),
        [[w.alice.address, true, true], [addr, false, true], [SYSTEM, false, false]]);
    const regIx = toKit(reg);
    ok(await send(w, regIx.accounts, regIx.data), 'register_route');
    const upd = toKit(await program.methods.updateRoute(CID_B).accounts({ authority, route }).instruction());
    ok(await send(w, upd.accounts, upd.data), 'update_route');
    const acc = w.svm.getAccount(addr);
    const r = program.coder.accounts.decode('wasmRoute', Buffer.from(acc.data));
    assert.equal(r.wasmCid, CID_B); // the Program client converts names to camelCase
    assert.equal(r.pathPattern, '/');
    assert.equal(r.moduleType, 0);
    assert.equal(r.authority.toBase58(), w.alice.address);
    assert.equal(r.domain, 'anchor.example');
    // the discriminator filter an Anchor client uses with getProgramAccounts matches our accounts
    const filter = program.coder.accounts.memcmp('wasmRoute');
    assert.equal(Buffer.from(acc.data.subarray(0, 8)).toString('hex'),
        Buffer.from(anchor.utils.bytes.bs58.decode(filter.bytes)).toString('hex'));
});

// ---------------- failure paths: each with its own error ----------------
test('unknown or short discriminators are refused (6000)', async () => {
    const w = await world();
    const addr = await routeAddress('example.com', '/');
    fails(await send(w, [signer(w.alice), writable(addr)], Buffer.from('0102030405060708', 'hex')), 6000, 'UnknownInstruction');
    fails(await send(w, [signer(w.alice), writable(addr)], Buffer.from([1, 2, 3])), 6000, 'UnknownInstruction');
});

test('truncated instruction data is refused (6001)', async () => {
    const w = await world();
    const full = encode('register_route', registerArgs());
    const addr = await routeAddress('example.com', '/api/*');
    fails(await send(w, [signer(w.alice), writable(addr), readonly(SYSTEM)], full.subarray(0, full.length - 1)), 6001, 'DataTruncated');
    fails(await send(w, [signer(w.alice), writable(addr), readonly(SYSTEM)], full.subarray(0, 20)), 6001, 'DataTruncated');
});

test('trailing bytes after the arguments are refused (6002)', async () => {
    const { w, addr } = await registered();
    const data = Buffer.concat([encode('set_enabled', { enabled: true }), Buffer.from([0])]);
    fails(await send(w, [signer(w.alice, false), writable(addr)], data), 6002, 'DataTrailing');
});

test('missing accounts are refused (6003)', async () => {
    const w = await world();
    const addr = await routeAddress('example.com', '/api/*');
    fails(await send(w, [signer(w.alice), writable(addr)], encode('register_route', registerArgs())), 6003, 'MissingAccounts');
});

test('a register whose authority did not sign is refused (6004)', async () => {
    const w = await world();
    const addr = await routeAddress('example.com', '/api/*');
    fails(await send(w, [writable(w.alice.address), writable(addr), readonly(SYSTEM)], encode('register_route', registerArgs())), 6004, 'AuthorityNotSigner');
});

test('an update by a non-signing authority is refused (6004)', async () => {
    const { w, addr } = await registered();
    fails(await send(w, [readonly(w.alice.address), writable(addr)], encode('update_route', { new_wasm_cid: CID_B })), 6004, 'AuthorityNotSigner');
});

test('a read-only authority cannot pay for a route (6005)', async () => {
    const w = await world();
    const addr = await routeAddress('example.com', '/api/*');
    fails(await send(w, [signer(w.alice, false), writable(addr), readonly(SYSTEM)], encode('register_route', registerArgs())), 6005, 'AuthorityNotWritable');
});

test('a read-only route account is refused (6006)', async () => {
    const { w, addr } = await registered();
    fails(await send(w, [signer(w.alice, false), readonly(addr)], encode('set_enabled', { enabled: false })), 6006, 'RouteNotWritable');
});

test('a fake system program is refused (6007)', async () => {
    const w = await world();
    const addr = await routeAddress('example.com', '/api/*');
    fails(await send(w, [signer(w.alice), writable(addr), readonly(PROGRAM)], encode('register_route', registerArgs())), 6007, 'WrongSystemProgram');
});

test('a route account that is not the PDA of its domain and path is refused (6008)', async () => {
    const w = await world();
    const foreign = await routeAddress('example.com', '/other');
    fails((await register(w, w.alice, {}, foreign)).res, 6008, 'RoutePdaMismatch');
    const random = (await kit.generateKeyPairSigner()).address;
    fails((await register(w, w.alice, {}, random)).res, 6008, 'RoutePdaMismatch');
});

test('registering a taken (domain, path) is refused, even for another signer (6009)', async () => {
    const { w } = await registered();
    fails((await register(w, w.bob)).res, 6009, 'RouteExists');
    fails((await register(w, w.alice, { wasm_cid: CID_B })).res, 6009, 'RouteExists');
});

test('update after close is refused (6010)', async () => {
    const { w, addr } = await registered();
    ok(await send(w, [signer(w.alice), writable(addr)], encode('close_route')), 'close_route');
    fails(await send(w, [signer(w.alice, false), writable(addr)], encode('update_route', { new_wasm_cid: CID_B })), 6010, 'RouteNotFound');
    fails(await send(w, [signer(w.alice), writable(addr)], encode('close_route')), 6010, 'RouteNotFound');
});

// Places an account with the given owner and data at a fresh address.
async function plant(w, owner, data) {
    const addr = (await kit.generateKeyPairSigner()).address;
    w.svm.setAccount({
        address: addr, programAddress: owner, lamports: kit.lamports(10_000_000n),
        data: new Uint8Array(data), executable: false, space: BigInt(data.length),
    });
    return addr;
}

test('an account owned by another program is refused (6011)', async () => {
    const { w, addr } = await registered();
    const real = w.svm.getAccount(addr);
    const foreign = await plant(w, kit.address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), real.data);
    fails(await send(w, [signer(w.alice, false), writable(foreign)], encode('update_route', { new_wasm_cid: CID_B })), 6011, 'WrongOwner');
});

test('a program-owned account without the WasmRoute discriminator is refused (6012)', async () => {
    const { w, addr } = await registered();
    const data = Buffer.from(w.svm.getAccount(addr).data);
    data[0] ^= 0xff;
    const planted = await plant(w, PROGRAM, data);
    fails(await send(w, [signer(w.alice, false), writable(planted)], encode('set_enabled', { enabled: false })), 6012, 'BadDiscriminator');
});

test('a route account with overrunning stored lengths is refused (6013)', async () => {
    const { w, addr } = await registered();
    const data = Buffer.from(w.svm.getAccount(addr).data);
    data.writeUInt32LE(600, 40); // domain length past the field's maximum
    const planted = await plant(w, PROGRAM, data);
    fails(await send(w, [signer(w.alice, false), writable(planted)], encode('set_enabled', { enabled: false })), 6013, 'CorruptAccount');
});

test('a copy of a real route at a non-PDA address is refused (6008)', async () => {
    const { w, addr } = await registered();
    const copy = await plant(w, PROGRAM, w.svm.getAccount(addr).data);
    fails(await send(w, [signer(w.alice, false), writable(copy)], encode('set_enabled', { enabled: false })), 6008, 'RoutePdaMismatch');
});

test('someone else cannot update, disable, transfer or close a route (6014)', async () => {
    const { w, addr } = await registered();
    const bobSigns = [signer(w.bob), writable(addr)];
    fails(await send(w, bobSigns, encode('update_route', { new_wasm_cid: CID_B })), 6014, 'AuthorityMismatch');
    fails(await send(w, bobSigns, encode('set_enabled', { enabled: false })), 6014, 'AuthorityMismatch');
    fails(await send(w, bobSigns, encode('transfer_authority', { new_authority: w.bob.address })), 6014, 'AuthorityMismatch');
    fails(await send(w, bobSigns, encode('close_route')), 6014, 'AuthorityMismatch');
    assert.equal(decodeRoute(w, addr).wasm_cid, CID_A);
});

test('empty and over-long fields are refused, each with its own error (6015-6022)', async () => {
    const w = await world();
    const cases = [
        [{ domain: '' }, 6015, 'DomainEmpty'],
        [{ domain: 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(63) }, 6016, 'DomainTooLong'],
        [{ path_pattern: '' }, 6018, 'PathEmpty'],
        [{ path_pattern: '/' + 'p'.repeat(256) }, 6019, 'PathTooLong'],
        [{ wasm_cid: '' }, 6021, 'CidEmpty'],
        [{ wasm_cid: 'b' + 'a'.repeat(100) }, 6022, 'CidTooLong'],
    ];
    for (const [over, code, name] of cases) {
        const addr = (await kit.generateKeyPairSigner()).address;
        fails((await register(w, w.alice, over, addr)).res, code, name);
    }
});

test('malformed domain, path, CID and module type are refused (6017, 6020, 6023, 6024)', async () => {
    const w = await world();
    const cases = [
        [{ domain: 'Example.com' }, 6017, 'DomainInvalid'],
        [{ path_pattern: '/a/../b' }, 6020, 'PathInvalid'],
        [{ wasm_cid: 'bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5v' }, 6023, 'CidInvalid'],
        [{ module_type: 7 }, 6024, 'ModuleTypeInvalid'],
    ];
    for (const [over, code, name] of cases) {
        const a = registerArgs(over);
        const addr = await routeAddress(a.domain, a.path_pattern);
        fails((await register(w, w.alice, over, addr)).res, code, name);
    }
});

test('a bool byte other than 0 or 1 is refused (6025)', async () => {
    const { w, addr } = await registered();
    const data = Buffer.concat([disc('set_enabled'), Buffer.from([2])]);
    fails(await send(w, [signer(w.alice, false), writable(addr)], data), 6025, 'BoolInvalid');
});

test('transferring to the zero key or to the route itself is refused (6026)', async () => {
    const { w, addr } = await registered();
    fails(await send(w, [signer(w.alice, false), writable(addr)], encode('transfer_authority', { new_authority: SYSTEM })), 6026, 'NewAuthorityInvalid');
    fails(await send(w, [signer(w.alice, false), writable(addr)], encode('transfer_authority', { new_authority: addr })), 6026, 'NewAuthorityInvalid');
});

test('an authority that cannot pay the rent is refused before any transfer (6027)', async () => {
    const w = await world();
    const poor = await kit.generateKeyPairSigner();
    w.svm.airdrop(poor.address, kit.lamports(1_000_000n));
    fails((await register(w, poor)).res, 6027, 'InsufficientFunds');
    assert.equal(w.svm.getBalance(poor.address), 1_000_000n);
});

test('the same account as authority and route is refused (6031)', async () => {
    const w = await world();
    const res = await send(w, [signer(w.alice), signer(w.alice), readonly(SYSTEM)], encode('register_route', registerArgs()));
    fails(res, 6031, 'DuplicateAccount');
});

test('every error code of the program is in idl.json with a distinct name', () => {
    const src = readFileSync(root + 'contracts/wasm-registry/registry.h', 'utf8');
    const codes = [...src.matchAll(/REG_ERR_\w+ = (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(codes.length, idl.errors.length);
    assert.deepEqual(codes, idl.errors.map((e) => e.code));
    assert.equal(new Set(idl.errors.map((e) => e.name)).size, idl.errors.length);
});
