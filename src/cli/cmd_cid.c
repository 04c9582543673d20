/*
 * `aegis-wasm-cli cid`: the IPFS CID of a file, computed here the way `ipfs add` lays the file
 * out (src/deploy/importer.c), so that an author knows the name of a module before publishing it
 * and can check what any IPFS tool or gateway reports for it. The file is streamed through the
 * importer, so its size does not matter.
 */
#include "cli/author.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char help[] =
    "usage: " CLI_PROGRAM " cid FILE [--cid-version 0|1] [--json]\n"
    "\n"
    "Prints the IPFS CID of FILE, the same that `ipfs add --only-hash -Q` prints: 262,144-byte\n"
    "chunks in a balanced DAG of at most 174 links per node.\n"
    "  --cid-version 0   Kubo's default profile: a CIDv0 (Qm...) with dag-pb leaves (default)\n"
    "  --cid-version 1   `ipfs add --cid-version 1`: a CIDv1 (bafk... for one chunk, else\n"
    "                    bafy...) with raw leaves\n"
    "  --json            one object: {\"file\", \"size\", \"cid\", \"cid_version\"}\n"
    "\n"
    "exit status: 0 printed, 1 FILE unreadable, 2 usage error\n";

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *version = NULL;
    bool json = false;
    const cli_option opts[] = {{"cid-version", &version, NULL}, {"json", NULL, &json}};
    author_args a;
    int rc = author_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], 1, &a);
    if (rc != CLI_EXIT_OK || a.help)
        return rc;
    if (a.npos != 1)
        return cli_fail(cmd, CLI_EXIT_USAGE, "needs the FILE (see --help)");
    uint8_t cid_version = 0;
    if ((rc = author_cid_version(cmd, version, &cid_version)) != CLI_EXIT_OK)
        return rc;
    struct stat st;
    if (stat(a.pos[0], &st) != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", a.pos[0], strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: not a regular file", a.pos[0]);

    dep_import_options profile = dep_import_profile(cid_version);
    dep_cid cid;
    dep_error err;
    if (dep_import_file(a.pos[0], &profile, NULL, NULL, &cid, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s", err.message);
    char text[DEP_CID_TEXT_MAX];
    dep_cid_string(&cid, text);
    if (!json) {
        printf("%s\n", text);
        return CLI_EXIT_OK;
    }
    return author_print_json(cmd, json_pack("{s:s, s:I, s:s, s:i}", "file", a.pos[0], "size",
                                            (json_int_t)st.st_size, "cid", text, "cid_version",
                                            (int)cid_version));
}

const cli_command cli_cmd_cid = {"cid", "print the IPFS CID of a file (as `ipfs add` would)", help,
                                 run};
