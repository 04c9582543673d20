/*
 * The SQL tokenizer (see sqli_lex.h). Keyword classes follow what the injection rules need, not
 * SQL grammar: words such as "and", "or", "like", "in" are classed as operators because an
 * injection uses them to join its condition to the application's query.
 */
#include "sqli_lex.h"
#include "waf_int.h"

#include <string.h>

/* Every word the tokenizer classifies, sorted for binary search: its class, and whether it is a
 * function an injection calls (a function only when '(' follows). */
typedef struct sql_word {
    const char *word;
    sql_tt type;
    bool func;
} sql_word;

static const sql_word sql_words[] = {
    {"abs", ST_BARE, true},
    {"all", ST_KEY, false},
    {"alter", ST_STMT, false},
    {"analyse", ST_KEY, false},
    {"and", ST_LOGIC, false},
    {"as", ST_KEY, false},
    {"asc", ST_KEY, false},
    {"ascii", ST_BARE, true},
    {"ascii_str", ST_BARE, true},
    {"benchmark", ST_BARE, true},
    {"between", ST_OP, false},
    {"bin", ST_BARE, true},
    {"bit_length", ST_BARE, true},
    {"by", ST_KEY, false},
    {"call", ST_STMT, false},
    {"case", ST_KEY, false},
    {"cast", ST_BARE, true},
    {"char", ST_BARE, true},
    {"char_length", ST_BARE, true},
    {"character_length", ST_BARE, true},
    {"chr", ST_BARE, true},
    {"coalesce", ST_BARE, true},
    {"collate", ST_KEY, false},
    {"column", ST_KEY, false},
    {"columns", ST_KEY, false},
    {"concat", ST_BARE, true},
    {"concat_ws", ST_BARE, true},
    {"conv", ST_BARE, true},
    {"convert", ST_BARE, true},
    {"count", ST_BARE, true},
    {"create", ST_STMT, false},
    {"ctxsys.drithsx.sn", ST_BARE, true},
    {"current_user", ST_BARE, true},
    {"database", ST_KEY, true},
    {"db_name", ST_BARE, true},
    {"dbms_lock.sleep", ST_BARE, true},
    {"dbms_pipe.receive_message", ST_BARE, true},
    {"declare", ST_STMT, false},
    {"decode", ST_BARE, true},
    {"delay", ST_KEY, false},
    {"delete", ST_STMT, false},
    {"desc", ST_KEY, false},
    {"distinct", ST_KEY, false},
    {"div", ST_OP, false},
    {"drop", ST_STMT, false},
    {"dumpfile", ST_KEY, false},
    {"else", ST_KEY, false},
    {"elt", ST_BARE, true},
    {"encode", ST_BARE, true},
    {"end", ST_KEY, false},
    {"exec", ST_STMT, false},
    {"execute", ST_STMT, false},
    {"exists", ST_BARE, true},
    {"exp", ST_BARE, true},
    {"extractvalue", ST_BARE, true},
    {"false", ST_KEY, false},
    {"fetch", ST_KEY, false},
    {"field", ST_BARE, true},
    {"find_in_set", ST_BARE, true},
    {"first", ST_KEY, false},
    {"floor", ST_BARE, true},
    {"from", ST_KEY, false},
    {"function", ST_KEY, false},
    {"generate_series", ST_BARE, true},
    {"geometrycollection", ST_BARE, true},
    {"glob", ST_OP, false},
    {"grant", ST_STMT, false},
    {"greatest", ST_BARE, true},
    {"group", ST_KEY, false},
    {"group_concat", ST_BARE, true},
    {"gtid_subset", ST_BARE, true},
    {"handler", ST_STMT, false},
    {"having", ST_KEY, false},
    {"hex", ST_BARE, true},
    {"if", ST_BARE, true},
    {"ifnull", ST_BARE, true},
    {"iif", ST_BARE, true},
    {"ilike", ST_OP, false},
    {"in", ST_OP, false},
    {"index", ST_KEY, false},
    {"insert", ST_STMT, false},
    {"instr", ST_BARE, true},
    {"intersect", ST_UNION, false},
    {"into", ST_KEY, false},
    {"is", ST_OP, false},
    {"isnull", ST_BARE, true},
    {"join", ST_KEY, false},
    {"json_keys", ST_BARE, true},
    {"kill", ST_STMT, false},
    {"least", ST_BARE, true},
    {"left", ST_BARE, true},
    {"len", ST_BARE, true},
    {"length", ST_BARE, true},
    {"like", ST_OP, false},
    {"limit", ST_KEY, false},
    {"linestring", ST_BARE, true},
    {"load", ST_STMT, false},
    {"load_file", ST_BARE, true},
    {"locate", ST_BARE, true},
    {"lower", ST_BARE, true},
    {"ltrim", ST_BARE, true},
    {"make_set", ST_BARE, true},
    {"md5", ST_BARE, true},
    {"merge", ST_STMT, false},
    {"mid", ST_BARE, true},
    {"mod", ST_OP, false},
    {"multipoint", ST_BARE, true},
    {"name_const", ST_BARE, true},
    {"nchar", ST_BARE, true},
    {"not", ST_KEY, false},
    {"now", ST_BARE, true},
    {"null", ST_KEY, false},
    {"nullif", ST_BARE, true},
    {"offset", ST_KEY, false},
    {"only", ST_KEY, false},
    {"opendatasource", ST_BARE, true},
    {"openrowset", ST_BARE, true},
    {"or", ST_LOGIC, false},
    {"ord", ST_BARE, true},
    {"order", ST_KEY, false},
    {"outfile", ST_KEY, false},
    {"pg_read_file", ST_BARE, true},
    {"pg_sleep", ST_BARE, true},
    {"pi", ST_BARE, true},
    {"polygon", ST_BARE, true},
    {"position", ST_BARE, true},
    {"procedure", ST_KEY, false},
    {"quote", ST_BARE, true},
    {"rand", ST_BARE, true},
    {"randomblob", ST_BARE, true},
    {"regexp", ST_OP, false},
    {"rename", ST_STMT, false},
    {"repeat", ST_BARE, true},
    {"replace", ST_STMT, false},
    {"reverse", ST_BARE, true},
    {"revoke", ST_STMT, false},
    {"right", ST_BARE, true},
    {"rlike", ST_OP, false},
    {"round", ST_BARE, true},
    {"row", ST_BARE, true},
    {"rows", ST_KEY, false},
    {"rtrim", ST_BARE, true},
    {"schema", ST_KEY, true},
    {"select", ST_SELECT, false},
    {"session_user", ST_BARE, true},
    {"set", ST_STMT, false},
    {"sha1", ST_BARE, true},
    {"shutdown", ST_STMT, false},
    {"similar", ST_OP, false},
    {"sleep", ST_BARE, true},
    {"soundex", ST_BARE, true},
    {"sounds", ST_OP, false},
    {"space", ST_BARE, true},
    {"sqlite_version", ST_BARE, true},
    {"st_latfromgeohash", ST_BARE, true},
    {"strcmp", ST_BARE, true},
    {"string_agg", ST_BARE, true},
    {"substr", ST_BARE, true},
    {"substring", ST_BARE, true},
    {"sys.fn_varbintohexstr", ST_BARE, true},
    {"sys_eval", ST_BARE, true},
    {"sys_exec", ST_BARE, true},
    {"sysdate", ST_BARE, true},
    {"system_user", ST_BARE, true},
    {"table", ST_KEY, false},
    {"tables", ST_KEY, false},
    {"then", ST_KEY, false},
    {"time", ST_KEY, false},
    {"to_char", ST_BARE, true},
    {"to_number", ST_BARE, true},
    {"top", ST_KEY, false},
    {"trigger", ST_KEY, false},
    {"trim", ST_BARE, true},
    {"true", ST_KEY, false},
    {"truncate", ST_STMT, false},
    {"typeof", ST_BARE, true},
    {"unhex", ST_BARE, true},
    {"unicode", ST_BARE, true},
    {"union", ST_UNION, false},
    {"update", ST_STMT, false},
    {"updatexml", ST_BARE, true},
    {"upper", ST_BARE, true},
    {"use", ST_STMT, false},
    {"user", ST_KEY, true},
    {"utl_http.request", ST_BARE, true},
    {"utl_inaddr.get_host_address", ST_BARE, true},
    {"values", ST_KEY, false},
    {"version", ST_BARE, true},
    {"view", ST_KEY, false},
    {"waitfor", ST_KEY, true},
    {"when", ST_KEY, false},
    {"where", ST_KEY, false},
    {"xmltype", ST_BARE, true},
    {"xor", ST_LOGIC, false},
    {"xp_cmdshell", ST_BARE, true},
};

/* Bloom filter of sql_words (FNV-1a of the lowercase word, 12 bits), generated from the table
 * above: most words of prose are rejected without a search. */
static const uint8_t word_filter[512] = {
    0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x01, 0x02, 0x20, 0x00,
    0x00, 0x20, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x01, 0x20, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x28, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
    0x28, 0x00, 0x00, 0x06, 0x40, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
    0x90, 0x40, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x45, 0x08, 0x00, 0x00, 0x00, 0x80, 0x10, 0x10, 0x01,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
    0x20, 0x00, 0x20, 0x00, 0x80, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x08, 0x41, 0x00, 0x00, 0x40, 0x80, 0x00, 0x00, 0x00, 0xa0, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x40, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x02, 0x00, 0x00, 0x05, 0x00, 0x02, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x04, 0x10, 0x00, 0x80, 0x21, 0x00, 0x00, 0x60, 0x00,
    0x10, 0x40, 0x00, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x00, 0x10, 0x08, 0x00, 0x00, 0x02, 0x84, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x10, 0x80, 0x08, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x40, 0x20, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x40, 0x00, 0x80, 0x00,
    0x04, 0x11, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x10, 0x40,
    0x00, 0x00, 0x00, 0x00, 0x51, 0x00, 0x00, 0x00, 0x10, 0x02, 0x80, 0xa0, 0x30, 0x02, 0x05, 0x00,
    0x20, 0x00, 0x10, 0x20, 0x00, 0x00, 0x00, 0x18, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x22,
    0x00, 0x24, 0x10, 0x21, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x80, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x04, 0x40, 0x10, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00,
    0x40, 0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
    0x00, 0x92, 0x80, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00,
    0x00, 0x00, 0x20, 0x20, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00, 0x08, 0x00, 0x02, 0x00,
};

/* Looks a word up (case-insensitively); NULL when it is no SQL word. */
static const sql_word *lookup(const char *s, size_t n)
{
    char low[48];
    /* every word has 2 to 27 bytes and starts with a letter: others are no word, unhashed */
    if (n < 2 || n > 27 || (unsigned)((s[0] | 0x20) - 'a') >= 26u)
        return NULL;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)lc(s[i])) * 16777619u;
    if (!(word_filter[(h & 4095u) >> 3] & (1u << (h & 7u))))
        return NULL;
    /* the lowercase copy for the search only past the filter, which most words fail */
    for (size_t i = 0; i < n; i++)
        low[i] = lc(s[i]);
    low[n] = '\0';
    /* index of the first word of each initial letter a..z (and the end), so that the binary
       search only covers words with the right initial */
    static const unsigned short by_initial[27] = {0,   9,   14,  33,  46,  55,  63,  71,  74,
                                                  86,  88,  89,  101, 107, 113, 121, 127, 128,
                                                  142, 164, 176, 186, 189, 192, 195, 195, 195};
    if (low[0] < 'a' || low[0] > 'z' || n > 27)
        return NULL;
    size_t lo = by_initial[low[0] - 'a'], hi = by_initial[low[0] - 'a' + 1];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(low, sql_words[mid].word);
        if (c == 0)
            return &sql_words[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void sql_lex_init(sql_lex *lx, const char *s, size_t n, char quote)
{
    lx->s = s;
    lx->n = n;
    lx->pos = 0;
    lx->quote = quote;
    lx->first = true;
    lx->in_exec_comment = false;
}

bool sql_tok_is(const sql_tok *t, const char *word)
{
    return word_eq(t->s, t->n, word);
}

/* 1: a byte of an identifier (word bytes, '$', UTF-8); 2: '.', which continues one. */
static const uint8_t ident_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static inline bool ident_byte(unsigned char c)
{
    return ident_class[c] == 1;
}

/* Reads a quoted string whose opening quote is at pos-1; doubled quotes and backslashes escape. */
static sql_tok read_string(sql_lex *lx, char q)
{
    sql_tok t = {.type = ST_STR, .s = lx->s + lx->pos};
    while (lx->pos < lx->n) {
        char c = lx->s[lx->pos];
        if (c == '\\' && lx->pos + 1 < lx->n) {
            lx->pos += 2;
            continue;
        }
        if (c == q) {
            if (lx->pos + 1 < lx->n && lx->s[lx->pos + 1] == q) {
                lx->pos += 2;
                continue;
            }
            t.n = (size_t)(lx->s + lx->pos - t.s);
            t.closed = true;
            lx->pos++;
            return t;
        }
        lx->pos++;
    }
    t.n = (size_t)(lx->s + lx->pos - t.s);
    return t;
}

static sql_tok line_comment(sql_lex *lx, size_t marker, bool hash)
{
    sql_tok t = {.type = ST_COMMENT, .s = lx->s + lx->pos, .hash = hash};
    lx->pos += marker;
    while (lx->pos < lx->n && lx->s[lx->pos] != '\n') {
        if (!is_space(lx->s[lx->pos]))
            t.tail += t.tail < UINT32_MAX;
        lx->pos++;
    }
    t.n = (size_t)(lx->s + lx->pos - t.s);
    return t;
}

/* Skips whitespace and inline comments; returns a comment token when one runs to the end. */
static bool skip_blank(sql_lex *lx, sql_tok *out)
{
    while (lx->pos < lx->n) {
        const char *s = lx->s + lx->pos;
        /* the common case in one test: a byte that starts a token (blanks and NUL are at or
           below ' ', comments start with '/' or '*') */
        if ((unsigned char)*s > ' ' && *s != '/' && *s != '*')
            break;
        size_t left = lx->n - lx->pos;
        if (is_space(*s) || *s == '\0') {
            lx->pos++;
        } else if (left >= 2 && s[0] == '/' && s[1] == '*') {
            if (left >= 3 && s[2] == '!') {
                /* MySQL executable comment: its content is code */
                lx->pos += 3;
                while (lx->pos < lx->n && is_digit(lx->s[lx->pos]))
                    lx->pos++;
                lx->in_exec_comment = true;
                continue;
            }
            const char *e = memstr(s + 2, left - 2, "*/");
            if (e == NULL) {
                *out = (sql_tok){.type = ST_COMMENT,
                                 .s = s,
                                 .n = left,
                                 .tail = left - 2 < UINT32_MAX ? (uint32_t)(left - 2) : UINT32_MAX};
                lx->pos = lx->n;
                return true;
            }
            lx->pos = (size_t)(e + 2 - lx->s);
        } else if (left >= 2 && s[0] == '*' && s[1] == '/' && lx->in_exec_comment) {
            lx->in_exec_comment = false;
            lx->pos += 2;
        } else {
            break;
        }
    }
    return false;
}

sql_tok sql_lex_next(sql_lex *lx)
{
    sql_tok t = {.type = ST_END};
    if (lx->first) {
        lx->first = false;
        if (lx->quote != 0)
            return read_string(lx, lx->quote);
    }
    if (skip_blank(lx, &t))
        return t;
    if (lx->pos >= lx->n)
        return t;
    const char *s = lx->s + lx->pos;
    size_t left = lx->n - lx->pos;
    char c = *s;
    t.s = s;
    if (c == '\'' || c == '"') {
        lx->pos++;
        return read_string(lx, c);
    }
    if (c == '`') {
        const char *e = waf_memchr(s + 1, '`', left - 1);
        size_t len = e != NULL ? (size_t)(e - s) + 1 : left;
        lx->pos += len;
        t.type = ST_BARE;
        t.n = len;
        return t;
    }
    if (c == '#')
        return line_comment(lx, 1, true);
    if (c == '-' && left >= 2 && s[1] == '-')
        return line_comment(lx, 2, false);
    if (is_digit(c) || (c == '.' && left >= 2 && is_digit(s[1]))) {
        size_t i = 0;
        if (left >= 2 && c == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'b' || s[1] == 'B')) {
            i = 2;
            while (i < left && (is_digit(s[i]) || (lc(s[i]) >= 'a' && lc(s[i]) <= 'f')))
                i++;
        } else {
            while (i < left && (is_digit(s[i]) || s[i] == '.'))
                i++;
            if (i < left && (s[i] == 'e' || s[i] == 'E') && i + 1 < left &&
                (is_digit(s[i + 1]) ||
                 ((s[i + 1] == '-' || s[i + 1] == '+') && i + 2 < left && is_digit(s[i + 2])))) {
                i += 2;
                while (i < left && is_digit(s[i]))
                    i++;
            }
        }
        lx->pos += i;
        t.type = ST_NUM;
        t.n = i;
        return t;
    }
    if (c == '@') {
        size_t i = 1;
        if (i < left && s[i] == '@')
            i++;
        while (i < left && ident_class[(unsigned char)s[i]] != 0)
            i++;
        lx->pos += i;
        t.type = ST_VAR;
        t.n = i;
        return t;
    }
    if (ident_byte((unsigned char)c)) {
        size_t i = 0;
        while (i < left && ident_class[(unsigned char)s[i]] != 0)
            i++;
        /* N'..', X'..', B'..', E'..' string prefixes */
        if (i == 1 && left > 1 && s[1] == '\'' && strchr("nNxXbBeE", c) != NULL) {
            lx->pos += 2;
            return read_string(lx, '\'');
        }
        lx->pos += i;
        t.n = i;
        const sql_word *kw = lookup(s, i);
        t.type = kw != NULL ? kw->type : ST_BARE;
        /* a known function name directly followed by '(' (blanks and comments allowed) */
        if (kw != NULL && kw->func) {
            size_t j = lx->pos;
            while (j < lx->n && is_space(lx->s[j]))
                j++;
            if (j + 4 <= lx->n && lx->s[j] == '/' && lx->s[j + 1] == '*') {
                /* bounded look-ahead: a run of unclosed comments must stay linear */
                size_t look = lx->n - j < 64 ? lx->n - j : 64;
                const char *e = memstr(lx->s + j, look, "*/");
                if (e != NULL)
                    j = (size_t)(e + 2 - lx->s);
            }
            if (j < lx->n && lx->s[j] == '(')
                t.type = ST_FUNC;
        }
        return t;
    }
    lx->pos++;
    t.n = 1;
    switch (c) {
    case '(':
        t.type = ST_LPAR;
        return t;
    case ')':
        t.type = ST_RPAR;
        return t;
    case ',':
        t.type = ST_COMMA;
        return t;
    case ';':
        t.type = ST_SEMI;
        return t;
    case '|':
    case '&':
        if (left >= 2 && s[1] == c) {
            lx->pos++;
            t.n = 2;
            t.type = ST_LOGIC;
            return t;
        }
        t.type = ST_OP;
        return t;
    case '=':
    case '<':
    case '>':
    case '!':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
    case '~':
    case ':':
        /* two-byte operators */
        if (left >= 2 && strchr("=<>", s[1]) != NULL && c != '+' && c != '*' && c != '%') {
            lx->pos++;
            t.n = 2;
        }
        t.type = ST_OP;
        return t;
    default:
        t.type = ST_OTHER;
        return t;
    }
}
