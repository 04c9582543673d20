// The original edge function template: the request and response as serde types, and the
// exports of the ABI written by hand.
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Request {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Serialize)]
struct Response {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: String,
}

#[no_mangle]
pub extern "C" fn alloc(size: usize) -> *mut u8 {
    let mut buf = Vec::with_capacity(size);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, size: usize) {
    let _ = Vec::from_raw_parts(ptr, 0, size);
}

#[no_mangle]
pub extern "C" fn handle_request(ptr: *const u8, len: usize) -> *const u8 {
    let input = unsafe { std::slice::from_raw_parts(ptr, len) };
    let request: Request = serde_json::from_slice(input).unwrap();
    let response = process_request(request);
    let output = serde_json::to_vec(&response).unwrap();
    let mut result = (output.len() as u32).to_le_bytes().to_vec();
    result.extend_from_slice(&output);
    let ptr = result.as_ptr();
    std::mem::forget(result);
    ptr
}

fn process_request(request: Request) -> Response {
    if request.uri.starts_with("/api/blocked") {
        return Response {
            status: Some(403),
            headers: vec![("Content-Type".to_string(), "text/plain".to_string())],
            body: "Access denied".to_string(),
        };
    }
    if request.uri.starts_with("/api/hello") {
        let agent = request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
            .map(|(_, value)| value.as_str())
            .unwrap_or("unknown");
        return Response {
            status: Some(200),
            headers: vec![("Content-Type".to_string(), "text/plain".to_string())],
            body: format!("{} {} from {} ({} body bytes)", request.method, request.uri, agent,
                          request.body.len()),
        };
    }
    Response {
        status: None,
        headers: vec![("X-Processed-By".to_string(), "aegis-edge".to_string())],
        body: String::new(),
    }
}
