//! Example edge function (Rust version of guest/examples/header_rewriter.c): rewrites the
//! client's response headers. It adds X-Edge-Function and echoes the request method back in
//! X-Request-Method (result headers), and sets X-Powered-By through the set_response_header host
//! call; the request continues to the origin.
use aegis_edge::{host, Request, Response};

fn handle(req: Request) -> Response {
    host::set_response_header("X-Powered-By", "aegis-edge");
    Response::next()
        .with_header("X-Edge-Function", "header-rewriter")
        .with_header("X-Request-Method", req.method)
}

aegis_edge::edge_function!(handle);
