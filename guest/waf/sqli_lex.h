/*
 * The SQL tokenizer used by the SQL injection detector (sqli_lex.c, sqli.c). It reads any text as
 * if it were a fragment of SQL in one of three contexts (the value pasted bare into a query,
 * inside a '...' string, inside a "..." string) and yields typed tokens. Comments are whitespace,
 * except that a comment running to the end of the line is a token of its own (attackers end an
 * injection with one); MySQL's executable comments (slash-star-bang) are read as code.
 */
#ifndef AEGIS_WAF_SQLI_LEX_H
#define AEGIS_WAF_SQLI_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sql_tt {
    ST_END = 0,
    ST_STR = 's',    /* string literal */
    ST_NUM = 'n',    /* number */
    ST_BARE = 'b',   /* identifier or any other word */
    ST_KEY = 'k',    /* SQL keyword without a class of its own */
    ST_UNION = 'U',  /* UNION, INTERSECT */
    ST_SELECT = 'E', /* SELECT */
    ST_STMT = 'T',   /* INSERT, UPDATE, DELETE, DROP, EXEC, DECLARE, SHUTDOWN, ... */
    ST_LOGIC = '&',  /* AND, OR, XOR, &&, || */
    ST_OP = 'o',     /* = < > != LIKE IN IS BETWEEN + - * / ... */
    ST_FUNC = 'f',   /* a known SQL function name followed by '(' */
    ST_VAR = 'v',    /* @var, @@var */
    ST_LPAR = '(',
    ST_RPAR = ')',
    ST_COMMA = ',',
    ST_SEMI = ';',
    ST_COMMENT = 'c', /* a comment to the end of the line or input */
    ST_OTHER = '?',   /* any other punctuation */
} sql_tt;

typedef struct sql_tok {
    const char *s; /* text (for strings: without quotes) */
    size_t n;
    uint32_t tail; /* ST_COMMENT: non-space bytes in the comment after its marker (saturates) */
    sql_tt type;
    bool hash;   /* ST_COMMENT: started with '#' */
    bool closed; /* ST_STR: the closing quote was present */
} sql_tok;

typedef struct sql_lex {
    const char *s;
    size_t n, pos;
    char quote; /* context: 0, '\'' or '"'; the first token is the string it closes */
    bool first;
    bool in_exec_comment;
} sql_lex;

void sql_lex_init(sql_lex *lx, const char *s, size_t n, char quote);
/* Next token; ST_END at the end. Linear in the input over a whole run. */
sql_tok sql_lex_next(sql_lex *lx);
/* Lowercase word helpers for detector rules. */
bool sql_tok_is(const sql_tok *t, const char *word);

#endif
