/*
 * libFuzzer target over waf_analyze: any byte string as a request document. The WAF must never
 * crash, leak or trip a sanitizer, and must always produce result JSON.
 */
#include "../../../guest/waf/waf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static waf *fuzz_waf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_waf == NULL)
        fuzz_waf = waf_new(NULL);
    const waf_result *r = waf_analyze(fuzz_waf, data, size);
    if (r->json == NULL || r->json_len == 0 || r->json[0] != '{')
        abort();
    return 0;
}
