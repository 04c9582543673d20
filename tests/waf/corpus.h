/*
 * Labelled request corpora for the WAF tests: tests/waf/corpus/attack/<class>.txt and
 * tests/waf/corpus/benign/<name>.txt. A plain line is a payload (or a benign value) that is
 * placed into several parts of a request: query argument, url-encoded form, JSON body, cookie,
 * and (attacks only) a double URL-encoded query argument. Lines starting with a directive build
 * one request exactly: "@path TARGET", "@ua USER-AGENT", "@method METHOD", "@header NAME: VALUE",
 * "@json BODY", "@raw REQUEST-DOCUMENT". "# " starts a comment line; a leading backslash is
 * dropped and the rest taken as a payload (for payloads that start with '@' or "# ").
 */
#ifndef AEGIS_TEST_WAF_CORPUS_H
#define AEGIS_TEST_WAF_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct corpus_req {
    char *doc; /* request document (guest ABI v1 JSON) */
    size_t len;
    char *label; /* "sqli.txt:12 query" */
} corpus_req;

typedef struct corpus {
    corpus_req *reqs;
    size_t count, cap;
} corpus;

/* Loads one corpus file into c (appending); attack selects the placements. Fails the test on
 * I/O errors. Returns the number of requests added. */
size_t corpus_load(corpus *c, const char *path, bool attack);
void corpus_free(corpus *c);

/* Builds a request document with the given parts (NULL: default) into a malloc'd string. */
char *corpus_request(const char *method, const char *uri, const char *const *headers,
                     size_t nheaders, const char *body);
/* Appends s to out as the body of a JSON string (escaped, no quotes). */
void json_escape_into(char *out, size_t cap, const char *s);

/* Names of the attack classes, in report order, NULL-terminated. */
extern const char *const corpus_classes[];

#endif
