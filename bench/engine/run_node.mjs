// V8 driver of the engine benchmark: the machine's Node.js compiles a kernel .wasm with its own
// engine (Liftoff, then TurboFan) and times the same `run` export as the other drivers, printing
// the line format run.sh reads:
//   result runner=v8 rep=N ms=MILLISECONDS checksum=CHECKSUM
//   instantiate runner=v8 what=new count=N median_us=MICROSECONDS
// Usage: node run_node.mjs run KERNEL.wasm ITERATIONS REPS [WARMUP]
//        node run_node.mjs instantiate MODULE.wasm COUNT
// WARMUP untimed calls come first: V8 starts a module in its baseline compiler and moves hot
// functions to its optimising one only for later calls (a running call is never switched), so a
// warm-up call is what lets a single timed call measure V8's steady state.
// Kernels import nothing; should a module import WASI functions anyway, a minimal shim answers
// every one with ENOSYS (52), as our engine does for the calls it does not implement.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const MAX_REPS = 1000;
const MAX_ITERATIONS = 1000000000;
const MAX_INSTANTIATIONS = 1000000;
const WASI_ERRNO_NOSYS = 52;

function fail(message) {
    process.stderr.write(`run_node: ${message}\n`);
    process.exit(2);
}

function parseCount(text, max, what) {
    if (!/^[0-9]+$/.test(text ?? '')) fail(`${what} must be an integer in 1..${max}, not '${text}'`);
    const v = Number(text);
    if (v < 1 || v > max) fail(`${what} must be an integer in 1..${max}, not '${text}'`);
    return v;
}

function importsFor(module) {
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.kind !== 'function') fail(`${imp.module}.${imp.name}: only function imports are provided`);
        imports[imp.module] ??= {};
        imports[imp.module][imp.name] =
            imp.name === 'proc_exit'
                ? (code) => { throw new Error(`proc_exit(${code})`); }
                : () => WASI_ERRNO_NOSYS;
    }
    return imports;
}

function loadModule(path) {
    let bytes;
    try {
        bytes = readFileSync(path);
    } catch (e) {
        fail(`${path}: ${e.message}`);
    }
    const start = process.hrtime.bigint();
    const module = new WebAssembly.Module(bytes);
    const compileMs = Number(process.hrtime.bigint() - start) / 1e6;
    return { module, compileMs };
}

function median(values) {
    const s = [...values].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const [mode, path, ...rest] = process.argv.slice(2);
if (mode === 'run' && (rest.length === 2 || rest.length === 3)) {
    const iterations = parseCount(rest[0], MAX_ITERATIONS, 'ITERATIONS');
    const reps = parseCount(rest[1], MAX_REPS, 'REPS');
    const warmup = rest.length === 3 ? parseCount(rest[2], MAX_REPS, 'WARMUP') : 0;
    const { module, compileMs } = loadModule(path);
    const instance = new WebAssembly.Instance(module, importsFor(module));
    const run = instance.exports.run;
    if (typeof run !== 'function') fail(`${basename(path)}: no exported function 'run'`);
    console.log(`compile runner=v8 ms=${compileMs.toFixed(3)}`);
    for (let i = 0; i < warmup; i++) console.log(`warmup runner=v8 checksum=${run(iterations)}`);
    for (let rep = 0; rep < reps; rep++) {
        const start = process.hrtime.bigint();
        const checksum = run(iterations);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        // An i64 result arrives as a BigInt: printed in decimal, signed, like the C drivers.
        console.log(`result runner=v8 rep=${rep} ms=${ms.toFixed(3)} checksum=${checksum}`);
    }
} else if (mode === 'instantiate' && rest.length === 1) {
    const count = parseCount(rest[0], MAX_INSTANTIATIONS, 'COUNT');
    const { module } = loadModule(path);
    const imports = importsFor(module);
    const times = [];
    let keep = 0n;
    for (let i = 0; i < count; i++) {
        const start = process.hrtime.bigint();
        const instance = new WebAssembly.Instance(module, imports);
        times.push(Number(process.hrtime.bigint() - start) / 1e3);
        // Use each instance once, so the measured object is a working one.
        if (i === 0) keep = instance.exports.run(1);
    }
    console.log(`instantiate runner=v8 what=new count=${count} median_us=${median(times).toFixed(2)}`);
    console.log(`check runner=v8 checksum=${keep}`);
} else {
    fail('usage: run_node.mjs run KERNEL.wasm ITERATIONS REPS [WARMUP] | run_node.mjs instantiate MODULE.wasm COUNT');
}
