/*
 * The request walker's interface inside guest/waf/: waf.c calls the walkers, the walkers call
 * back inspect_value for every value they find.
 */
#ifndef AEGIS_WAF_REQUEST_H
#define AEGIS_WAF_REQUEST_H

#include "waf_int.h"

/* Runs every detector that applies to kind on one value (waf.c). name labels the location. */
void inspect_value(inspect *in, loc_kind kind, const char *name, size_t name_len, const char *value,
                   size_t len);

/* name=value&... (query strings and form bodies, as query says); returns DEC_* flags of the
 * decoding. */
unsigned walk_urlencoded(inspect *in, const char *s, size_t n, loc_kind kind, bool query);
/* A Cookie header. */
void walk_cookies(inspect *in, const char *s, size_t n);
/* A JSON body: every string value and member name. false when it is not valid JSON. */
bool walk_json_body(inspect *in, const char *s, size_t n);
/* A multipart/form-data body with the given boundary. false when no part could be read. */
bool walk_multipart(inspect *in, const char *s, size_t n, const char *boundary, size_t blen);

#endif
