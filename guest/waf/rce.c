/*
 * OS command injection. The value is read in its shell form (quotes, backslashes, carets, $IFS,
 * positional parameters and brace lists undone, line breaks as ';'), then every place where a
 * shell would start a new command — after ; | & || && a line break, inside $( ) or backticks — is
 * checked for a command name. Unambiguous commands (whoami, wget, powershell, ...) count on their
 * own; commands that are also English words (cat, id, echo, sleep, ...) count only with an
 * argument that looks like a shell's (-x, /path, $VAR, or nothing at all), so "dogs; cat food"
 * stays clean while "; cat /etc/passwd" does not.
 */
#include "waf_int.h"

#include <string.h>

/* The command lists are sorted in byte order and searched by bisection: a linear walk over
 * the 250 commands cost more than every other check of a short value together.
 * rce_command_lists_sorted (for the tests) holds them to that order. */
#define CMD_LIST(list) list, sizeof(list) / sizeof(list[0]) - 1 /* without the NULL */

/* <0, 0, >0 as the lowercase form of s (n bytes) sorts before, equal to or after w. */
static int cmd_cmp(const char *s, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)lc(s[i]), b = (unsigned char)w[i];
        if (a != b || b == 0)
            return b == 0 ? 1 : (a < b ? -1 : 1);
    }
    return w[n] == '\0' ? 0 : -1;
}

/* word_in for a sorted list of count commands. */
static bool cmd_in(const char *s, size_t n, const char *const *list, size_t count)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmd_cmp(s, n, list[mid]);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static const char *const strong_cmds[] = {
    "arp",
    "attrib",
    "awk",
    "base64",
    "bash",
    "bcdedit",
    "bitsadmin",
    "busybox",
    "call",
    "cat",
    "certutil",
    "chattr",
    "chmod",
    "chown",
    "cmd",
    "cmd.exe",
    "copy",
    "cp",
    "crontab",
    "cscript",
    "csh",
    "curl",
    "cut",
    "dash",
    "date",
    "dd",
    "del",
    "dig",
    "dir",
    "echo",
    "egrep",
    "env",
    "eval",
    "exec",
    "file",
    "find",
    "findstr",
    "finger",
    "ftp",
    "gawk",
    "gcc",
    "getent",
    "git",
    "grep",
    "gzip",
    "head",
    "hexdump",
    "host",
    "hostname",
    "icacls",
    "id",
    "ifconfig",
    "ifup",
    "ipconfig",
    "iptables",
    "java",
    "jrunscript",
    "kill",
    "killall",
    "ksh",
    "last",
    "less",
    "ln",
    "locate",
    "ls",
    "lsb_release",
    "lua",
    "mail",
    "mkdir",
    "mkfifo",
    "mknod",
    "more",
    "more",
    "mshta",
    "mv",
    "mysql",
    "nbtstat",
    "nc",
    "ncat",
    "net",
    "net.exe",
    "netcat",
    "netstat",
    "nl",
    "nmap",
    "node",
    "nohup",
    "nslookup",
    "od",
    "openssl",
    "passwd",
    "perl",
    "php",
    "ping",
    "pkill",
    "powershell",
    "powershell.exe",
    "print",
    "printenv",
    "printf",
    "ps",
    "psql",
    "pwd",
    "pwsh",
    "python",
    "python2",
    "python3",
    "read",
    "reg",
    "regsvr32",
    "rev",
    "rm",
    "rmdir",
    "route",
    "rsync",
    "ruby",
    "rundll32",
    "sc",
    "schtasks",
    "scp",
    "sed",
    "set",
    "sh",
    "sleep",
    "socat",
    "sort",
    "sqlite3",
    "ssh",
    "start",
    "strings",
    "sudo",
    "sysctl",
    "systeminfo",
    "tac",
    "tail",
    "tar",
    "taskkill",
    "tasklist",
    "tcpdump",
    "tcsh",
    "telnet",
    "tftp",
    "time",
    "timeout",
    "top",
    "touch",
    "traceroute",
    "tracert",
    "type",
    "uname",
    "uniq",
    "unzip",
    "uptime",
    "useradd",
    "usermod",
    "ver",
    "vssadmin",
    "w",
    "wc",
    "wget",
    "whereis",
    "which",
    "who",
    "whoami",
    "whoami.exe",
    "wmic",
    "wscript",
    "xargs",
    "xterm",
    "xxd",
    "zip",
    "zsh",
    NULL,
};
/* Commands that are also words of prose; they need a shell-like argument. */
static const char *const weak_cmds[] = {
    "arp",    "attrib", "call",    "cat",     "copy",  "cp",    "cut",  "date",  "dd",      "del",
    "dig",    "dir",    "echo",    "env",     "eval",  "exec",  "file", "find",  "finger",  "ftp",
    "git",    "grep",   "head",    "host",    "id",    "java",  "kill", "last",  "less",    "ln",
    "locate", "ls",     "lua",     "mail",    "mkdir", "more",  "mv",   "net",   "nl",      "node",
    "od",     "php",    "ping",    "print",   "ps",    "pwd",   "read", "reg",   "rev",     "route",
    "ruby",   "sc",     "set",     "sh",      "sleep", "sort",  "ssh",  "start", "strings", "tac",
    "tail",   "tar",    "time",    "timeout", "top",   "touch", "type", "uniq",  "unzip",   "ver",
    "w",      "wc",     "whereis", "which",   "who",   "zip",   NULL,
};

/* Commands that no prose or code snippet starts a value with; they count alone. */
static const char *const alone_cmds[] = {
    "ifconfig", "ipconfig", "netstat", "systeminfo", "tasklist", "uname", "whoami", NULL,
};

bool rce_applies(const nval *v)
{
    if (nval_any(v, ";|&`$\n\r/(%<"))
        return true;
    /* an option ("-e", "-enc") rather than a dash in prose */
    if (nval_any(v, "-"))
        for (const char *p = waf_memchr(v->low, '-', v->low_len); p != NULL;
             p = waf_memchr(p + 1, '-', (size_t)(v->low + v->low_len - p - 1))) {
            if (p + 1 < v->low + v->low_len && is_alpha(p[1]))
                return true;
            if (p + 1 >= v->low + v->low_len)
                break;
        }
    return rce_alone_cmd(v->low, v->low_len);
}

/* Whether s (n bytes) starts with the word w (lowercase letters) in either case, and the word
 * ends there: no letter follows it. */
static bool alone_word_is(const char *s, size_t n, const char *w)
{
    size_t k = 0;
    for (; w[k] != '\0'; k++)
        if (k >= n || (s[k] | 0x20) != w[k])
            return false;
    return k == n || !is_alpha(s[k]);
}

bool rce_alone_cmd(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (i >= n)
        return false;
    /* The first word must be one of alone_cmds exactly (ASCII case-insensitive): its first
     * letter names the one or two candidates, so the word is compared with those alone instead
     * of being measured and bisected (this runs on every plain value). rce_command_lists_sorted
     * holds this table to the list. */
    const char *c1 = NULL, *c2 = NULL;
    switch (s[i] | 0x20) {
    case 'i':
        c1 = "ifconfig";
        c2 = "ipconfig";
        break;
    case 'n':
        c1 = "netstat";
        break;
    case 's':
        c1 = "systeminfo";
        break;
    case 't':
        c1 = "tasklist";
        break;
    case 'u':
        c1 = "uname";
        break;
    case 'w':
        c1 = "whoami";
        break;
    default:
        return false;
    }
    return alone_word_is(s + i, n - i, c1) || (c2 != NULL && alone_word_is(s + i, n - i, c2));
}

/* Weak commands that do something useful with no argument at all ("; id", "| ls"). */
static const char *const bare_ok_cmds[] = {
    "date", "dir", "env",  "hostname", "id",  "last", "ls",  "net", "ps",
    "pwd",  "set", "time", "uptime",   "ver", "w",    "who", NULL,
};

static bool shell_arg(const char *s, size_t n, size_t i, bool allow_digits, bool bare_ok)
{
    /* end of command */
    if (i >= n || strchr(";|&)`<>\n", s[i]) != NULL)
        return bare_ok || (i < n && strchr("<>", s[i]) != NULL);
    if (s[i] != ' ')
        return strchr("/.-$", s[i]) != NULL;
    while (i < n && s[i] == ' ')
        i++;
    if (i >= n || strchr(";|&)`#", s[i]) != NULL)
        return bare_ok;
    char c = s[i];
    if (c == '-' || c == '/' || c == '~' || c == '$' || c == '%' || c == '.' || c == '*' ||
        c == '>' || c == '<')
        return true;
    if (i + 1 < n && is_alpha(c) && s[i + 1] == ':' &&
        (i + 2 == n || s[i + 2] == '/' || s[i + 2] == ' '))
        return true; /* c:/windows, c: */
    if (allow_digits && is_digit(c)) {
        while (i < n && (is_digit(c = s[i]) || c == '.'))
            i++;
        return i >= n || strchr(";|&)`<> ", s[i]) != NULL;
    }
    /* an argument with a path in it: "cat etc/passwd", "type win.ini" */
    size_t j = i;
    while (j < n && s[j] != ' ' && strchr(";|&)`", s[j]) == NULL)
        j++;
    return waf_memchr(s + i, '/', j - i) != NULL ||
           (j - i > 4 && (memstr(s + i, j - i, ".ini") || memstr(s + i, j - i, ".sh") ||
                          memstr(s + i, j - i, ".exe") || memstr(s + i, j - i, ".txt")));
}

/* Bytes of a command path: 1 a byte of a command word (letters, digits, '_', '-', '.'), 2 '/',
 * 3 ':'; 0 ends the path. */
static const uint8_t cmd_path_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Checks a command starting at s[i]; how says what introduced it. */
static bool command_at(inspect *in, const char *s, size_t n, size_t i, size_t from, int how)
{
    while (i < n && s[i] == ' ')
        i++;
    /* path prefixes: /bin/, /usr/bin/, c:/windows/system32/ — keep the base name */
    size_t start = i;
    size_t j = i, base = i;
    bool colon = false; /* a ':' after the last '/' */
    for (uint8_t c; j < n && (c = cmd_path_class[(unsigned char)s[j]]) != 0; j++) {
        if (c == 2) {
            base = j + 1;
            colon = false;
        } else if (c == 3) {
            colon = true;
        }
    }
    if (base > start && s[start] != '/' && !(j > start + 2 && s[start + 1] == ':'))
        return false; /* "a/b" is not a command path */
    /* the command word: from the base name to the first byte that is not a word byte */
    size_t e = j;
    if (colon)
        for (e = base; e < n && cmd_path_class[(unsigned char)s[e]] == 1;)
            e++;
    /* a command word ends at a blank, a shell operator or the end: "base64,iVBOR..." (a data
       URI) is one word, not the base64 command */
    if (e < n && strchr(" ;|&)`<>\n#", s[e]) == NULL)
        return false;
    size_t wl = e - base;
    if (wl >= 5 && word_eq(s + e - 4, 4, ".exe"))
        wl -= 4;
    if (wl == 0 || wl > 16)
        return false;
    const char *w = s + base;
    /* At the start of a value below paranoia 2, only a command that counts alone or a command
     * path with a shell argument can match (see ok below): anything else is let go before the
     * two long lists are searched. */
    if (how == 0 && !waf_pl(in, 2) && !cmd_in(w, wl, CMD_LIST(alone_cmds)) &&
        !(base > start && e < n && shell_arg(s, n, e, false, false) && e + 1 < n))
        return false;
    bool weak = cmd_in(w, wl, CMD_LIST(weak_cmds));
    bool strong = !weak && cmd_in(w, wl, CMD_LIST(strong_cmds));
    if (!weak && !strong)
        return false;
    bool pathed = base > start;
    /* Windows commands whose sub-command gives them away: "net user", "reg query" */
    static const char *const subcommands[] = {
        "net user",  "net localgroup", "net view",  "net share", "net use",
        "net group", "net accounts",   "reg query", "reg add",   "sc query",
        "sc create", "wmic process",   NULL,
    };
    for (const char *const *sc = subcommands; *sc != NULL; sc++) {
        size_t l = strlen(*sc);
        if (n - base >= l && memcmp(s + base, *sc, l) == 0 &&
            (base + l == n || !is_word_byte((unsigned char)s[base + l])))
            strong = true;
    }
    bool ok;
    /* Start of the value: a command given by its path, or one that no prose or code snippet
     * begins with; "curl -X POST ..." in a documentation form counts from paranoia 2. */
    if (how == 0)
        ok = (pathed && e < n && shell_arg(s, n, e, false, false) && e + 1 < n) ||
             cmd_in(w, wl, CMD_LIST(alone_cmds)) ||
             (waf_pl(in, 2) && strong && e + 1 < n && shell_arg(s, n, e, false, false));
    else
        ok = strong || pathed ||
             shell_arg(s, n, e,
                       word_eq(w, wl, "sleep") || word_eq(w, wl, "ping") ||
                           word_eq(w, wl, "timeout"),
                       cmd_in(w, wl, CMD_LIST(bare_ok_cmds)));
    if (!ok)
        return false;
    static const char *const why[] = {
        "RCE: command at the start of a value",
        "RCE: command after a shell separator",
        "RCE: command substitution",
    };
    waf_report(in,
               how == 0   ? 932110
               : how == 1 ? 932100
                          : 932120,
               "rce", WAF_CRITICAL, s + from,
               (e > from ? e - from : 0) + 1 > n - from ? n - from : e - from + 1, why[how]);
    return true;
}

static const char *const shell_markers[] = {
    "/dev/tcp/",
    "/dev/udp/",
    "/bin/sh",
    "/bin/bash",
    "/bin/zsh",
    "bash -i",
    "sh -i",
    "nc -e",
    "nc -l",
    "ncat -e",
    "mkfifo /tmp",
    "| sh",
    "|sh",
    "| bash",
    "|bash",
    "cmd.exe",
    "cmd /c",
    "cmd/c",
    "powershell -e",
    "-encodedcommand",
    "invoke-expression",
    "iex(",
    "iex (",
    "downloadstring(",
    "downloadfile(",
    "new-object net.webclient",
    "%comspec%",
    "/usr/bin/id",
    "xp_cmdshell",
    "system32/cmd",
    "start-process",
    ">/dev/null 2>&1",
    "child_process",
    "process.mainmodule",
    "global.process",
    "<!--#exec",
    "<!--#include",
    "<!--#echo",
    "<!--#config",
    "<!--#printenv",
    NULL,
};

void detect_rce(inspect *in, const nval *v)
{
    const char *s = v->shell;
    size_t n = v->shell_len;
    if (n == 0)
        return;
    size_t which;
    const char *p = find_any(in, s, n, shell_markers, &which);
    if (p != NULL)
        waf_report(in, 932130, "rce", WAF_CRITICAL, p, strlen(shell_markers[which]),
                   "RCE: shell or reverse-shell construct");
    /* Shellshock: a function definition at the very start of a value (an environment variable) */
    size_t lead = 0;
    while (lead < v->low_len && v->low[lead] == ' ')
        lead++;
    if (v->low_len - lead >= 3 && memcmp(v->low + lead, "()", 2) == 0 &&
        (v->low[lead + 2] == '{' ||
         (v->low_len - lead >= 4 && v->low[lead + 2] == ' ' && v->low[lead + 3] == '{')))
        waf_report(in, 932170, "rce", WAF_CRITICAL, v->low + lead, v->low_len - lead,
                   "RCE: Shellshock function definition");
    /* $IFS only ever appears in shell code written to avoid spaces */
    const char *ifs = NULL;
    if (nval_any(v, "$")) {
        ifs = memstr(v->low, v->low_len, "$ifs");
        if (ifs == NULL)
            ifs = memstr(v->low, v->low_len, "${ifs}");
    }
    if (ifs != NULL)
        waf_report(in, 932140, "rce", WAF_CRITICAL, ifs, 4, "RCE: $IFS used as a separator");
    /* wildcard paths: /???/??t, /b??/c?t spell commands and files without their names */
    const char *first_slash = nval_any(v, "?*") ? waf_memchr(s, '/', n) : NULL;
    for (const char *g = first_slash; g != NULL && g + 1 < s + n;
         g = waf_memchr(g + 1, '/', (size_t)(s + n - g - 1))) {
        size_t len = 0, wild = 0;
        while (g + 1 + len < s + n && len < 12 && g[1 + len] != '/' && g[1 + len] != ' ') {
            wild += g[1 + len] == '?' || g[1 + len] == '*';
            len++;
        }
        if (len > 0 && wild >= 2 && wild * 2 >= len) {
            waf_report(in, 932160, "rce", WAF_CRITICAL, g, len + 1,
                       "RCE: wildcard path spelling a command or file");
            break;
        }
    }
    bool found = command_at(in, s, n, 0, 0, 0);
    for (size_t i = 0; i < n && !found; i++) {
        char c = s[i];
        if (c == ';' || c == '|' || c == '&' || c == '\n') {
            size_t j = i + 1;
            if (j < n && (s[j] == '|' || s[j] == '&'))
                j++;
            /* "&amp;" leftovers and URL query strings ("a=1&b=2") are not separators */
            if (c == '&' && j < n && j == i + 1 && is_word_byte((unsigned char)s[j]) && i > 0 &&
                is_word_byte((unsigned char)s[i - 1]))
                continue;
            found = command_at(in, s, n, j, i, 1);
        } else if ((c == '$' || c == '<' || c == '>') && i + 1 < n && s[i + 1] == '(') {
            found = command_at(in, s, n, i + 2, i, 2);
        } else if (c == '`') {
            const char *close = waf_memchr(s + i + 1, '`', n - i - 1);
            if (close != NULL)
                found = command_at(in, s, n, i + 1, i, 2);
        }
    }
}

static bool sorted_list(const char *const *list, size_t count)
{
    for (size_t i = 1; i < count; i++)
        if (strcmp(list[i - 1], list[i]) > 0)
            return false;
    return true;
}

bool rce_command_lists_sorted(void)
{
    if (!sorted_list(CMD_LIST(strong_cmds)) || !sorted_list(CMD_LIST(weak_cmds)) ||
        !sorted_list(CMD_LIST(alone_cmds)) || !sorted_list(CMD_LIST(bare_ok_cmds)))
        return false;
    /* rce_alone_cmd's table by first letter: a command's first word (its letters) counts alone
       exactly when alone_cmds holds it */
    for (const char *const *l = strong_cmds; *l != NULL; l++) {
        size_t w = 0;
        while (is_alpha((*l)[w]))
            w++;
        if (rce_alone_cmd(*l, strlen(*l)) != cmd_in(*l, w, CMD_LIST(alone_cmds)))
            return false;
    }
    for (const char *const *l = alone_cmds; *l != NULL; l++)
        if (!rce_alone_cmd(*l, strlen(*l)) || !rce_alone_first((*l)[0]))
            return false;
    return true;
}
