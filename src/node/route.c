/*
 * Route matching: which configured route serves a request, given its Host and path. Routes are
 * few (at most NODE_MAX_ROUTES) and the scan touches only short strings, so a linear pass per
 * request is cheaper than maintaining a trie across reloads. Specificity, not file order, decides:
 * an operator adding an "/api/" prefix after the catch-all means the API route, whatever line it is
 * on. The path ranking is deploy's route_path_rank, the one the route sources use (route_match),
 * so a static route and a source route with the same pattern match the same requests.
 */
#include "deploy/deploy.h"
#include "node/node.h"

#include <string.h>
#include <strings.h>

typedef enum { HOST_EXACT, HOST_SUFFIX, HOST_ANY } host_tier;

/* How well a route's host matches at a tier: 0 no match, else larger is more specific (for
 * "*.suffix" routes, the suffix length). */
static size_t host_rank(const node_route *r, host_tier tier, const char *host, size_t host_len)
{
    size_t n = strlen(r->host);
    switch (tier) {
    case HOST_EXACT:
        return r->host[0] != '*' && n == host_len && strncasecmp(r->host, host, host_len) == 0;
    case HOST_SUFFIX:
        /* "*.example.com" matches "a.example.com" and "a.b.example.com": the request host must
         * be longer than the suffix and end in it, label boundary included. */
        if (n < 3 || r->host[0] != '*' || host_len <= n - 1)
            return 0;
        return strncasecmp(r->host + 1, host + host_len - (n - 1), n - 1) == 0 ? n : 0;
    case HOST_ANY:
        return n == 1 && r->host[0] == '*';
    }
    return 0;
}

/* The best route of a tier: the most specific host first, then the most specific path. */
static int best_in_tier(const node_config *cfg, host_tier tier, const char *host, size_t host_len,
                        const char *path, size_t path_len)
{
    int best = -1;
    size_t best_host = 0, best_path = 0;
    for (size_t i = 0; i < cfg->route_count; i++) {
        const node_route *r = &cfg->routes[i];
        size_t hr = host_rank(r, tier, host, host_len);
        if (hr == 0)
            continue;
        size_t pr = route_path_rank(r->path, path, path_len);
        if (pr == 0)
            continue;
        if (hr > best_host || (hr == best_host && pr > best_path)) {
            best_host = hr;
            best_path = pr;
            best = (int)i;
        }
    }
    return best;
}

int node_route_match(const node_config *cfg, const char *host, size_t host_len, const char *path,
                     size_t path_len)
{
    if (host == NULL)
        host_len = 0;
    /* Drop a ":port" (but not the colons inside "[::1]"). */
    for (size_t i = host_len; i > 0; i--) {
        if (host[i - 1] == ']')
            break;
        if (host[i - 1] == ':') {
            host_len = i - 1;
            break;
        }
    }
    if (host_len > 0 && host[host_len - 1] == '.')
        host_len--; /* "example.com." is the same name */
    for (host_tier tier = HOST_EXACT; tier <= HOST_ANY; tier++) {
        if (tier != HOST_ANY && host_len == 0)
            continue;
        int r = best_in_tier(cfg, tier, host, host_len, path, path_len);
        if (r >= 0)
            return r;
    }
    return -1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

long node_path_normalize(const char *path, size_t len, char *out, size_t cap)
{
    if (len == 0 || path[0] != '/')
        return -1;
    size_t n = 0;
    /* Pass 1: escapes. Each input byte yields at most one output byte or a 3-byte escape. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            unsigned char d = (unsigned char)(hi * 16 + lo);
            i += 2;
            if (unreserved(d)) {
                if (n + 1 > cap)
                    return -1;
                out[n++] = (char)d;
            } else {
                if (n + 3 > cap)
                    return -1;
                static const char digits[] = "0123456789ABCDEF";
                out[n++] = '%';
                out[n++] = digits[d >> 4];
                out[n++] = digits[d & 15];
            }
        } else {
            if (n + 1 > cap)
                return -1;
            out[n++] = (char)c;
        }
    }
    /* Pass 2: dot segments, in place (RFC 3986 5.2.4). The output is a run of "/segment"
     * pieces and never longer than what was consumed, so writing behind the reader is safe. */
    size_t w = 0, r = 0;
    while (r < n) {
        size_t s = r + 1, e = s; /* out[r] is '/'; the segment is out[s..e) */
        while (e < n && out[e] != '/')
            e++;
        size_t seg = e - s;
        bool last = e == n;
        if (seg == 1 && out[s] == '.') {
            if (last)
                out[w++] = '/';
        } else if (seg == 2 && out[s] == '.' && out[s + 1] == '.') {
            while (w > 0 && out[w - 1] != '/')
                w--;
            if (w > 0)
                w--; /* now at the end of the piece before the dropped one */
            if (last)
                out[w++] = '/';
        } else {
            memmove(out + w, out + r, e - r);
            w += e - r;
        }
        r = e;
    }
    if (w == 0)
        out[w++] = '/';
    return (long)w;
}
