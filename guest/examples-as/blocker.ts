/*
 * Example edge function (AssemblyScript version of guest/examples/blocker.c): answers 403 itself
 * when the URI contains /admin or the request carries X-Block; everything else continues.
 */
import { Request, Response, handle, log } from "aegis-edge";
export { alloc, dealloc } from "aegis-edge";

function onRequest(req: Request): Response {
  const admin = req.uri.includes("/admin");
  if (admin || req.header("x-block") !== null) {
    log(admin ? "blocked: admin path" : "blocked: x-block header");
    return Response.reply(403, "blocked by rule");
  }
  return Response.next();
}

export function handle_request(ptr: usize, len: i32): usize {
  return handle(ptr, len, onRequest);
}
