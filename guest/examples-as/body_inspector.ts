/*
 * Example edge function (AssemblyScript version of guest/examples/body_inspector.c): reads the
 * body through the streaming host calls in 7-byte chunks and refuses a body containing
 * "forbidden" with 403. Otherwise the request continues and the client's response reports
 * X-Body-Size (host call), X-Body-Read (bytes read in chunks) and X-Body-Json (UTF-8 bytes of
 * the body in the request JSON).
 */
import { Request, Response, handle, readRequestBody, requestBodySize } from "aegis-edge";
export { alloc, dealloc } from "aegis-edge";

function onRequest(req: Request): Response {
  const size = requestBodySize();
  const body = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    // Deliberately small reads, to exercise the read position.
    const n = readRequestBody(body.subarray(got, min(got + 7, size)));
    if (n <= 0) break;
    got += n;
  }
  const text = String.UTF8.decodeUnsafe(body.dataStart, <usize>got);
  if (text.includes("forbidden")) return Response.reply(403, "forbidden word in body");
  return Response.next()
    .header("X-Body-Size", size.toString())
    .header("X-Body-Read", got.toString())
    .header("X-Body-Json", String.UTF8.byteLength(req.body).toString());
}

export function handle_request(ptr: usize, len: i32): usize {
  return handle(ptr, len, onRequest);
}
