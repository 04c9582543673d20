/*
 * Parsing config text in the config tests: one that must parse, one that must be refused, each
 * failing the test with the other outcome's details; and the effective config's round trip.
 */
#ifndef AEGIS_TESTS_NODE_CONFIG_UTIL_H
#define AEGIS_TESTS_NODE_CONFIG_UTIL_H

#include "node/node.h"

/* Parses text as the file source (whose folder anchors relative module paths); fails the test
 * with the parser's message when it is refused. The caller frees the config. */
node_config *cfg_parse_ok(const char *text, const char *source);

/* Parses text (as "t.yaml") that must be refused and returns the message, in a static buffer
 * that the next call overwrites. */
const char *cfg_parse_err(const char *text);

/* The effective config text (node_config_format) parses, as source, back to the same text. */
void cfg_check_round_trip(const char *text, const char *source);

#endif
