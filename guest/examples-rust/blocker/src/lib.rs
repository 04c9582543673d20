//! Example edge function (Rust version of guest/examples/blocker.c): answers 403 itself, without
//! contacting the origin, when the URI contains /admin or the request carries X-Block;
//! everything else continues.
use aegis_edge::{host, Request, Response};

fn handle(req: Request) -> Response {
    let admin = req.uri.contains("/admin");
    if admin || req.header("x-block").is_some() {
        host::log(if admin {
            "blocked: admin path"
        } else {
            "blocked: x-block header"
        });
        return Response::text(403, "blocked by rule");
    }
    Response::next()
}

aegis_edge::edge_function!(handle);
