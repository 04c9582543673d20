/*
 * Path traversal / local file inclusion and remote file inclusion. Traversal is judged on the
 * value's path form (every encoding undone, including overlong UTF-8 and %u, backslashes as
 * slashes): a "../" that climbs out of a directory, more so several, or one that reaches a file
 * every attacker asks for. Inclusion wrappers (php://filter, expect://, ...) are local inclusion.
 * Remote inclusion is a URL that an include would fetch: one ending in '?' (to cut the suffix
 * the application appends), one whose host is a bare IP address, one naming a script file in a
 * parameter whose name says it picks a file, or a UNC path.
 */
#include "waf_int.h"

#include <string.h>

static const char *const sensitive_files[] = {
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/hosts",
    "etc/issue",
    "etc/motd",
    "etc/crontab",
    "etc/sudoers",
    "etc/hostname",
    "etc/resolv.conf",
    "etc/fstab",
    "etc/mysql/my.cnf",
    "etc/ssh/",
    "proc/self/",
    "proc/version",
    "proc/cpuinfo",
    "proc/meminfo",
    "proc/net/",
    "var/log/",
    "var/run/secrets",
    "root/.ssh",
    ".ssh/id_rsa",
    ".ssh/authorized_keys",
    ".bash_history",
    ".bashrc",
    ".htpasswd",
    ".htaccess",
    ".git/config",
    ".git/head",
    ".svn/entries",
    ".env",
    "web-inf/web.xml",
    "meta-inf/",
    "boot.ini",
    "win.ini",
    "system.ini",
    "windows/system32",
    "winnt/system32",
    "system32/drivers/etc",
    "inetpub/",
    "web.config",
    "global.asa",
    "wp-config.php",
    "config.inc.php",
    "localsettings.php",
    "configuration.php",
    "config/sam",
    "autoexec.bat",
    "php.ini",
    "my.ini",
    NULL,
};

static const char *const wrappers[] = {
    "php:/filter", "php:/input",      "php:/fd",          "php:/memory", "php:/temp",
    "expect:/",    "zip:/",           "phar:/",           "glob:/",      "data:/",
    "zlib:/",      "compress.zlib:/", "compress.bzip2:/", "file:/",      "jar:file:",
    "jar:http",    "netdoc:/",        "gopher:/",         "dict:/",      "ogg:/",
    "rar:/",       "ssh2.exec:/",     "ssh2.shell:/",     NULL,
};

/* Parameter names that pick a file to include or read. */
static const char *const file_params[] = {
    "file",   "page",   "include", "inc",      "path",      "template", "tpl",    "module",
    "mod",    "load",   "dir",     "doc",      "document",  "folder",   "root",   "conf",
    "config", "view",   "layout",  "lang",     "language",  "content",  "cat",    "show",
    "site",   "style",  "pg",      "filename", "src",       "source",   "type",   "name",
    "read",   "action", "board",   "date",     "detail",    "download", "prefix", "require",
    "open",   "nav",    "display", "locate",   "show_page", NULL,
};

/* Counts "../" steps (also "..." runs and a trailing ".."). */
static size_t traversal_steps(const char *p, size_t n, const char **first)
{
    size_t steps = 0;
    *first = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '.' || p[i + 1] != '.')
            continue;
        bool left_ok =
            i == 0 || p[i - 1] == '/' || p[i - 1] == '=' || p[i - 1] == '.' || p[i - 1] == ':';
        size_t j = i;
        while (j < n && p[j] == '.')
            j++;
        bool right_ok = j == n || p[j] == '/' || p[j] == ';';
        if (left_ok && right_ok && (j - i == 2 || p[j - 1] == '.')) {
            if (*first == NULL)
                *first = p + i;
            steps++;
        }
        i = j - 1;
    }
    return steps;
}

static bool name_in(const inspect *in, const char *const *list)
{
    if (in->loc_name == NULL || in->loc_name_len == 0)
        return false;
    /* "file", "file_name", "filePath", "page[]" all pick files */
    size_t n = 0;
    while (n < in->loc_name_len && is_alpha(in->loc_name[n]))
        n++;
    if (word_in(in->loc_name, n, list))
        return true;
    return false;
}

static bool ip_host(const char *h, size_t n)
{
    /* dotted quad, or a single decimal / hex number ("http://2130706433/") */
    size_t dots = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '.')
            dots++;
        else if (is_digit(h[i]))
            digits++;
        else if (!(i >= 1 && h[0] == '0' && lc(h[1]) == 'x'))
            return false;
    }
    return digits > 0 && (dots == 3 || (dots == 0 && n >= 8));
}

static void rfi(inspect *in, const nval *v)
{
    const char *s = v->low;
    size_t n = v->low_len;
    size_t lead = 0;
    while (lead < n && s[lead] == ' ')
        lead++;
    s += lead;
    n -= lead;
    if (n >= 2 && s[0] == '/' && s[1] == '/' && v->dec_len > 1 && (v->dec[0] == '\\')) {
        waf_report(in, 931130, "rfi", WAF_CRITICAL, s, n, "RFI: UNC path");
        return;
    }
    if (n >= 2 && v->dec[0] == '\\' && v->dec[1] == '\\') {
        waf_report(in, 931130, "rfi", WAF_CRITICAL, v->dec, v->dec_len, "RFI: UNC path");
        return;
    }
    size_t scheme = 0;
    if (n > 7 && memcmp(s, "http://", 7) == 0)
        scheme = 7;
    else if (n > 8 && memcmp(s, "https://", 8) == 0)
        scheme = 8;
    else if (n > 6 && memcmp(s, "ftp://", 6) == 0)
        scheme = 6;
    else if (n > 7 && memcmp(s, "ftps://", 7) == 0)
        scheme = 7;
    else if (n > 2 && s[0] == '/' && s[1] == '/' && name_in(in, file_params))
        scheme = 2;
    if (scheme == 0)
        return;
    const char *host = s + scheme;
    size_t hl = 0;
    while (scheme + hl < n && strchr("/?#", host[hl]) == NULL)
        hl++;
    /* user@host */
    const char *at = waf_memchr(host, '@', hl);
    if (at != NULL) {
        hl -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    const char *colon = waf_memchr(host, ':', hl);
    size_t hn = colon != NULL ? (size_t)(colon - host) : hl;
    const char *q = waf_memchr(s, '?', n);
    bool trailing_q = q != NULL && (size_t)(q - s) + 1 == n;
    const char *path = host + hl;
    size_t pl = (size_t)(s + n - path);
    static const char *const script_ext[] = {
        ".txt", ".php",  ".inc", ".sh",    ".pl",   ".py",   ".jsp",
        ".asp", ".aspx", ".cgi", ".phtml", ".gif?", ".jpg?", NULL,
    };
    bool script = false;
    for (const char *const *e = script_ext; *e != NULL; e++)
        if (memstr(path, pl, *e) != NULL)
            script = true;
    bool shellname = memstr(path, pl, "shell") != NULL || memstr(path, pl, "c99") != NULL ||
                     memstr(path, pl, "r57") != NULL || memstr(path, pl, "backdoor") != NULL ||
                     memstr(path, pl, "cmd.") != NULL;
    /* server-side request forgery towards cloud metadata services */
    static const char *const metadata_hosts[] = {
        "169.254.169.254",
        "metadata.google.internal",
        "100.100.100.200",
        "[fd00:ec2::254]",
        "169.254.170.2",
        "metadata.azure.com",
        NULL,
    };
    if (word_in(host, hn, metadata_hosts)) {
        waf_report(in, 931140, "rfi", WAF_CRITICAL, s, n, "SSRF: cloud metadata service URL");
        return;
    }
    if (trailing_q)
        waf_report(in, 931100, "rfi", WAF_CRITICAL, s, n, "RFI: URL ending in '?'");
    else if (ip_host(host, hn) && (script || name_in(in, file_params) || pl <= 1))
        waf_report(in, 931110, "rfi", WAF_CRITICAL, s, n, "RFI: URL with an IP address host");
    else if (script && (name_in(in, file_params) || shellname))
        waf_report(in, 931120, "rfi", WAF_CRITICAL, s, n, "RFI: script URL in a file parameter");
    else if (shellname && script)
        waf_report(in, 931120, "rfi", WAF_CRITICAL, s, n, "RFI: web shell URL");
    else if (waf_memchr(path, '\0', pl) != NULL ||
             (q != NULL && memstr(q, (size_t)(s + n - q), "=http") != NULL && script))
        waf_report(in, 931120, "rfi", WAF_CRITICAL, s, n, "RFI: chained include URL");
    else if (ip_host(host, hn) && waf_pl(in, 2))
        waf_report(in, 931110, "rfi", WAF_WARNING, s, n, "RFI: URL with an IP address host");
}

void detect_lfi_rfi(inspect *in, const nval *v)
{
    const char *p = v->path;
    size_t n = v->path_len;
    if (n == 0)
        return;
    const char *first;
    size_t steps = traversal_steps(p, n, &first);
    const char *file = NULL;
    size_t which;
    const char *hitp;
    for (const char *from = p; file == NULL && (hitp = find_any(in, from, (size_t)(p + n - from),
                                                                sensitive_files, &which));
         from = hitp + 1) {
        const char *f = sensitive_files[which];
        size_t l = strlen(f);
        /* a whole path component: "sam" is not "sample", ".env" not ".envelope" */
        bool left = hitp == p || hitp[-1] == '/' || f[0] == '/' || f[0] == '.' || hitp[-1] == '=' ||
                    hitp[-1] == ':';
        bool right = f[l - 1] == '/' || hitp + l == p + n || strchr("/;?&%# ", hitp[l]) != NULL;
        if (f[0] == '.' && hitp != p && hitp[-1] != '/')
            left = false;
        if (left && right)
            file = hitp;
    }
    /* "/etc/" and "c:/" alone are only telling after a traversal */
    bool generic_file = false;
    if (file == NULL && steps > 0) {
        file = memstr(p, n, "/etc/");
        if (file == NULL)
            file = memstr(p, n, "c:/");
        generic_file = file != NULL;
    }
    if (steps >= 2)
        waf_report(in, 930100, "lfi", WAF_CRITICAL, first, (size_t)(p + n - first),
                   "LFI: path traversal (several ../ steps)");
    else if (steps == 1 && file != NULL)
        waf_report(in, 930100, "lfi", WAF_CRITICAL, first, (size_t)(p + n - first),
                   "LFI: path traversal to a system file");
    else if (steps == 1 && (in->kind == LOC_FILENAME || name_in(in, file_params)))
        waf_report(in, 930100, "lfi", WAF_CRITICAL, first, (size_t)(p + n - first),
                   "LFI: path traversal in a file parameter");
    else if (steps == 1 && (v->flags & (DEC_OVERLONG | DEC_UNICODE_PCT | DEC_MULTI)))
        waf_report(in, 930100, "lfi", WAF_CRITICAL, first, (size_t)(p + n - first),
                   "LFI: encoded path traversal");
    else if (steps == 1)
        waf_report(in, 930110, "lfi", WAF_WARNING, first, (size_t)(p + n - first),
                   "LFI: path traversal");
    if (file != NULL && !generic_file && steps == 0 && in->kind != LOC_PATH)
        waf_report(in, 930120, "lfi", WAF_CRITICAL, file, (size_t)(p + n - file),
                   "LFI: access to a system file");
    if (file != NULL && !generic_file && steps == 0 && in->kind == LOC_PATH &&
        (file[0] == '.' || memcmp(file, "etc/", 4) == 0 || memcmp(file, "proc/", 5) == 0 ||
         memcmp(file, "web-inf", 7) == 0 || memcmp(file, "wp-config", 9) == 0))
        waf_report(in, 930130, "lfi", WAF_CRITICAL, file, (size_t)(p + n - file),
                   "LFI: request for a restricted file");
    /* the path form folds "//" to "/", so the wrappers are listed folded; every one has a ':',
       which the path form keeps from the decoded value */
    if (nval_any(v, ":") && (hitp = find_any(in, p, n, wrappers, &which)) != NULL &&
        (memcmp(wrappers[which], "file:/", 6) != 0 || hitp == p))
        waf_report(in, 930140, "lfi", WAF_CRITICAL, hitp, (size_t)(p + n - hitp),
                   "LFI: stream wrapper");
    rfi(in, v);
}
