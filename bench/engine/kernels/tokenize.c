/*
 * Kernel "tokenize": a JSON lexer over 24 KiB of generated JSON (nested objects and arrays,
 * strings with escapes, integers, fractions, exponents, literals), the first stage of every
 * request the node hands to a module. Each iteration lexes the whole text, counting tokens by
 * kind, hashing string contents and converting integers; one digit of the text changes between
 * iterations. Malformed input is counted as error tokens, never read past the end.
 */
#include "kernel.h"

#define TOKENIZE_TEXT_BYTES 24576u
#define TOKENIZE_MAX_DIGIT_SITES 4096u
#define TOKENIZE_MAX_DEPTH 6u
#define TOKENIZE_SEED 0x7041ULL

enum tokenize_kind {
    TOK_PUNCT, /* { } [ ] : , */
    TOK_STRING,
    TOK_INTEGER,
    TOK_NUMBER,  /* with a fraction or an exponent */
    TOK_LITERAL, /* true false null */
    TOK_ERROR,
    TOK_KIND_COUNT
};

static uint8_t tokenize_text[TOKENIZE_TEXT_BYTES];
static uint32_t tokenize_len;
/* Offsets of digits in the text, rewritten one per iteration. */
static uint32_t tokenize_digit_sites[TOKENIZE_MAX_DIGIT_SITES];
static uint32_t tokenize_digit_count;

typedef struct {
    uint64_t rng;
    uint32_t at;
} tokenize_gen;

static void tokenize_put(tokenize_gen *g, const char *s)
{
    for (; *s != '\0' && g->at < TOKENIZE_TEXT_BYTES; s++)
        tokenize_text[g->at++] = (uint8_t)*s;
}

static void tokenize_put_digits(tokenize_gen *g, uint32_t count)
{
    for (uint32_t i = 0; i < count && g->at < TOKENIZE_TEXT_BYTES; i++) {
        if (tokenize_digit_count < TOKENIZE_MAX_DIGIT_SITES && i > 0)
            tokenize_digit_sites[tokenize_digit_count++] = g->at;
        tokenize_text[g->at++] = (uint8_t)('1' + kernel_rand_below(&g->rng, 9));
    }
}

static void tokenize_gen_value(tokenize_gen *g, uint32_t depth)
{
    static const char *const keys[] = {"\"id\"",      "\"name\"", "\"method\"", "\"uri\"",
                                       "\"headers\"", "\"body\"", "\"score\"",  "\"blocked\""};
    static const char *const strings[] = {"\"GET\"",
                                          "\"/api/v1/items?id=42\"",
                                          "\"text\\/html; charset=utf-8\"",
                                          "\"a\\\"quoted\\\" b\"",
                                          "\"\\u00e9t\\u00e9\"",
                                          "\"\"",
                                          "\"Mozilla/5.0 (X11)\""};
    uint32_t pick = kernel_rand_below(&g->rng, depth < TOKENIZE_MAX_DEPTH ? 8 : 5);
    switch (pick) {
    case 0:
        tokenize_put_digits(g, 1 + kernel_rand_below(&g->rng, 9));
        break;
    case 1:
        tokenize_put(g, "-");
        tokenize_put_digits(g, 1 + kernel_rand_below(&g->rng, 4));
        tokenize_put(g, ".");
        tokenize_put_digits(g, 1 + kernel_rand_below(&g->rng, 6));
        tokenize_put(g, kernel_rand_below(&g->rng, 2) ? "e+" : "E-");
        tokenize_put_digits(g, 1 + kernel_rand_below(&g->rng, 2));
        break;
    case 2:
    case 3:
        tokenize_put(g, strings[kernel_rand_below(&g->rng, 7)]);
        break;
    case 4:
        tokenize_put(g, kernel_rand_below(&g->rng, 3) == 0 ? "null"
                        : kernel_rand_below(&g->rng, 2)    ? "true"
                                                           : "false");
        break;
    case 5:
    case 6: {
        uint32_t n = kernel_rand_below(&g->rng, 6);
        tokenize_put(g, "{");
        for (uint32_t i = 0; i < n; i++) {
            tokenize_put(g, i > 0 ? ", " : "");
            tokenize_put(g, keys[kernel_rand_below(&g->rng, 8)]);
            tokenize_put(g, ": ");
            tokenize_gen_value(g, depth + 1);
        }
        tokenize_put(g, "}");
        break;
    }
    default: {
        uint32_t n = kernel_rand_below(&g->rng, 6);
        tokenize_put(g, "[");
        for (uint32_t i = 0; i < n; i++) {
            tokenize_put(g, i > 0 ? "," : "");
            tokenize_gen_value(g, depth + 1);
        }
        tokenize_put(g, "]\n");
        break;
    }
    }
}

static void tokenize_generate(void)
{
    tokenize_gen g = {TOKENIZE_SEED, 0};
    tokenize_digit_count = 0;
    while (g.at < TOKENIZE_TEXT_BYTES) {
        tokenize_gen_value(&g, 0);
        tokenize_put(&g, "\n");
    }
    tokenize_len = g.at;
}

static int tokenize_is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* The value of a hexadecimal digit, or 16 for any other byte. */
static uint32_t tokenize_hex_value(uint8_t c)
{
    if (tokenize_is_digit(c))
        return (uint32_t)(c - '0');
    uint8_t lower = (uint8_t)(c | 0x20);
    return lower >= 'a' && lower <= 'f' ? (uint32_t)(lower - 'a' + 10) : 16;
}

/* Lexes the string whose opening quote is at text[*at]; hashes its decoded bytes into *hash and
 * leaves *at after the closing quote. Returns the token kind: TOK_ERROR when it is unterminated
 * or holds a bad \u escape. */
static enum tokenize_kind tokenize_string(const uint8_t *text, uint32_t len, uint32_t *at,
                                          uint64_t *hash)
{
    uint64_t h = 0x811c9dc5u;
    uint32_t i = *at + 1;
    enum tokenize_kind kind = TOK_ERROR;
    while (i < len) {
        uint8_t s = text[i++];
        if (s == '"') {
            kind = TOK_STRING;
            break;
        }
        if (s == '\\') {
            if (i >= len)
                break;
            uint8_t e = text[i++];
            if (e == 'u') {
                uint32_t cp = 0, k = 0;
                for (; k < 4 && i < len && tokenize_hex_value(text[i]) < 16; k++, i++)
                    cp = cp << 4 | tokenize_hex_value(text[i]);
                if (k != 4)
                    break;
                s = (uint8_t)cp;
            } else {
                s = e == 'n' ? '\n' : e == 't' ? '\t' : e;
            }
        }
        h = (h ^ s) * 0x01000193u;
    }
    *at = i;
    *hash = kernel_mix(*hash, h);
    return kind;
}

/* Lexes the number at text[*at] (optional minus, digits, fraction, exponent); hashes its digits
 * as an integer into *hash and leaves *at after it. */
static enum tokenize_kind tokenize_number(const uint8_t *text, uint32_t len, uint32_t *at,
                                          uint64_t *hash)
{
    uint32_t i = *at;
    int negative = text[i] == '-';
    if (negative)
        i++;
    uint64_t value = 0;
    uint32_t digits = 0;
    while (i < len && tokenize_is_digit(text[i])) {
        value = value * 10 + (uint64_t)(text[i] - '0');
        digits++;
        i++;
    }
    int real = 0;
    if (i < len && text[i] == '.') {
        real = 1;
        i++;
        while (i < len && tokenize_is_digit(text[i])) {
            value = value * 10 + (uint64_t)(text[i] - '0');
            i++;
        }
    }
    if (i < len && (text[i] | 0x20) == 'e') {
        real = 1;
        i++;
        if (i < len && (text[i] == '+' || text[i] == '-'))
            i++;
        while (i < len && tokenize_is_digit(text[i]))
            i++;
    }
    *at = i;
    *hash = kernel_mix(*hash, negative ? 0 - value : value);
    return digits == 0 ? TOK_ERROR : real ? TOK_NUMBER : TOK_INTEGER;
}

/* Lexes the lower-case word at text[*at]: a literal if it is true, false or null. */
static enum tokenize_kind tokenize_word(const uint8_t *text, uint32_t len, uint32_t *at,
                                        uint64_t *hash)
{
    uint32_t start = *at, i = start;
    while (i < len && text[i] >= 'a' && text[i] <= 'z')
        i++;
    uint32_t n = i - start;
    const uint8_t *w = text + start;
    int known = (n == 4 && w[0] == 't' && w[1] == 'r' && w[2] == 'u' && w[3] == 'e') ||
                (n == 4 && w[0] == 'n' && w[1] == 'u' && w[2] == 'l' && w[3] == 'l') ||
                (n == 5 && w[0] == 'f' && w[1] == 'a' && w[2] == 'l' && w[3] == 's' && w[4] == 'e');
    *at = i;
    *hash = kernel_mix(*hash, n);
    return known ? TOK_LITERAL : TOK_ERROR;
}

/* Lexes text[0..len): adds per-kind counts to counts, returns a hash of the token contents. */
static uint64_t tokenize_lex(const uint8_t *text, uint32_t len, uint32_t counts[TOK_KIND_COUNT])
{
    uint64_t hash = KERNEL_CHECKSUM_SEED;
    uint32_t i = 0;
    while (i < len) {
        uint8_t c = text[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            i++;
        } else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
            counts[TOK_PUNCT]++;
            hash = kernel_mix(hash, c);
            i++;
        } else if (c == '"') {
            counts[tokenize_string(text, len, &i, &hash)]++;
        } else if (c == '-' || tokenize_is_digit(c)) {
            counts[tokenize_number(text, len, &i, &hash)]++;
        } else if (c >= 'a' && c <= 'z') {
            counts[tokenize_word(text, len, &i, &hash)]++;
        } else {
            counts[TOK_ERROR]++;
            i++;
        }
    }
    return hash;
}

int64_t KERNEL_RUN(int32_t iterations)
{
    tokenize_generate();
    uint64_t sum = KERNEL_CHECKSUM_SEED;
    uint32_t counts[TOK_KIND_COUNT] = {0};
    for (int32_t it = 0; it < iterations; it++) {
        sum = kernel_mix(sum, tokenize_lex(tokenize_text, tokenize_len, counts));
        if (tokenize_digit_count > 0) {
            uint32_t site = tokenize_digit_sites[(uint32_t)it % tokenize_digit_count];
            tokenize_text[site] = (uint8_t)('0' + (uint32_t)it % 10);
        }
    }
    for (uint32_t k = 0; k < TOK_KIND_COUNT; k++)
        sum = kernel_mix(sum, counts[k]);
    return (int64_t)sum;
}
