/*
 * Parsing config text in the config tests (see config_util.h).
 */
#include "config_util.h"

#include "test.h"

#include <stdlib.h>
#include <string.h>

node_config *cfg_parse_ok(const char *text, const char *source)
{
    char err[NODE_ERR_BYTES];
    node_config *cfg = node_config_parse(text, strlen(text), source, err);
    CHECK_MSG(cfg != NULL, "unexpected error: %s", err);
    return cfg;
}

const char *cfg_parse_err(const char *text)
{
    static char err[NODE_ERR_BYTES];
    node_config *cfg = node_config_parse(text, strlen(text), "t.yaml", err);
    CHECK_MSG(cfg == NULL, "expected an error for:\n%s", text);
    return err;
}

void cfg_check_round_trip(const char *text, const char *source)
{
    node_config *again = cfg_parse_ok(text, source);
    char *text2 = node_config_format(again);
    CHECK_STR_EQ(text2, text);
    free(text2);
    node_config_free(again);
}
