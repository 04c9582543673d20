/*
 * The AEGIS Edge SDK for AssemblyScript: guest ABI v1 (docs/ABI.md) as typed classes and plain
 * functions. The request JSON is read with the json-as package (`@json` classes, generated
 * parsers), results are written with it too, and every host import of module "env" has a wrapper
 * that takes and returns AssemblyScript strings (UTF-16 inside, UTF-8 across the boundary).
 *
 * A module re-exports alloc and dealloc and defines its entry point around an ordinary function:
 *
 *     import { Request, Response, handle } from "aegis-edge";
 *     export { alloc, dealloc } from "aegis-edge";
 *     export function handle_request(ptr: usize, len: i32): usize {
 *       return handle(ptr, len, (req: Request): Response => Response.next().header("X-Hi", "1"));
 *     }
 *
 * Built with the stub runtime (a bump allocator that never collects): the node restores the
 * module's memory before every request, so nothing allocated while handling one needs freeing.
 * An abort (a failed assertion, an out-of-range index, a parse error) logs its message through
 * `log` and traps with `unreachable`; `aegis-wasm-cli build` routes the compiler's abort here.
 */
import { JSON } from "json-as";

// ---- host imports (module "env") -------------------------------------------------------------

@external("env", "log")
declare function host_log(ptr: usize, len: i32): void;
@external("env", "get_timestamp")
declare function host_get_timestamp(): i64;
@external("env", "get_request_header")
declare function host_get_request_header(name: usize, nameLen: i32, out: usize, outLen: i32): i32;
@external("env", "set_response_header")
declare function host_set_response_header(name: usize, nameLen: i32, value: usize, valueLen: i32): void;
@external("env", "get_request_body_size")
declare function host_get_request_body_size(): i32;
@external("env", "read_request_body")
declare function host_read_request_body(buf: usize, len: i32): i32;
@external("env", "send_response")
declare function host_send_response(status: i32, body: usize, len: i32): void;
@external("env", "cache_get")
declare function host_cache_get(key: usize, keyLen: i32, out: usize, outLen: i32): i32;
@external("env", "cache_set")
declare function host_cache_set(key: usize, keyLen: i32, val: usize, valLen: i32, ttlSecs: i64): void;

function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** Writes a line to the node's log, attributed to this module. */
export function log(message: string): void {
  const b = utf8(message);
  host_log(changetype<usize>(b), b.byteLength);
}

/** Unix time in microseconds. */
export function timestampUs(): i64 {
  return host_get_timestamp();
}

/** Value of a request header (name case-insensitive), or null when the request has none. */
export function requestHeader(name: string): string | null {
  const n = utf8(name);
  let cap = 256;
  for (let attempt = 0; attempt < 2; attempt++) {
    const out = new ArrayBuffer(cap);
    const len = host_get_request_header(changetype<usize>(n), n.byteLength, changetype<usize>(out), cap);
    if (len < 0) return null;
    if (len <= cap) return String.UTF8.decodeUnsafe(changetype<usize>(out), <usize>len);
    cap = len; // the value was longer than the buffer: ask again with its length
  }
  return null;
}

/** Adds or replaces a header on the response the client receives. */
export function setResponseHeader(name: string, value: string): void {
  const n = utf8(name), v = utf8(value);
  host_set_response_header(changetype<usize>(n), n.byteLength, changetype<usize>(v), v.byteLength);
}

/** Total size of the request body in bytes. */
export function requestBodySize(): i32 {
  return host_get_request_body_size();
}

/** Copies body bytes from the current read position into buf; 0 at the end. */
export function readRequestBody(buf: Uint8Array): i32 {
  return host_read_request_body(buf.dataStart, buf.byteLength);
}

/** Answers the client now with status and a text/plain body; the origin is not contacted. */
export function sendResponse(status: i32, body: string): void {
  const b = utf8(body);
  host_send_response(status, changetype<usize>(b), b.byteLength);
}

/** The cached value of key (UTF-8), or null when absent or expired. */
export function cacheGet(key: string): string | null {
  const k = utf8(key);
  let cap = 1024;
  for (let attempt = 0; attempt < 2; attempt++) {
    const out = new ArrayBuffer(cap);
    const len = host_cache_get(changetype<usize>(k), k.byteLength, changetype<usize>(out), cap);
    if (len < 0) return null;
    if (len <= cap) return String.UTF8.decodeUnsafe(changetype<usize>(out), <usize>len);
    cap = len;
  }
  return null;
}

/** Stores value under key for ttlSecs seconds (0: until evicted). */
export function cacheSet(key: string, value: string, ttlSecs: i64): void {
  const k = utf8(key), v = utf8(value);
  host_cache_set(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength, ttlSecs);
}

// ---- the request and the results -------------------------------------------------------------

/** The request as the node sends it (docs/ABI.md, "The request JSON"). */
@json
export class Request {
  method: string = "";
  uri: string = "";
  /** [name, value] pairs in arrival order. */
  headers: string[][] = [];
  /** "" without a body, and when the body is not UTF-8 (then bodyBase64 holds it). */
  body: string = "";
  @alias("body_base64")
  bodyBase64: string = "";
  @alias("client_ip")
  clientIp: string = "";

  /** First header `name` (ASCII case-insensitive) from the request JSON, or null. */
  header(name: string): string | null {
    const want = name.toLowerCase();
    for (let i = 0; i < this.headers.length; i++) {
      const pair = this.headers[i];
      if (pair.length == 2 && pair[0].toLowerCase() == want) return pair[1];
    }
    return null;
  }

  /** The path of the URI (the part before '?'). */
  path(): string {
    const q = this.uri.indexOf("?");
    return q < 0 ? this.uri : this.uri.substring(0, q);
  }
}

/** An edge function's result: a status answers the client, CONTINUE lets the request go on. */
export class Response {
  static readonly CONTINUE: i32 = -1;
  status: i32 = Response.CONTINUE;
  headers: string[][] = [];
  body: string = "";

  /** Continue to the origin; headers added with header() go on the client's response. */
  static next(): Response {
    return new Response();
  }

  /** Answer the client directly. */
  static reply(status: i32, body: string, contentType: string = "text/plain"): Response {
    const r = new Response();
    r.status = status;
    r.body = body;
    r.headers.push(["Content-Type", contentType]);
    return r;
  }

  header(name: string, value: string): Response {
    this.headers.push([name, value]);
    return this;
  }

  toJSON(): string {
    return (
      '{"status":' + (this.status < 0 ? "null" : this.status.toString()) +
      ',"headers":' + JSON.stringify<string[][]>(this.headers) +
      ',"body":' + JSON.stringify<string>(this.body) + "}"
    );
  }
}

/** One rule that matched, in a WAF result. */
@json
export class WafMatch {
  rule_id: i32 = 0;
  category: string = "";
  severity: string = "";
  location: string = "";
  matched: string = "";
}

/** A WAF module's result. */
@json
export class WafResult {
  blocked: bool = false;
  score: i32 = 0;
  matches: WafMatch[] = [];
  execution_time_us: i64 = 0;

  static allow(): WafResult {
    return new WafResult();
  }

  static block(m: WafMatch, score: i32 = 5): WafResult {
    const r = new WafResult();
    r.blocked = true;
    r.score = score;
    r.matches.push(m);
    return r;
  }
}

// ---- exports and entry points ----------------------------------------------------------------

/** The alloc export of ABI v1: the node writes the request into this block. */
export function alloc(size: i32): usize {
  return heap.alloc(size > 0 ? <usize>size : 1);
}

/** The dealloc export of ABI v1 (the node restores memory anyway). */
export function dealloc(ptr: usize, size: i32): void {
  if (ptr != 0) heap.free(ptr);
}

/** The compiler's abort, routed here by `--use abort=...`: the message is logged, then a trap. */
export function abortHandler(message: string | null, file: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message !== null ? message : "(no message)");
  if (file !== null) text += " at " + file + ":" + line.toString() + ":" + column.toString();
  log(text);
  unreachable();
}

/** A frame of ABI v1: u32 little-endian length, then the UTF-8 bytes of json. */
function frame(json: string): usize {
  const n = String.UTF8.byteLength(json);
  const p = heap.alloc(<usize>n + 4);
  store<u32>(p, <u32>n);
  String.UTF8.encodeUnsafe(changetype<usize>(json), json.length, p + 4);
  return p;
}

function parseRequest(ptr: usize, len: i32): Request {
  return JSON.parse<Request>(String.UTF8.decodeUnsafe(ptr, <usize>len));
}

/** The body of an edge function's handle_request export: parses, calls fn, frames the result. */
export function handle(ptr: usize, len: i32, fn: (req: Request) => Response): usize {
  return frame(fn(parseRequest(ptr, len)).toJSON());
}

/** The body of a WAF module's analyze_request export. */
export function analyze(ptr: usize, len: i32, fn: (req: Request) => WafResult): usize {
  const start = host_get_timestamp();
  const result = fn(parseRequest(ptr, len));
  result.execution_time_us = host_get_timestamp() - start;
  return frame(JSON.stringify<WafResult>(result));
}
