/*
 * SQL injection detection by tokenization, in the manner of libinjection's fingerprints but with
 * our own rules. A value is tokenized three times, as if the application pasted it bare into a
 * query, inside a '...' literal, or inside a "..." literal (a context is tried only when the value
 * contains its quote). An injection must first break out of its context and then continue with
 * SQL structure: a boolean condition joined by AND/OR, a UNION SELECT, a stacked statement, a
 * comment that cuts the rest of the query. English text that merely contains SQL words never has
 * that structure, which is why the rules look at token sequences, not at keywords.
 *
 * Tokens are processed in a sliding buffer (SQLI_BUF tokens, SQLI_LOOK of look-ahead), so a value
 * of any length costs linear time and constant memory.
 */
#include "sqli_lex.h"
#include "waf_int.h"

#include <string.h>

#define SQLI_BUF 64
#define SQLI_LOOK 8

typedef struct tokwin {
    sql_tok t[SQLI_BUF];
    size_t n;   /* tokens in t */
    bool ended; /* the lexer reached the end */
} tokwin;

static const sql_tok end_tok = {.type = ST_END};

static const sql_tok *tk(const tokwin *w, size_t i)
{
    return i < w->n ? &w->t[i] : &end_tok;
}
static sql_tt tt(const tokwin *w, size_t i)
{
    return tk(w, i)->type;
}
static bool tis(const tokwin *w, size_t i, const char *word)
{
    return sql_tok_is(tk(w, i), word);
}

static void fill(tokwin *w, sql_lex *lx)
{
    while (!w->ended && w->n < SQLI_BUF) {
        sql_tok t = sql_lex_next(lx);
        if (t.type == ST_END) {
            w->ended = true;
            break;
        }
        w->t[w->n++] = t;
    }
}

/* Reports with the text from token a through token b. */
static void hit(inspect *in, const tokwin *w, size_t a, size_t b, uint32_t id, const char *msg)
{
    const sql_tok *ta = tk(w, a);
    if (ta->type == ST_END && a > 0)
        ta = tk(w, a - 1);
    const sql_tok *tb = tk(w, b);
    while (tb->type == ST_END && b > a)
        tb = tk(w, --b);
    const char *s = ta->s != NULL ? ta->s : "";
    size_t n = ta->n;
    if (tb->s != NULL && tb->s >= s)
        n = (size_t)(tb->s + tb->n - s);
    waf_report(in, id, "sqli", WAF_CRITICAL, s, n, msg);
}

static bool literal(const tokwin *w, size_t i)
{
    sql_tt t = tt(w, i);
    return t == ST_NUM || t == ST_STR ||
           (t == ST_KEY && (tis(w, i, "true") || tis(w, i, "false") || tis(w, i, "null")));
}

static bool ends(const tokwin *w, size_t i)
{
    sql_tt t = tt(w, i);
    return t == ST_END || t == ST_COMMENT || t == ST_SEMI;
}

/* What may follow SELECT in an injected query (UNION, stacked, boolean contexts). */
static bool select_follows(const tokwin *w, size_t i, bool strict)
{
    while (tt(w, i) == ST_KEY && (tis(w, i, "all") || tis(w, i, "distinct") || tis(w, i, "top")))
        i++;
    switch (tt(w, i)) {
    case ST_FUNC:
    case ST_VAR:
        return true;
    case ST_LPAR:
        return !strict || tt(w, i + 1) == ST_SELECT || tt(w, i + 1) == ST_NUM ||
               tt(w, i + 1) == ST_FUNC || tis(w, i + 1, "case");
    case ST_NUM:
    case ST_STR:
        return !strict || tt(w, i + 1) == ST_COMMA || ends(w, i + 1) || tis(w, i + 1, "from") ||
               tt(w, i + 1) == ST_RPAR;
    case ST_OP:
        return tk(w, i)->s[0] == '*' && (tis(w, i + 1, "from") || ends(w, i + 1));
    case ST_KEY:
        return tis(w, i, "null") || tis(w, i, "case");
    case ST_BARE:
        if (tt(w, i + 1) == ST_COMMA)
            return true;
        if (strict)
            return tis(w, i + 1, "from") && tt(w, i + 2) == ST_BARE &&
                   (ends(w, i + 3) || tis(w, i + 3, "where") || tis(w, i + 3, "limit") ||
                    tis(w, i + 3, "order") || tis(w, i + 3, "group"));
        return tis(w, i + 1, "from") || ends(w, i + 1);
    default:
        return false;
    }
}

/* A statement after ';' that only SQL would write. */
static bool statement_follows(const tokwin *w, size_t i)
{
    static const char *const objects[] = {
        "table",   "database", "schema",    "view",   "user",  "index",
        "trigger", "function", "procedure", "tables", "login", NULL,
    };
    const sql_tok *t = tk(w, i);
    if (t->type == ST_SELECT)
        return select_follows(w, i + 1, false);
    if (t->type == ST_KEY && sql_tok_is(t, "waitfor"))
        return tis(w, i + 1, "delay") || tis(w, i + 1, "time");
    if (t->type != ST_STMT)
        return false;
    const sql_tok *u = tk(w, i + 1);
    if (sql_tok_is(t, "drop") || sql_tok_is(t, "create") || sql_tok_is(t, "alter") ||
        sql_tok_is(t, "truncate"))
        return word_in(u->s, u->n, objects);
    if (sql_tok_is(t, "insert") || sql_tok_is(t, "replace"))
        return sql_tok_is(u, "into");
    if (sql_tok_is(t, "update"))
        return u->type == ST_BARE && tis(w, i + 2, "set");
    if (sql_tok_is(t, "delete"))
        return sql_tok_is(u, "from");
    if (sql_tok_is(t, "exec") || sql_tok_is(t, "execute"))
        return u->type == ST_VAR || u->type == ST_LPAR || u->type == ST_STR ||
               (u->type == ST_BARE && u->n > 3 &&
                (word_eq(u->s, 3, "xp_") || word_eq(u->s, 3, "sp_") ||
                 memcasemem(u->s, u->n, "master.") != NULL));
    if (sql_tok_is(t, "declare") || sql_tok_is(t, "set"))
        return u->type == ST_VAR;
    if (sql_tok_is(t, "shutdown"))
        return ends(w, i + 1) || sql_tok_is(u, "with");
    if (sql_tok_is(t, "kill"))
        return u->type == ST_NUM;
    return false;
}

/* Catalog names with their lengths (a token is compared with every one of them). */
typedef struct catalog_name {
    const char *name;
    size_t len;
} catalog_name;
#define CN(s)                                                                                      \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const catalog_name catalog_names[] = {
    CN("information_schema"),
    CN("sysobjects"),
    CN("syscolumns"),
    CN("sysdatabases"),
    CN("sys.objects"),
    CN("sys.tables"),
    CN("sys.columns"),
    CN("sys.databases"),
    CN("pg_catalog"),
    CN("pg_shadow"),
    CN("pg_user"),
    CN("pg_database"),
    CN("pg_tables"),
    CN("mysql.user"),
    CN("mysql.db"),
    CN("sqlite_master"),
    CN("sqlite_schema"),
    CN("all_tables"),
    CN("all_tab_columns"),
    CN("user_tables"),
    CN("user_tab_columns"),
    CN("dba_users"),
    CN("msysobjects"),
    CN("msysaccessobjects"),
    CN("xp_cmdshell"),
    CN("sp_executesql"),
    CN("sp_oacreate"),
    CN("sp_makewebtask"),
    CN("xp_regread"),
    CN("xp_dirtree"),
    CN("master..sysdatabases"),
    CN("sys.sql_logins"),
    CN("v$version"),
    CN("dual"),
    {NULL, 0},
};

/* What catalog_word knows of catalog_names without walking it (sqli_catalog_tables_match holds
 * these to the list), "dual" aside: it is the last name, so it can only end a walk in which no
 * other name matched, with "no". The shortest name by first letter (0: none starts with it),
 * the lengths, the longest. */
static const uint8_t catalog_min_len[26] = {
    ['a' - 'a'] = 10, ['d' - 'a'] = 9,  ['i' - 'a'] = 18, ['m' - 'a'] = 8,  ['p' - 'a'] = 7,
    ['s' - 'a'] = 10, ['u' - 'a'] = 11, ['v' - 'a'] = 9,  ['x' - 'a'] = 10,
};
#define CATALOG_LENS                                                                               \
    (1u << 7 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 13 | 1u << 14 |          \
     1u << 15 | 1u << 16 | 1u << 17 | 1u << 18 | 1u << 20)
#define CATALOG_MAX_LEN 20

bool sqli_catalog_tables_match(void)
{
    uint8_t min_len[26] = {0};
    uint32_t lens = 0;
    size_t max = 0, count = 0;
    for (const catalog_name *c = catalog_names; c->name != NULL; c++, count++) {
        if (c->name[0] < 'a' || c->name[0] > 'z' || c->len != strlen(c->name) || c->len >= 32)
            return false;
        max = c->len > max ? c->len : max;
        if (strcmp(c->name, "dual") == 0) {
            if (c[1].name != NULL)
                return false; /* it must stay the last */
            continue;
        }
        uint8_t *m = &min_len[c->name[0] - 'a'];
        *m = *m == 0 || c->len < *m ? (uint8_t)c->len : *m;
        lens |= 1u << c->len;
    }
    return count > 0 && memcmp(min_len, catalog_min_len, sizeof min_len) == 0 &&
           lens == CATALOG_LENS && max == CATALOG_MAX_LEN;
}

static bool catalog_word(const sql_tok *t)
{
    if (t->n < 4)
        return false;
    /* every catalog name has '_', '.' or '$' in it, or starts with "sys" */
    bool marked = false;
    for (size_t i = 0; i < t->n && !marked; i++)
        marked = t->s[i] == '_' || t->s[i] == '.' || t->s[i] == '$';
    if (!marked && !(lc(t->s[0]) == 's' && lc(t->s[1]) == 'y' && lc(t->s[2]) == 's'))
        return false;
    /* bit l: the token has a '.' just before its last l bytes (a name of length l can end it);
       no name is longer than CATALOG_MAX_LEN, so no higher bit is ever looked at */
    uint32_t dots = 0;
    for (size_t l = 1; l <= CATALOG_MAX_LEN && l < t->n; l++)
        dots |= (uint32_t)(t->s[t->n - l - 1] == '.') << l;
    char first = lc(t->s[0]);
    /* most marked words ("e.g.", "no.", "index.html") can be none: no name that starts with
       their first letter is as short as they are, and none is as long as what follows one of
       their dots */
    unsigned k = (unsigned)(unsigned char)first - 'a';
    bool by_first = k < 26 && catalog_min_len[k] != 0 && t->n >= catalog_min_len[k];
    if (!by_first && (dots & CATALOG_LENS) == 0)
        return false;
    for (const catalog_name *c = catalog_names; c->name != NULL; c++) {
        bool same_first = first == c->name[0];
        size_t l = c->len;
        if (!same_first && (l >= 32 || !(dots >> l & 1u)))
            continue;
        if (t->n < l)
            continue;
        /* the name itself or a qualified name starting with it */
        if (same_first && word_eq(t->s, l, c->name) && (t->n == l || t->s[l] == '.')) {
            /* "dual" is an English word: only FROM DUAL counts (checked by the caller) */
            return strcmp(c->name, "dual") != 0;
        }
        if (t->n > l && t->s[t->n - l - 1] == '.' && word_eq(t->s + t->n - l, l, c->name))
            return strcmp(c->name, "dual") != 0;
    }
    return false;
}

static const char *const boolean_funcs[] = {
    "ascii",
    "ord",
    "substring",
    "substr",
    "mid",
    "sleep",
    "benchmark",
    "extractvalue",
    "updatexml",
    "hex",
    "unhex",
    "elt",
    "make_set",
    "database",
    "version",
    "pg_sleep",
    "load_file",
    "group_concat",
    "randomblob",
    "name_const",
    "gtid_subset",
    "json_keys",
    "st_latfromgeohash",
    "xmltype",
    "utl_inaddr.get_host_address",
    "dbms_pipe.receive_message",
    "ctxsys.drithsx.sn",
    "exp",
    "exists",
    "unicode",
    "concat_ws",
    "db_name",
    "sysdate",
    "current_user",
    "system_user",
    "session_user",
    "char",
    "chr",
    "length",
    "if",
    "iif",
    "count",
    "user",
    "cast",
    "convert",
    "instr",
    "to_char",
    NULL,
};
/* The subset of boolean_funcs that prose never writes as "and word(": usable without a break-out.
 */
static const char *const boolean_funcs_strong[] = {
    "ascii",
    "ord",
    "substring",
    "substr",
    "sleep",
    "benchmark",
    "extractvalue",
    "updatexml",
    "unhex",
    "elt",
    "make_set",
    "pg_sleep",
    "load_file",
    "group_concat",
    "randomblob",
    "name_const",
    "gtid_subset",
    "json_keys",
    "st_latfromgeohash",
    "xmltype",
    "utl_inaddr.get_host_address",
    "dbms_pipe.receive_message",
    "ctxsys.drithsx.sn",
    "concat_ws",
    "db_name",
    "sysdate",
    "current_user",
    "system_user",
    "session_user",
    NULL,
};
static const char *const sleep_funcs[] = {
    "sleep",      "benchmark", "pg_sleep", "dbms_lock.sleep", "dbms_pipe.receive_message",
    "randomblob", NULL,
};
static const char *const system_vars[] = {
    "@@version",
    "@@datadir",
    "@@hostname",
    "@@basedir",
    "@@servername",
    "@@tmpdir",
    "@@version_compile_os",
    "@@global",
    "@@session",
    "@@identity",
    "@@spid",
    "@@language",
    "@@microsecondsversion",
    NULL,
};

/* Rules that hold wherever they appear in the token stream. */
static void anywhere(inspect *in, const tokwin *w, size_t i)
{
    const sql_tok *t = tk(w, i);
    switch (t->type) {
    case ST_UNION: {
        size_t j = i + 1;
        if (tis(w, j, "all") || tis(w, j, "distinct"))
            j++;
        if (tt(w, j) == ST_LPAR)
            j++;
        if (tt(w, j) == ST_SELECT && select_follows(w, j + 1, false))
            hit(in, w, i, j + 1, 942110, "SQL injection: UNION SELECT");
        break;
    }
    case ST_SEMI:
        if (statement_follows(w, i + 1))
            hit(in, w, i, i + 2, 942120, "SQL injection: stacked query");
        break;
    case ST_FUNC:
        if (word_in(t->s, t->n, sleep_funcs) && tt(w, i + 1) == ST_LPAR &&
            (tt(w, i + 2) == ST_NUM || tt(w, i + 2) == ST_LPAR || tt(w, i + 2) == ST_STR))
            hit(in, w, i, i + 3, 942130, "SQL injection: time-based blind (sleep/benchmark)");
        if ((sql_tok_is(t, "load_file") || sql_tok_is(t, "pg_read_file")) &&
            tt(w, i + 1) == ST_LPAR)
            hit(in, w, i, i + 2, 942190, "SQL injection: file access from SQL");
        if ((sql_tok_is(t, "extractvalue") || sql_tok_is(t, "updatexml")) &&
            tt(w, i + 1) == ST_LPAR && tt(w, i + 3) == ST_COMMA)
            hit(in, w, i, i + 3, 942150, "SQL injection: error-based extraction function");
        break;
    case ST_KEY:
        if (sql_tok_is(t, "waitfor") && (tis(w, i + 1, "delay") || tis(w, i + 1, "time")) &&
            tt(w, i + 2) == ST_STR)
            hit(in, w, i, i + 2, 942130, "SQL injection: time-based blind (WAITFOR DELAY)");
        if (sql_tok_is(t, "into") && (tis(w, i + 1, "outfile") || tis(w, i + 1, "dumpfile")))
            hit(in, w, i, i + 2, 942190, "SQL injection: file access from SQL");
        if (sql_tok_is(t, "from") && tis(w, i + 1, "dual") && ends(w, i + 2))
            hit(in, w, i, i + 1, 942140, "SQL injection: database catalog access");
        break;
    case ST_BARE:
        if (catalog_word(t))
            hit(in, w, i, i, 942140, "SQL injection: database catalog access");
        break;
    case ST_VAR:
        if (word_in(t->s, t->n, system_vars) || (t->n > 9 && word_eq(t->s, 9, "@@version")))
            hit(in, w, i, i, 942220, "SQL injection: database system variable");
        break;
    case ST_LPAR:
        if (tt(w, i + 1) == ST_SELECT && select_follows(w, i + 2, true))
            hit(in, w, i, i + 2, 942180, "SQL injection: subquery");
        break;
    case ST_LOGIC: {
        size_t j = i + 1;
        while (tt(w, j) == ST_LPAR && j < i + 3)
            j++;
        /* AND 1=1, OR 'a'='a': a comparison of two literals is a tautology or a contradiction */
        if (literal(w, j) && tt(w, j + 1) == ST_OP && tk(w, j + 1)->s[0] != '-' &&
            (literal(w, j + 2) || (tt(w, j + 2) == ST_LPAR && tt(w, j + 3) == ST_SELECT)))
            hit(in, w, i, j + 2, 942200, "SQL injection: literal tautology");
        else if (tt(w, j) == ST_FUNC && word_in(tk(w, j)->s, tk(w, j)->n, boolean_funcs_strong))
            hit(in, w, i, j, 942150, "SQL injection: SQL function in a boolean condition");
        else if (tt(w, j) == ST_SELECT && j > i + 1 && select_follows(w, j + 1, false))
            hit(in, w, i, j + 1, 942180, "SQL injection: subquery");
        break;
    }
    default:
        break;
    }
}

/* Rules for the start of the value: the break-out from the context and what follows it. */
static void breakout(inspect *in, const tokwin *w, char quote)
{
    size_t i;
    /* a whole statement as the value ("SELECT * FROM users"): code-sharing forms send those
       legitimately, so only from paranoia level 2 */
    if (quote == 0 && waf_pl(in, 2)) {
        if (tt(w, 0) == ST_SELECT && select_follows(w, 1, true))
            hit(in, w, 0, 2, 942230, "SQL injection: SQL statement as a value");
        else if (tt(w, 0) == ST_STMT && statement_follows(w, 0))
            hit(in, w, 0, 1, 942230, "SQL injection: SQL statement as a value");
    }
    if (quote != 0) {
        i = 1; /* token 0 closed the string */
    } else if (tt(w, 0) == ST_NUM) {
        i = 1;
    } else if (tt(w, 0) == ST_OP && tk(w, 0)->s[0] == '-' && tt(w, 1) == ST_NUM) {
        i = 2;
    } else if (tt(w, 0) == ST_RPAR) {
        i = 0;
    } else {
        return;
    }
    while (tt(w, i) == ST_RPAR && i < 6)
        i++;
    const sql_tok *t = tk(w, i);
    switch (t->type) {
    case ST_LOGIC: {
        size_t j = i + 1;
        if ((tt(w, j) == ST_KEY && tis(w, j, "not")) ||
            (tt(w, j) == ST_OP && tk(w, j)->s[0] == '!'))
            j++;
        while (tt(w, j) == ST_LPAR && j < i + 4)
            j++;
        sql_tt x = tt(w, j);
        if (x == ST_SELECT) {
            if (select_follows(w, j + 1, false))
                hit(in, w, 0, j + 1, 942180, "SQL injection: subquery after a break-out");
        } else if (x == ST_FUNC) {
            if (word_in(tk(w, j)->s, tk(w, j)->n, boolean_funcs))
                hit(in, w, 0, j, 942150, "SQL injection: SQL function in a boolean condition");
        } else if (x == ST_VAR) {
            hit(in, w, 0, j, 942100, "SQL injection: boolean condition after a break-out");
        } else if (literal(w, j) || x == ST_BARE) {
            if (tt(w, j + 1) == ST_OP && !(quote == 0 && x == ST_BARE && tt(w, j + 2) == ST_BARE))
                hit(in, w, 0, j + 2, 942100, "SQL injection: boolean condition after a break-out");
            else if (quote != 0 && literal(w, j) && ends(w, j + 1))
                hit(in, w, 0, j + 1, 942100, "SQL injection: boolean condition after a break-out");
            else if (tt(w, j + 1) == ST_COMMENT && tk(w, j + 1)->tail <= 3 &&
                     (quote != 0 || !tk(w, j + 1)->hash))
                hit(in, w, 0, j + 1, 942160,
                    "SQL injection: comment ends the query after a "
                    "condition");
            else if (quote == 0 && literal(w, j) && tt(w, j + 1) == ST_END && waf_pl(in, 2))
                hit(in, w, 0, j, 942100, "SQL injection: boolean condition after a number");
        }
        break;
    }
    case ST_UNION:
        break; /* the anywhere rule covers it */
    case ST_COMMENT:
        if (i > 0 && t->tail <= 3 && (quote != 0 || !t->hash))
            hit(in, w, 0, i, 942160,
                "SQL injection: comment truncates the query after a "
                "break-out");
        break;
    case ST_KEY:
        if (i > 0 && ((sql_tok_is(t, "order") || sql_tok_is(t, "group")) && tis(w, i + 1, "by") &&
                      (tt(w, i + 2) == ST_NUM || tt(w, i + 2) == ST_BARE)))
            hit(in, w, 0, i + 2, 942170, "SQL injection: ORDER/GROUP BY probing");
        else if (i > 0 && sql_tok_is(t, "having") && tt(w, i + 1) != ST_END)
            hit(in, w, 0, i + 1, 942170, "SQL injection: HAVING probing");
        else if (i > 0 && sql_tok_is(t, "limit") && tt(w, i + 1) == ST_NUM)
            hit(in, w, 0, i + 1, 942170, "SQL injection: LIMIT after a break-out");
        else if (i > 0 && sql_tok_is(t, "procedure") && tis(w, i + 1, "analyse"))
            hit(in, w, 0, i + 1, 942170, "SQL injection: PROCEDURE ANALYSE");
        break;
    case ST_OP:
        /* 1 RLIKE (SELECT ...), 1 = (SELECT ...) */
        if (tt(w, i + 1) == ST_LPAR && tt(w, i + 2) == ST_SELECT && i > 0) {
            hit(in, w, 0, i + 2, 942180, "SQL injection: subquery after a break-out");
            break;
        }
        if (quote != 0 && i == 1) {
            sql_tt x = tt(w, i + 1);
            sql_tt y = tt(w, i + 2);
            if ((x == ST_STR || x == ST_NUM || x == ST_VAR || x == ST_FUNC) &&
                (y == ST_END || y == ST_COMMENT || y == ST_LOGIC || y == ST_SEMI || y == ST_OP))
                hit(in, w, 0, i + 1, 942210, "SQL injection: operator after a break-out");
            else if (x == ST_LPAR && y == ST_SELECT)
                hit(in, w, 0, i + 2, 942180, "SQL injection: subquery after a break-out");
        }
        break;
    case ST_STMT:
    case ST_SELECT:
        /* '; is caught by the stacked rule; a bare statement right after the quote is rare */
        break;
    default:
        break;
    }
}

static void scan(inspect *in, const char *s, size_t n, char quote)
{
    sql_lex lx;
    sql_lex_init(&lx, s, n, quote);
    /* t[] is not cleared: only t[0..n) is ever read (tk), and clearing its 64 tokens (over
     * 1 KiB) on every scan was wasted work */
    tokwin w;
    w.n = 0;
    w.ended = false;
    fill(&w, &lx);
    if (quote != 0 && (w.n == 0 || !w.t[0].closed))
        return;
    breakout(in, &w, quote);
    for (;;) {
        size_t limit = w.ended ? w.n : w.n - SQLI_LOOK;
        for (size_t i = 0; i < limit; i++)
            anywhere(in, &w, i);
        if (w.ended)
            return;
        memmove(w.t, w.t + limit, (w.n - limit) * sizeof w.t[0]);
        w.n -= limit;
        fill(&w, &lx);
    }
}

/* Whether some quote of the value could end a string literal: one that is not an apostrophe
 * between two letters ("O'Brien", "don't"). An injection has to put something other than a
 * letter on one side of its quote (' or, '--, '=') to break out; prose rarely does. */
static bool breakable_quote(const char *s, size_t n, char q)
{
    for (const char *p = waf_memchr(s, q, n); p != NULL;
         p = waf_memchr(p + 1, q, (size_t)(s + n - p - 1))) {
        bool left = p > s && (is_alpha(p[-1]) || (unsigned char)p[-1] >= 0x80);
        bool right = p + 1 < s + n && (is_alpha(p[1]) || (unsigned char)p[1] >= 0x80);
        if (!left || !right)
            return true;
        if (p + 1 >= s + n)
            break;
    }
    return false;
}

/* memstr(s, n, "sys") != NULL, by the 's' bytes alone: a plain value has few, and the pair
 * filter of memstr costs more than the search on a value of 20 to 30 letters. */
static bool has_sys(const char *s, size_t n)
{
    if (n < 8) {
        /* under a word: a byte loop costs less than the calls */
        for (size_t i = 0; i + 3 <= n; i++)
            if (s[i] == 's' && s[i + 1] == 'y' && s[i + 2] == 's')
                return true;
        return false;
    }
    for (size_t i = find_byte(s, n, 's'); i + 3 <= n; i += 1 + find_byte(s + i + 1, n - i - 1, 's'))
        if (s[i + 1] == 'y' && s[i + 2] == 's')
            return true;
    return false;
}

void detect_sqli(inspect *in, const nval *v)
{
    if (v->dec_len == 0)
        return;
    /* Letters and digits alone lex as at most a number and one word, and the only rule such a
     * pair can reach is a catalog name (sysobjects, ...) at paranoia 1; level 2 also flags a
     * lone statement word ("shutdown"). */
    if (v->plain && !waf_pl(in, 2) && !has_sys(v->low, v->low_len))
        return;
    scan(in, v->dec, v->dec_len, 0);
    if (nval_any(v, "'") && breakable_quote(v->dec, v->dec_len, '\''))
        scan(in, v->dec, v->dec_len, '\'');
    if (nval_any(v, "\"") && breakable_quote(v->dec, v->dec_len, '"'))
        scan(in, v->dec, v->dec_len, '"');
    if (waf_pl(in, 2) && nval_any(v, "`"))
        scan(in, v->dec, v->dec_len, '`');
}

/* has_sys for a value that is not lowercased (inspect_plain's: letters and digits as received),
 * by its 's' bytes eight at a time. (c | 0x20) == 's' holds for 'S' and 's' only, whatever the
 * byte, and so for 'y'. */
static bool has_sys_nocase(const char *s, size_t n)
{
    size_t i = 0;
    while (i + 3 <= n) {
        if (i + 8 <= n) {
            uint64_t m = swar_eq(swar_load(s + i) | SWAR_ONES * 0x20u, 's');
            if (m == 0) {
                i += 8;
                continue;
            }
            i += (size_t)(__builtin_ctzll(m) >> 3);
        } else if ((s[i] | 0x20) != 's') {
            i++;
            continue;
        }
        if (i + 3 <= n && (s[i + 1] | 0x20) == 'y' && (s[i + 2] | 0x20) == 's')
            return true;
        i++;
    }
    return false;
}

bool sqli_plain_applies(const inspect *in, const char *s, size_t n)
{
    /* what detect_sqli's test of a plain value says: letters and digits alone lex as at most a
     * number and one word, and the only rule such a pair can reach is a catalog name at
     * paranoia 1 */
    return waf_pl(in, 2) || has_sys_nocase(s, n);
}
