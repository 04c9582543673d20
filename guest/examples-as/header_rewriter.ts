/*
 * Example edge function (AssemblyScript version of guest/examples/header_rewriter.c): adds
 * X-Edge-Function and echoes the request method back in X-Request-Method (result headers), and
 * sets X-Powered-By through the set_response_header host call; the request continues.
 */
import { Request, Response, handle, setResponseHeader } from "aegis-edge";
export { alloc, dealloc } from "aegis-edge";

function onRequest(req: Request): Response {
  setResponseHeader("X-Powered-By", "aegis-edge");
  return Response.next()
    .header("X-Edge-Function", "header-rewriter")
    .header("X-Request-Method", req.method);
}

export function handle_request(ptr: usize, len: i32): usize {
  return handle(ptr, len, onRequest);
}
