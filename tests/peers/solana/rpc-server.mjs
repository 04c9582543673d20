// A loopback Solana cluster for tests: LiteSVM (a real SVM) with the built wasm-registry program
// loaded, behind a JSON-RPC 2.0 HTTP front that answers in the request and response shapes of
// Solana's JSON-RPC documentation, so the project's C clients talk to it as to a real cluster.
//
//   node rpc-server.mjs --program PATH.so [--program-id ADDRESS] [--port N] [--unix-time SECONDS]
//
// Port 0 (the default) picks a free port. Once listening it prints one line to stdout:
//   listening http://127.0.0.1:PORT
// It serves 127.0.0.1 only and exits by itself when stdin closes or its parent process dies, so a
// test that forgets it (or crashes) never leaves it running.
//
// Methods: getHealth, getSlot, getBalance, getAccountInfo, getProgramAccounts (dataSize and
// memcmp filters), getLatestBlockhash, getMinimumBalanceForRentExemption, requestAirdrop,
// sendTransaction (base58 or base64 wire transactions, preflight as a real node does it, or
// skipPreflight), getSignatureStatuses. Every transaction is final when sendTransaction returns.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { LiteSVM, Clock, FailedTransactionMetadata } = require('litesvm');
const kit = require('@solana/kit');

const REGISTRY_ID_DEFAULT = 'Fw6L5AfxYM6oKWJYxVEctgeD4L4RovwmP6bWfXuZoWHa';
const MAX_BODY_BYTES = 1 << 20;   // a wire transaction is at most 1232 bytes; batches stay small
const PARENT_POLL_MS = 500;
const U64_MAX_TEXT = '18446744073709551615';
const RENT_EPOCH_MARK = '__rent_epoch_u64_max__';

// ---- command line ----
function usage(msg) {
    process.stderr.write(`rpc-server: ${msg}\nusage: node rpc-server.mjs --program PATH.so ` +
        '[--program-id ADDRESS] [--port N] [--unix-time SECONDS]\n');
    process.exit(2);
}
const opts = { port: 0, programId: REGISTRY_ID_DEFAULT, program: null, unixTime: null };
for (let i = 2; i < process.argv.length; i += 2) {
    const [flag, value] = [process.argv[i], process.argv[i + 1]];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--program') opts.program = value;
    else if (flag === '--program-id') opts.programId = value;
    else if (flag === '--port') opts.port = Number(value);
    else if (flag === '--unix-time') opts.unixTime = BigInt(value);
    else usage(`unknown option ${flag}`);
}
if (!opts.program) usage('--program is required');
if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage('bad --port');

// ---- the chain ----
const svm = new LiteSVM();
try {
    svm.addProgram(kit.address(opts.programId), readFileSync(opts.program));
} catch (e) {
    process.stderr.write(`rpc-server: cannot load ${opts.program}: ${e.message}\n`);
    process.exit(1);
}
if (opts.unixTime !== null) svm.setClock(new Clock(1n, 0n, 0n, 0n, opts.unixTime));

// LiteSVM cannot list accounts by owner, so the front remembers every address a transaction or
// an airdrop touched; getProgramAccounts looks at those.
const knownAddresses = new Set();
// Signature (base58) -> { slot, err } of every processed transaction and airdrop.
const statuses = new Map();
// A transaction landed since the last getLatestBlockhash: hand out a fresh hash, so that two
// identical instructions in a row are two transactions (as on a cluster, where hashes advance).
let blockhashUsed = false;

const slot = () => Number(svm.getClock().slot);
function nextSlot() {
    const clock = svm.getClock();
    svm.setClock(new Clock(clock.slot + 1n, clock.epochStartTimestamp, clock.epoch,
        clock.leaderScheduleEpoch, clock.unixTimestamp));
}
const context = () => ({ apiVersion: '2.2.0', slot: slot() });
const b58 = kit.getBase58Decoder();     // bytes -> text
const b58enc = kit.getBase58Encoder();  // text -> bytes
const b64 = kit.getBase64Decoder();
const b64enc = kit.getBase64Encoder();

// ---- errors, in the words and shapes of a validator ----
class RpcError extends Error {
    constructor(code, message, data) { super(message); this.code = code; this.data = data; }
}
const invalidParams = (msg) => new RpcError(-32602, msg);

// Names in the order of litesvm's TransactionErrorFieldless and InstructionErrorFieldless (the
// Rust enums' variant order), and the Display text of those a client may meet here.
const TX_ERRORS = ['AccountInUse', 'AccountLoadedTwice', 'AccountNotFound', 'ProgramAccountNotFound',
    'InsufficientFundsForFee', 'InvalidAccountForFee', 'AlreadyProcessed', 'BlockhashNotFound',
    'CallChainTooDeep', 'MissingSignatureForFee', 'InvalidAccountIndex', 'SignatureFailure',
    'InvalidProgramForExecution', 'SanitizeFailure', 'ClusterMaintenance', 'AccountBorrowOutstanding',
    'WouldExceedMaxBlockCostLimit', 'UnsupportedVersion', 'InvalidWritableAccount',
    'WouldExceedMaxAccountCostLimit', 'WouldExceedAccountDataBlockLimit', 'TooManyAccountLocks',
    'AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner', 'InvalidAddressLookupTableData',
    'InvalidAddressLookupTableIndex', 'InvalidRentPayingAccount', 'WouldExceedMaxVoteCostLimit',
    'WouldExceedAccountDataTotalLimit', 'MaxLoadedAccountsDataSizeExceeded', 'ResanitizationNeeded',
    'InvalidLoadedAccountsDataSizeLimit', 'UnbalancedTransaction', 'ProgramCacheHitMaxLimit',
    'CommitCancelled'];
const TX_ERROR_TEXT = {
    AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
    AlreadyProcessed: 'This transaction has already been processed',
    BlockhashNotFound: 'Blockhash not found',
    InsufficientFundsForFee: 'Insufficient funds for fee',
    SignatureFailure: 'Transaction did not pass signature verification',
    ProgramAccountNotFound: 'Attempt to load a program that does not exist',
    SanitizeFailure: 'Transaction failed to sanitize accounts offsets correctly',
};
const IX_ERRORS = ['GenericError', 'InvalidArgument', 'InvalidInstructionData', 'InvalidAccountData',
    'AccountDataTooSmall', 'InsufficientFunds', 'IncorrectProgramId', 'MissingRequiredSignature',
    'AccountAlreadyInitialized', 'UninitializedAccount', 'UnbalancedInstruction', 'ModifiedProgramId',
    'ExternalAccountLamportSpend', 'ExternalAccountDataModified', 'ReadonlyLamportChange',
    'ReadonlyDataModified', 'DuplicateAccountIndex', 'ExecutableModified', 'RentEpochModified',
    'NotEnoughAccountKeys', 'AccountDataSizeChanged', 'AccountNotExecutable', 'AccountBorrowFailed',
    'AccountBorrowOutstanding', 'DuplicateAccountOutOfSync', 'InvalidError', 'ExecutableDataModified',
    'ExecutableLamportChange', 'ExecutableAccountNotRentExempt', 'UnsupportedProgramId', 'CallDepth',
    'MissingAccount', 'ReentrancyNotAllowed', 'MaxSeedLengthExceeded', 'InvalidSeeds',
    'InvalidRealloc', 'ComputationalBudgetExceeded', 'PrivilegeEscalation',
    'ProgramEnvironmentSetupFailure', 'ProgramFailedToComplete', 'ProgramFailedToCompile',
    'Immutable', 'IncorrectAuthority', 'AccountNotRentExempt', 'InvalidAccountOwner',
    'ArithmeticOverflow', 'UnsupportedSysvar', 'IllegalOwner', 'MaxAccountsDataAllocationsExceeded',
    'MaxAccountsExceeded', 'MaxInstructionTraceLengthExceeded',
    'BuiltinProgramsMustConsumeComputeUnits', 'BorshIoError'];
const IX_ERROR_TEXT = {
    MissingRequiredSignature: 'missing required signature for instruction',
    NotEnoughAccountKeys: 'insufficient account keys for instruction',
    InvalidAccountData: 'invalid account data for instruction',
    InvalidInstructionData: 'invalid instruction data',
    IncorrectProgramId: 'incorrect program id for instruction',
    ProgramFailedToComplete: 'Program failed to complete',
    InsufficientFunds: 'insufficient funds for instruction',
};

// LiteSVM's error object -> [JSON `err` value as the RPC shows it, Display text].
function describeError(e) {
    if (typeof e === 'number') {
        const name = TX_ERRORS[e] ?? `TransactionError(${e})`;
        return [name, TX_ERROR_TEXT[name] ?? name];
    }
    if (typeof e?.err === 'function' && typeof e.index === 'number') {
        const inner = e.err();
        let json, text;
        if (typeof inner === 'number') {
            json = IX_ERRORS[inner] ?? `InstructionError(${inner})`;
            text = IX_ERROR_TEXT[json] ?? json;
        } else if (typeof inner?.code === 'number') {
            json = { Custom: inner.code };
            text = `custom program error: 0x${inner.code.toString(16)}`;
        } else {
            json = { BorshIoError: String(inner) };
            text = String(inner);
        }
        return [{ InstructionError: [e.index, json] }, `Error processing Instruction ${e.index}: ${text}`];
    }
    if (typeof e?.accountIndex === 'number') {
        const name = e.constructor?.name?.replace(/^TransactionError/, '') || 'TransactionError';
        return [{ [name]: { account_index: e.accountIndex } }, `${name} (account ${e.accountIndex})`];
    }
    return [String(e), String(e)];
}

// ---- accounts ----
function accountJson(acc, encoding) {
    let data;
    if (encoding === 'base64') {
        data = [b64.decode(acc.data), 'base64'];
    } else if (encoding === 'base58') {
        // A validator refuses base58 for accounts over 128 bytes, with these words.
        if (acc.data.length > 128)
            throw invalidParams('Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.');
        data = [b58.decode(acc.data), 'base58'];
    } else {
        throw invalidParams(`Invalid params: unknown variant \`${encoding}\`, expected one of \`binary\`, \`base58\`, \`base64\`, \`jsonParsed\`, \`base64+zstd\`.`);
    }
    return {
        data,
        executable: acc.executable,
        lamports: Number(acc.lamports),
        owner: acc.programAddress,
        rentEpoch: RENT_EPOCH_MARK,
        space: acc.data.length,
    };
}

function parseAddress(text, what) {
    if (typeof text !== 'string') throw invalidParams(`Invalid param: ${what} must be a string`);
    try { return kit.address(text); } catch { throw invalidParams('Invalid param: Invalid'); }
}

function matchesFilter(data, f) {
    if (f && typeof f.dataSize === 'number') return data.length === f.dataSize;
    if (f && f.memcmp && typeof f.memcmp.offset === 'number' && typeof f.memcmp.bytes === 'string') {
        const enc = f.memcmp.encoding ?? 'base58';
        let want;
        try {
            want = enc === 'base64' ? b64enc.encode(f.memcmp.bytes) : b58enc.encode(f.memcmp.bytes);
        } catch {
            throw invalidParams(`Invalid param: memcmp bytes are not ${enc}`);
        }
        const at = f.memcmp.offset;
        if (at + want.length > data.length) return false;
        for (let i = 0; i < want.length; i++) if (data[at + i] !== want[i]) return false;
        return true;
    }
    throw invalidParams('Invalid param: filter must be dataSize or memcmp');
}

// ---- transactions ----
function decodeWire(text, encoding) {
    if (typeof text !== 'string') throw invalidParams('invalid transaction: not a string');
    let bytes;
    try {
        bytes = encoding === 'base64' ? b64enc.encode(text) : b58enc.encode(text);
    } catch {
        throw invalidParams(`invalid transaction: invalid ${encoding} encoding`);
    }
    try {
        const tx = kit.getTransactionDecoder().decode(bytes);
        const message = kit.getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
        return { tx, message };
    } catch (e) {
        throw invalidParams(`failed to deserialize solana_transaction::versioned::VersionedTransaction: ${e.message}`);
    }
}

function runTransaction(tx, message, skipPreflight) {
    const sigBytes = Object.values(tx.signatures)[0];
    if (!sigBytes) throw new RpcError(-32003, 'Transaction signature verification failure');
    const signature = b58.decode(sigBytes);
    let res;
    try {
        res = svm.sendTransaction(tx);
    } catch (e) {
        // kit refuses a transaction that lacks a signature before LiteSVM sees it.
        throw new RpcError(-32003, 'Transaction signature verification failure');
    }
    for (const a of message.staticAccounts) knownAddresses.add(a);
    if (res instanceof FailedTransactionMetadata) {
        const [err, text] = describeError(res.err());
        if (err === 'SignatureFailure')
            throw new RpcError(-32003, 'Transaction signature verification failure');
        if (!skipPreflight) {
            const meta = res.meta();
            throw new RpcError(-32002, `Transaction simulation failed: ${text}`, {
                accounts: null, err, innerInstructions: null, loadedAccountsDataSize: null,
                logs: meta.logs(), replacementBlockhash: null, returnData: null,
                unitsConsumed: Number(meta.computeUnitsConsumed()),
            });
        }
        // Without preflight a failed transaction still lands (and pays its fee) on a cluster.
        statuses.set(signature, { slot: slot(), err });
    } else {
        statuses.set(signature, { slot: slot(), err: null });
    }
    blockhashUsed = true;
    nextSlot();
    return signature;
}

// ---- methods ----
const methods = {
    getHealth: () => 'ok',
    getSlot: () => slot(),
    getBalance: ([addr]) => ({ context: context(), value: Number(svm.getBalance(parseAddress(addr, 'pubkey')) ?? 0n) }),
    getMinimumBalanceForRentExemption: ([size]) => {
        if (!Number.isInteger(size) || size < 0) throw invalidParams('Invalid param: usize expected');
        return Number(svm.minimumBalanceForRentExemption(BigInt(size)));
    },
    getLatestBlockhash: () => {
        if (blockhashUsed) { svm.expireBlockhash(); blockhashUsed = false; }
        return { context: context(), value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: slot() + 150 } };
    },
    getAccountInfo: ([addr, config = {}]) => {
        const acc = svm.getAccount(parseAddress(addr, 'pubkey'));
        return { context: context(), value: acc.exists ? accountJson(acc, config.encoding ?? 'base58') : null };
    },
    getProgramAccounts: ([program, config = {}]) => {
        const owner = parseAddress(program, 'program id');
        const filters = config.filters ?? [];
        if (!Array.isArray(filters) || filters.length > 4)
            throw invalidParams('Too many filters provided; max 4');
        const out = [];
        for (const addr of [...knownAddresses].sort()) {
            const acc = svm.getAccount(addr);
            if (!acc.exists || acc.programAddress !== owner) continue;
            if (!filters.every((f) => matchesFilter(acc.data, f))) continue;
            out.push({ account: accountJson(acc, config.encoding ?? 'base58'), pubkey: addr });
        }
        return config.withContext ? { context: context(), value: out } : out;
    },
    requestAirdrop: ([addr, lamports]) => {
        const to = parseAddress(addr, 'pubkey');
        if (!Number.isSafeInteger(lamports) || lamports <= 0) throw invalidParams('Invalid param: lamports');
        const res = svm.airdrop(to, kit.lamports(BigInt(lamports)));
        if (!res || res instanceof FailedTransactionMetadata)
            throw new RpcError(-32600, 'airdrop request failed');
        knownAddresses.add(to);
        const signature = b58.decode(res.signature());
        statuses.set(signature, { slot: slot(), err: null });
        blockhashUsed = true;
        nextSlot();
        return signature;
    },
    sendTransaction: ([wire, config = {}]) => {
        const encoding = config.encoding ?? 'base58';
        if (encoding !== 'base58' && encoding !== 'base64')
            throw invalidParams(`unsupported encoding: ${encoding}. Supported encodings: base58, base64`);
        const { tx, message } = decodeWire(wire, encoding);
        return runTransaction(tx, message, config.skipPreflight === true);
    },
    getSignatureStatuses: ([sigs]) => {
        if (!Array.isArray(sigs) || sigs.length > 256)
            throw invalidParams('Invalid param: expected an array of at most 256 signatures');
        return {
            context: context(),
            value: sigs.map((s) => {
                const st = statuses.get(s);
                if (!st) return null;
                return {
                    confirmationStatus: 'finalized', confirmations: null, err: st.err, slot: st.slot,
                    status: st.err === null ? { Ok: null } : { Err: st.err },
                };
            }),
        };
    },
};

function handle(req) {
    const id = req && typeof req === 'object' && 'id' in req ? req.id : null;
    if (!req || req.jsonrpc !== '2.0' || typeof req.method !== 'string')
        return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id };
    const fn = methods[req.method];
    if (!fn) return { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id };
    const params = req.params ?? [];
    if (!Array.isArray(params))
        return { jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params: expected an array' }, id };
    try {
        const result = fn(params);
        return { jsonrpc: '2.0', result, id };
    } catch (e) {
        if (e instanceof RpcError) {
            const error = { code: e.code, message: e.message };
            if (e.data !== undefined) error.data = e.data;
            return { jsonrpc: '2.0', error, id };
        }
        return { jsonrpc: '2.0', error: { code: -32603, message: `Internal error: ${e.message}` }, id };
    }
}

const server = createServer((request, response) => {
    const reply = (status, body) => {
        const text = JSON.stringify(body).replaceAll(`"${RENT_EPOCH_MARK}"`, U64_MAX_TEXT);
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(text);
    };
    if (request.method !== 'POST') {
        response.writeHead(405, { 'content-type': 'text/plain' });
        response.end('Used HTTP Method is not allowed. POST or OPTIONS is required');
        return;
    }
    const chunks = [];
    let size = 0;
    request.on('data', (c) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) { response.writeHead(413); response.end(); request.destroy(); return; }
        chunks.push(c);
    });
    request.on('end', () => {
        if (size > MAX_BODY_BYTES) return;
        let body;
        try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
            reply(200, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
            return;
        }
        reply(200, Array.isArray(body) ? body.map(handle) : handle(body));
    });
});

server.listen(opts.port, '127.0.0.1', () => {
    process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
server.on('error', (e) => {
    process.stderr.write(`rpc-server: ${e.message}\n`);
    process.exit(1);
});

// Exit with the test that started us: stdin closing is the usual signal; the parent poll covers
// a parent that handed us no pipe.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
const parent = process.ppid;
setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
}, PARENT_POLL_MS).unref();
