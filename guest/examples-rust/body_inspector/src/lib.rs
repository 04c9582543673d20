//! Example edge function (Rust version of guest/examples/body_inspector.c): reads the body
//! through the streaming host calls in 7-byte chunks and refuses a body containing "forbidden"
//! with 403. Otherwise the request continues and the client's response reports X-Body-Size (host
//! call), X-Body-Read (bytes read in chunks) and X-Body-Json (bytes of the body in the request
//! JSON).
use aegis_edge::{host, Request, Response};

fn handle(req: Request) -> Response {
    let size = host::request_body_size();
    let mut body = vec![0u8; size];
    let mut got = 0;
    while got < size {
        // Deliberately small reads, to exercise the read position.
        let end = (got + 7).min(size);
        let n = host::read_request_body(&mut body[got..end]);
        if n == 0 {
            break;
        }
        got += n;
    }
    body.truncate(got);
    if body.windows(9).any(|w| w == b"forbidden") {
        return Response::text(403, "forbidden word in body");
    }
    Response::next()
        .with_header("X-Body-Size", size.to_string())
        .with_header("X-Body-Read", got.to_string())
        .with_header("X-Body-Json", req.body.len().to_string())
}

aegis_edge::edge_function!(handle);
