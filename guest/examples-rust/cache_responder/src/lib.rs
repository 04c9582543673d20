//! Example edge function (Rust version of guest/examples/cache_responder.c): GET
//! /cache/set/KEY/VALUE/TTL stores VALUE under KEY for TTL seconds and answers "stored"; GET
//! /cache/get/KEY answers the cached value with send_response (200), or 404 "miss". Other paths
//! continue to the origin.
use aegis_edge::{host, Request, Response};

/// The value as the C example reads it: at most 256 bytes.
const VALUE_MAX_BYTES: usize = 256;

fn handle(req: Request) -> Response {
    let rest = match req.uri.find("/cache/") {
        Some(i) => &req.uri[i + 7..],
        None => return Response::next(),
    };
    if let Some(args) = rest.strip_prefix("set/") {
        let mut parts = args.splitn(3, '/');
        let (key, value, ttl) = (parts.next(), parts.next(), parts.next());
        let ttl = ttl.and_then(leading_number);
        match (key, value, ttl) {
            (Some(k), Some(v), Some(ttl)) if !k.is_empty() && !v.is_empty() => {
                host::cache_set(k.as_bytes(), v.as_bytes(), ttl);
                host::send_response(200, b"stored");
                Response::next()
            }
            _ => Response::text(400, "usage: /cache/set/KEY/VALUE/TTL"),
        }
    } else if let Some(key) = rest.strip_prefix("get/") {
        match host::cache_get(key.as_bytes()) {
            Some(v) => host::send_response(200, &v[..v.len().min(VALUE_MAX_BYTES)]),
            None => host::send_response(404, b"miss"),
        }
        Response::next()
    } else {
        Response::text(400, "unknown cache operation")
    }
}

/// The decimal number at the start of s (what C's %ld reads), None when there is none.
fn leading_number(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    s[..digits].parse().ok()
}

aegis_edge::edge_function!(handle);
