/*
 * Address parsing for the config: "127.0.0.1:8080" and "[::1]:8080". Only numeric addresses are
 * accepted, because name resolution at start-up (and on every reload) would make the node's
 * behaviour depend on DNS at the worst moment; operators who want names put them in upstream
 * addresses through their own tooling.
 */
#include "node/node.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static bool addr_fail(char *err, const char *fmt, const char *text)
{
    if (err != NULL)
        snprintf(err, NODE_ERR_BYTES, fmt, text);
    return false;
}

bool node_addr_parse(const char *text, node_addr *addr, char *err)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL)
        return addr_fail(err, "'%s' is not address:port", text);
    const char *host = text;
    size_t host_len = (size_t)(colon - text);
    bool v6 = false;
    if (text[0] == '[') {
        if (host_len < 2 || text[host_len - 1] != ']')
            return addr_fail(err, "'%s' is not [ipv6-address]:port", text);
        host = text + 1;
        host_len -= 2;
        v6 = true;
    }
    if (host_len == 0 || host_len >= sizeof addr->host)
        return addr_fail(err, "'%s' has no valid address before the port", text);
    char buf[sizeof addr->host];
    memcpy(buf, host, host_len);
    buf[host_len] = '\0';
    unsigned char bin[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, bin) != 1)
        return addr_fail(err,
                         v6 ? "'%s': not a numeric IPv6 address"
                            : "'%s': not a numeric IPv4 address (IPv6 is written [::1]:port)",
                         text);
    const char *p = colon + 1;
    if (*p == '\0')
        return addr_fail(err, "'%s' has no port", text);
    unsigned long port = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || port > 65535)
            return addr_fail(err, "'%s': the port is not a number 1..65535", text);
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port == 0 || port > 65535)
        return addr_fail(err, "'%s': the port is not a number 1..65535", text);
    memcpy(addr->host, buf, host_len + 1);
    addr->port = (uint16_t)port;
    return true;
}
