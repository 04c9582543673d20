/*
 * Kernel "scan": multi-pattern search over generated text, the inner loop of a WAF. An
 * Aho-Corasick automaton over 24 attack signatures is built once per run (case-folded, as a
 * complete state x byte transition table), then each iteration streams 32 KiB of generated
 * request-like text through it, counting matches per pattern. A byte of the text changes between
 * iterations so every pass scans new input.
 */
#include "kernel.h"

#define SCAN_TEXT_BYTES 32768u
#define SCAN_MAX_STATES 256u
#define SCAN_PATTERN_COUNT 24u
#define SCAN_SEED 0x5ca7ULL

static const char *const scan_patterns[SCAN_PATTERN_COUNT] = {
    "select",   "union",   "insert", "drop table", "<script",     "javascript:",
    "onerror=", "onload=", "../",    "..\\",       "/etc/passwd", "cmd.exe",
    "eval(",    "alert(",  "sleep(", "benchmark(", "0x7e",        "--",
    "/*",       "or 1=1",  "' or '", "${jndi:",    "base64,",     "document.cookie",
};

/* Words the text generator strings together; several contain or straddle the patterns. */
#define SCAN_WORD_COUNT 32u
static const char *const scan_words[SCAN_WORD_COUNT] = {
    "GET ",        "/index.html", "?id=",     "&name=",
    "Host: ",      "example.org", "\r\n",     "User-Agent: ",
    "Mozilla/5.0", "SELECT",      " ",        "uniON",
    "from",        "users",       "<scr",     "ipt>",
    "alert(1)",    "../../",      "etc/",     "passwd",
    "%20",         "Cookie: ",    "session=", "0x7e",
    "--",          "/*x*/",       "or 1=1",   "value",
    "${jndi:",     "ldap://",     "onerror=", "data:text/html;base64,",
};

static uint8_t scan_text[SCAN_TEXT_BYTES];
static uint16_t scan_next[SCAN_MAX_STATES][256];
static uint16_t scan_fail[SCAN_MAX_STATES];
/* Bit i set: pattern i ends at this state (directly or through its failure chain). */
static uint32_t scan_output[SCAN_MAX_STATES];
static uint32_t scan_counts[SCAN_PATTERN_COUNT];

static uint8_t scan_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Builds the trie, then the failure links breadth-first, then fills every missing transition
 * from the failure state so that scanning is one table lookup per byte. Returns the state count. */
static uint32_t scan_build(void)
{
    uint32_t states = 1;
    for (uint32_t s = 0; s < SCAN_MAX_STATES; s++) {
        for (uint32_t c = 0; c < 256; c++)
            scan_next[s][c] = 0;
        scan_fail[s] = 0;
        scan_output[s] = 0;
    }
    for (uint32_t p = 0; p < SCAN_PATTERN_COUNT; p++) {
        uint32_t s = 0;
        for (const char *q = scan_patterns[p]; *q != '\0'; q++) {
            uint8_t c = scan_lower((uint8_t)*q);
            if (scan_next[s][c] == 0) {
                if (states == SCAN_MAX_STATES)
                    return 0;
                scan_next[s][c] = (uint16_t)states++;
            }
            s = scan_next[s][c];
        }
        scan_output[s] |= 1u << p;
    }
    uint16_t queue[SCAN_MAX_STATES];
    uint32_t head = 0, tail = 0;
    for (uint32_t c = 0; c < 256; c++)
        if (scan_next[0][c] != 0)
            queue[tail++] = scan_next[0][c];
    while (head < tail) {
        uint32_t s = queue[head++];
        scan_output[s] |= scan_output[scan_fail[s]];
        for (uint32_t c = 0; c < 256; c++) {
            uint32_t t = scan_next[s][c];
            if (t != 0) {
                scan_fail[t] = scan_next[scan_fail[s]][c];
                queue[tail++] = (uint16_t)t;
            } else {
                scan_next[s][c] = scan_next[scan_fail[s]][c];
            }
        }
    }
    /* Upper-case letters move like their lower-case forms. */
    for (uint32_t s = 0; s < states; s++)
        for (uint32_t c = 'A'; c <= 'Z'; c++)
            scan_next[s][c] = scan_next[s][c + 32];
    return states;
}

static void scan_generate(void)
{
    uint64_t rng = SCAN_SEED;
    uint32_t at = 0;
    while (at < SCAN_TEXT_BYTES) {
        const char *w = scan_words[kernel_rand_below(&rng, SCAN_WORD_COUNT)];
        /* Plain filler between words keeps matches at a realistic density. */
        uint32_t filler = kernel_rand_below(&rng, 24);
        for (uint32_t i = 0; i < filler && at < SCAN_TEXT_BYTES; i++)
            scan_text[at++] = (uint8_t)('a' + kernel_rand_below(&rng, 26));
        for (; *w != '\0' && at < SCAN_TEXT_BYTES; w++)
            scan_text[at++] = (uint8_t)*w;
    }
}

int64_t KERNEL_RUN(int32_t iterations)
{
    if (scan_build() == 0)
        return -1;
    scan_generate();
    for (uint32_t p = 0; p < SCAN_PATTERN_COUNT; p++)
        scan_counts[p] = 0;
    uint64_t sum = KERNEL_CHECKSUM_SEED;
    for (int32_t it = 0; it < iterations; it++) {
        uint32_t s = 0;
        uint64_t positions = 0;
        for (uint32_t i = 0; i < SCAN_TEXT_BYTES; i++) {
            s = scan_next[s][scan_text[i]];
            uint32_t out = scan_output[s];
            if (out != 0) {
                for (uint32_t p = 0; p < SCAN_PATTERN_COUNT; p++)
                    if (out & (1u << p))
                        scan_counts[p]++;
                positions += i;
            }
        }
        sum = kernel_mix(sum, positions);
        /* Perturb one byte for the next pass: sometimes it breaks a match, sometimes not. */
        uint32_t at = ((uint32_t)it * 2654435761u) % SCAN_TEXT_BYTES;
        scan_text[at] = (uint8_t)(scan_text[at] ^ 0x20);
    }
    for (uint32_t p = 0; p < SCAN_PATTERN_COUNT; p++)
        sum = kernel_mix(sum, scan_counts[p]);
    return (int64_t)sum;
}
