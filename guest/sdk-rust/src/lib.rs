//! The AEGIS Edge SDK for Rust: guest ABI v1 (docs/ABI.md) as types and safe functions.
//!
//! A module is a `cdylib` for `wasm32-wasi` that names an ordinary function in one macro:
//!
//! ```ignore
//! use aegis_edge::{Request, Response};
//!
//! fn handle(req: Request) -> Response {
//!     if req.path() == "/hello" {
//!         return Response::text(200, "hello");
//!     }
//!     Response::next().with_header("X-Edge", "1")
//! }
//!
//! aegis_edge::edge_function!(handle);
//! ```
//!
//! The macro exports `alloc`, `dealloc` and `handle_request` (`aegis_edge::waf!` exports
//! `analyze_request` for a WAF module). The request JSON is parsed with serde into [`Request`],
//! the result is serialized and framed (u32 little-endian length, then the JSON) as the node
//! expects. A panic logs its message through the `log` host import and traps with `unreachable`,
//! which the node counts as a failure of the module (an edge function's request then gets 502).
//!
//! The node restores the module's memory before every request, so nothing allocated while
//! handling one needs to be freed, and nothing kept in a `static` survives to the next request:
//! use [`host::cache_set`] for that.

use serde::{Deserialize, Serialize};

#[doc(hidden)]
pub use serde_json;

/// The request, as the node sends it to an entry point.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Request {
    pub method: String,
    /// The request target as received: path and query, not decoded.
    pub uri: String,
    /// `(name, value)` pairs in arrival order, names as the client spelled them.
    pub headers: Vec<(String, String)>,
    /// The body; `""` without one, and when the body is not UTF-8 (see `body_base64`).
    pub body: String,
    /// The body in standard base64 when it is not valid UTF-8.
    pub body_base64: Option<String>,
    pub client_ip: String,
}

impl Request {
    /// The first header `name` (ASCII case-insensitive), from the request JSON.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the URI (before `?`).
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or("")
    }

    /// The query part of the URI (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.uri.split_once('?').map(|(_, q)| q)
    }
}

/// An edge function's result. `status: None` lets the request continue to the origin (the
/// headers are set on the response the client receives); `Some(code)` answers the client.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Response {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// Continue to the origin (and the next function of the route).
    pub fn next() -> Self {
        Response::default()
    }

    /// Answer the client with `status` and no body yet.
    pub fn new(status: u16) -> Self {
        Response {
            status: Some(status),
            ..Response::default()
        }
    }

    /// Answer the client with `status` and a `text/plain` body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response::new(status)
            .with_header("Content-Type", "text/plain")
            .with_body(body)
    }

    /// Adds a header (to the answer, or to the client's response when continuing).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }
}

/// One rule that matched, in a WAF result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WafMatch {
    pub rule_id: u32,
    pub category: String,
    pub severity: String,
    pub location: String,
    pub matched: String,
}

/// A WAF module's result; `execution_time_us` is filled in by [`waf!`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct WafResult {
    pub blocked: bool,
    pub score: i32,
    pub matches: Vec<WafMatch>,
    pub execution_time_us: i64,
}

impl WafResult {
    pub fn allow() -> Self {
        WafResult::default()
    }

    /// Blocked, with the rule that matched and its score.
    pub fn block(m: WafMatch, score: i32) -> Self {
        WafResult {
            blocked: true,
            score,
            matches: vec![m],
            execution_time_us: 0,
        }
    }
}

mod ffi {
    // The host imports of ABI v1. Declared under other Rust names: `log` would otherwise clash
    // with libm's when the crate is checked on a native target.
    #[link(wasm_import_module = "env")]
    extern "C" {
        #[link_name = "log"]
        pub fn aegis_log(ptr: *const u8, len: i32);
        #[link_name = "get_timestamp"]
        pub fn aegis_get_timestamp() -> i64;
        #[link_name = "get_request_header"]
        pub fn aegis_get_request_header(
            name: *const u8,
            name_len: i32,
            out: *mut u8,
            out_len: i32,
        ) -> i32;
        #[link_name = "set_response_header"]
        pub fn aegis_set_response_header(
            name: *const u8,
            name_len: i32,
            value: *const u8,
            value_len: i32,
        );
        #[link_name = "get_request_body_size"]
        pub fn aegis_get_request_body_size() -> i32;
        #[link_name = "read_request_body"]
        pub fn aegis_read_request_body(buf: *mut u8, len: i32) -> i32;
        #[link_name = "send_response"]
        pub fn aegis_send_response(status: i32, body: *const u8, len: i32);
        #[link_name = "cache_get"]
        pub fn aegis_cache_get(key: *const u8, key_len: i32, out: *mut u8, out_len: i32) -> i32;
        #[link_name = "cache_set"]
        pub fn aegis_cache_set(key: *const u8, key_len: i32, val: *const u8, val_len: i32, ttl: i64);
    }
}

/// Safe wrappers of the host functions (import module `"env"`).
pub mod host {
    use super::ffi;

    /// Lengths cross the boundary as i32: longer slices are cut (the node refuses such sizes
    /// anyway).
    fn len32(n: usize) -> i32 {
        n.min(i32::MAX as usize) as i32
    }

    /// A log line attributed to the module.
    pub fn log(message: &str) {
        unsafe { ffi::aegis_log(message.as_ptr(), len32(message.len())) }
    }

    /// Unix time in microseconds.
    pub fn timestamp_us() -> i64 {
        unsafe { ffi::aegis_get_timestamp() }
    }

    /// Asks a host function that fills a buffer and returns the full length (-1: absent); asks
    /// again with the exact size when the first buffer was too small.
    fn fetch(mut call: impl FnMut(*mut u8, i32) -> i32) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 256];
        for _ in 0..2 {
            let n = call(buf.as_mut_ptr(), len32(buf.len()));
            if n < 0 {
                return None;
            }
            let n = n as usize;
            if n <= buf.len() {
                buf.truncate(n);
                return Some(buf);
            }
            buf = vec![0u8; n];
        }
        None
    }

    /// The value of request header `name` (case-insensitive); bytes that are not UTF-8 are
    /// replaced.
    pub fn request_header(name: &str) -> Option<String> {
        fetch(|out, cap| unsafe {
            ffi::aegis_get_request_header(name.as_ptr(), len32(name.len()), out, cap)
        })
        .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// Adds or replaces a header on the response the client receives.
    pub fn set_response_header(name: &str, value: &str) {
        unsafe {
            ffi::aegis_set_response_header(
                name.as_ptr(),
                len32(name.len()),
                value.as_ptr(),
                len32(value.len()),
            )
        }
    }

    /// Total size of the request body in bytes.
    pub fn request_body_size() -> usize {
        unsafe { ffi::aegis_get_request_body_size() }.max(0) as usize
    }

    /// Copies body bytes from the current read position into `buf`; 0 at the end.
    pub fn read_request_body(buf: &mut [u8]) -> usize {
        unsafe { ffi::aegis_read_request_body(buf.as_mut_ptr(), len32(buf.len())) }.max(0) as usize
    }

    /// The rest of the body, read through `read_request_body`.
    pub fn request_body() -> Vec<u8> {
        let mut body = vec![0u8; request_body_size()];
        let mut got = 0;
        while got < body.len() {
            let n = read_request_body(&mut body[got..]);
            if n == 0 {
                break;
            }
            got += n;
        }
        body.truncate(got);
        body
    }

    /// Answers the client now (text/plain); the origin is not contacted. The first call wins.
    pub fn send_response(status: u16, body: &[u8]) {
        unsafe { ffi::aegis_send_response(i32::from(status), body.as_ptr(), len32(body.len())) }
    }

    /// The cached value of `key` in the route owner's namespace; None when absent or expired.
    pub fn cache_get(key: &[u8]) -> Option<Vec<u8>> {
        fetch(|out, cap| unsafe { ffi::aegis_cache_get(key.as_ptr(), len32(key.len()), out, cap) })
    }

    /// Stores `value` under `key` for `ttl_secs` seconds (0: until evicted).
    pub fn cache_set(key: &[u8], value: &[u8], ttl_secs: u64) {
        let ttl = ttl_secs.min(i64::MAX as u64) as i64;
        unsafe {
            ffi::aegis_cache_set(
                key.as_ptr(),
                len32(key.len()),
                value.as_ptr(),
                len32(value.len()),
                ttl,
            )
        }
    }
}

/// What the entry point macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    use super::{host, Request, Response, WafResult};
    use std::alloc::Layout;

    pub fn alloc(size: i32) -> *mut u8 {
        match Layout::from_size_align(size.max(1) as usize, 1) {
            Ok(layout) => unsafe { std::alloc::alloc(layout) },
            Err(_) => std::ptr::null_mut(),
        }
    }

    /// # Safety
    /// `ptr` comes from `alloc(size)` with the same size.
    pub unsafe fn dealloc(ptr: *mut u8, size: i32) {
        if let (false, Ok(layout)) = (ptr.is_null(), Layout::from_size_align(size.max(1) as usize, 1)) {
            std::alloc::dealloc(ptr, layout)
        }
    }

    /// A panic logs its message and traps at once (not through the abort of the panic
    /// strategy): the node sees a clean `unreachable` trap.
    fn install_panic_hook() {
        std::panic::set_hook(Box::new(|info| {
            host::log(&format!("panic: {}", info));
            #[cfg(target_arch = "wasm32")]
            core::arch::wasm32::unreachable();
        }));
    }

    /// # Safety
    /// `ptr..ptr+len` is the request the node wrote into memory from `alloc`.
    unsafe fn request<'a>(ptr: *const u8, len: i32) -> Result<Request, serde_json::Error> {
        let bytes: &'a [u8] = std::slice::from_raw_parts(ptr, len.max(0) as usize);
        serde_json::from_slice(bytes)
    }

    /// The result frame: u32 LE length, then the JSON. Leaked: the node restores memory.
    fn frame<T: serde::Serialize>(value: &T) -> *const u8 {
        let mut out = vec![0u8; 4];
        if serde_json::to_writer(&mut out, value).is_err() {
            return std::ptr::null();
        }
        let n = (out.len() - 4) as u32;
        out[..4].copy_from_slice(&n.to_le_bytes());
        Box::leak(out.into_boxed_slice()).as_ptr()
    }

    /// # Safety
    /// As `request`.
    pub unsafe fn run_function(
        ptr: *const u8,
        len: i32,
        handler: impl FnOnce(Request) -> Response,
    ) -> *const u8 {
        install_panic_hook();
        let response = match request(ptr, len) {
            Ok(req) => handler(req),
            Err(e) => {
                host::log(&format!("unreadable request JSON: {}", e));
                Response::text(400, "unreadable request")
            }
        };
        frame(&response)
    }

    /// # Safety
    /// As `request`.
    pub unsafe fn run_waf(
        ptr: *const u8,
        len: i32,
        handler: impl FnOnce(Request) -> WafResult,
    ) -> *const u8 {
        install_panic_hook();
        let start = host::timestamp_us();
        let mut result = match request(ptr, len) {
            Ok(req) => handler(req),
            Err(e) => {
                host::log(&format!("unreadable request JSON: {}", e));
                WafResult::allow()
            }
        };
        result.execution_time_us = host::timestamp_us() - start;
        frame(&result)
    }
}

/// Exports `alloc` and `dealloc` (every module needs them); the entry point macros include it.
#[macro_export]
macro_rules! export_alloc {
    () => {
        #[no_mangle]
        pub extern "C" fn alloc(size: i32) -> *mut u8 {
            $crate::__private::alloc(size)
        }

        /// # Safety
        /// Called by the node with a block from `alloc`.
        #[no_mangle]
        pub unsafe extern "C" fn dealloc(ptr: *mut u8, size: i32) {
            $crate::__private::dealloc(ptr, size)
        }
    };
}

/// Makes `fn(Request) -> Response` the module's edge function: exports `alloc`, `dealloc` and
/// `handle_request`.
#[macro_export]
macro_rules! edge_function {
    ($handler:expr) => {
        $crate::export_alloc!();

        /// # Safety
        /// Called by the node with the request it wrote into memory from `alloc`.
        #[no_mangle]
        pub unsafe extern "C" fn handle_request(ptr: *const u8, len: i32) -> *const u8 {
            $crate::__private::run_function(ptr, len, $handler)
        }
    };
}

/// Makes `fn(Request) -> WafResult` the module's WAF: exports `alloc`, `dealloc` and
/// `analyze_request`.
#[macro_export]
macro_rules! waf {
    ($handler:expr) => {
        $crate::export_alloc!();

        /// # Safety
        /// Called by the node with the request it wrote into memory from `alloc`.
        #[no_mangle]
        pub unsafe extern "C" fn analyze_request(ptr: *const u8, len: i32) -> *const u8 {
            $crate::__private::run_waf(ptr, len, $handler)
        }
    };
}
