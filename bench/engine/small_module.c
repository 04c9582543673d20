/*
 * The small module of the instantiation benchmark: a few KB of code and data in one 64 KiB page of
 * linear memory, shaped like a tiny edge function (a route table, a header classifier and a
 * counter in a data segment that every call changes). Instantiating it measures the fixed cost a
 * node pays per fresh instance; its run(iterations) -> checksum follows the kernel convention so
 * the drivers can check that an instance (new or restored) computes the right answer.
 */
#include "kernels/kernel.h"

#define SMALL_ROUTE_COUNT 16u

static const char *const small_routes[SMALL_ROUTE_COUNT] = {
    "/",       "/index.html",    "/api/v1/users",   "/api/v1/items", "/api/v1/orders", "/login",
    "/logout", "/static/app.js", "/static/app.css", "/favicon.ico",  "/health",        "/metrics",
    "/admin",  "/search",        "/cart",           "/checkout",
};

static const char *const small_headers[] = {
    "host", "user-agent", "accept", "cookie", "content-type", "content-length", "x-forwarded-for"};

/* Tables an edge function typically carries; they make up most of the module's data segment. */
static const char *const small_mime[][2] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/vnd.microsoft.icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
};

static const struct {
    int32_t code;
    const char *reason;
} small_status[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {422, "Unprocessable Content"},
    {425, "Too Early"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

#define SMALL_MIME_COUNT (sizeof small_mime / sizeof small_mime[0])
#define SMALL_STATUS_COUNT (sizeof small_status / sizeof small_status[0])

/* Changed by every call, so a restored instance is observably back at its initial state. */
static uint32_t small_calls = 7;
static char small_scratch[256] = "initial scratch contents";

static uint32_t small_hash(const char *s)
{
    uint32_t h = 0x811c9dc5u;
    for (; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 0x01000193u;
    return h;
}

static int32_t small_route_index(const char *path)
{
    for (uint32_t i = 0; i < SMALL_ROUTE_COUNT; i++) {
        const char *a = small_routes[i], *b = path;
        while (*a != '\0' && *a == *b) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0')
            return (int32_t)i;
    }
    return -1;
}

static int small_equal(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static const char *small_mime_type(const char *ext)
{
    for (uint32_t i = 0; i < SMALL_MIME_COUNT; i++)
        if (small_equal(small_mime[i][0], ext))
            return small_mime[i][1];
    return "application/octet-stream";
}

static const char *small_reason(int32_t code)
{
    for (uint32_t i = 0; i < SMALL_STATUS_COUNT; i++)
        if (small_status[i].code == code)
            return small_status[i].reason;
    return "Unknown";
}

/* Writes "CODE REASON; TYPE" into the scratch buffer (truncated to fit), returns its length. */
static uint32_t small_format(int32_t code, const char *type)
{
    uint32_t n = 0;
    char digits[12];
    uint32_t d = 0, v = (uint32_t)code;
    do {
        digits[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && d < sizeof digits);
    while (d > 0 && n < sizeof small_scratch - 1)
        small_scratch[n++] = digits[--d];
    const char *parts[] = {" ", small_reason(code), "; ", type};
    for (uint32_t p = 0; p < 4; p++)
        for (const char *q = parts[p]; *q != '\0' && n < sizeof small_scratch - 1; q++)
            small_scratch[n++] = *q;
    small_scratch[n] = '\0';
    return n;
}

int64_t KERNEL_RUN(int32_t iterations)
{
    uint64_t sum = small_calls;
    for (int32_t it = 0; it < iterations; it++) {
        const char *path = small_routes[(uint32_t)it % SMALL_ROUTE_COUNT];
        sum = sum * 31 + (uint64_t)small_route_index(path);
        sum = sum * 31 + small_hash(small_headers[(uint32_t)it % 7]);
        uint32_t len =
            small_format(small_status[(uint32_t)it % SMALL_STATUS_COUNT].code,
                         small_mime_type(small_mime[(uint32_t)it % SMALL_MIME_COUNT][0]));
        sum = sum * 31 + len + small_hash(small_scratch);
    }
    sum = sum * 31 + small_hash(small_scratch);
    small_calls++;
    return (int64_t)sum;
}
