/*
 * Example edge function (AssemblyScript version of guest/examples/cache_responder.c): GET
 * /cache/set/KEY/VALUE/TTL stores VALUE under KEY for TTL seconds and answers "stored"; GET
 * /cache/get/KEY answers the cached value with send_response (200), or 404 "miss". Other paths
 * continue to the origin.
 */
import { Request, Response, cacheGet, cacheSet, handle, sendResponse } from "aegis-edge";
export { alloc, dealloc } from "aegis-edge";

/** The decimal number at the start of s (what C's %ld reads), -1 when there is none. */
function leadingNumber(s: string): i64 {
  let n: i64 = 0, digits = 0;
  for (; digits < s.length; digits++) {
    const c = s.charCodeAt(digits);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return digits > 0 ? n : -1;
}

function onRequest(req: Request): Response {
  const at = req.uri.indexOf("/cache/");
  if (at < 0) return Response.next();
  const rest = req.uri.substring(at + 7);
  if (rest.startsWith("set/")) {
    const parts = rest.substring(4).split("/", 3);
    const ttl = parts.length == 3 ? leadingNumber(parts[2]) : -1;
    if (ttl < 0 || parts[0].length == 0 || parts[1].length == 0)
      return Response.reply(400, "usage: /cache/set/KEY/VALUE/TTL");
    cacheSet(parts[0], parts[1], ttl);
    sendResponse(200, "stored");
    return Response.next();
  }
  if (rest.startsWith("get/")) {
    const value = cacheGet(rest.substring(4));
    if (value === null) sendResponse(404, "miss");
    else sendResponse(200, value);
    return Response.next();
  }
  return Response.reply(400, "unknown cache operation");
}

export function handle_request(ptr: usize, len: i32): usize {
  return handle(ptr, len, onRequest);
}
