/*
 * What the registry subcommands share: option parsing ("--name VALUE", "--name=VALUE", flags,
 * --help), the chain context (RPC endpoint, program id, signer keypair) and the report of a
 * transaction the cluster refused, in the registry program's own words.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CLI_PATH_MAX_BYTES = 4096,
    CLI_TIMEOUT_MS_MAX = 600000, /* ten minutes: longer is a mistake, not patience */
};

int cli_fail(const cli_command *cmd, int status, const char *fmt, ...)
{
    /* Messages may quote a server's or a file's words: printed through cli_print_safe. */
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fprintf(stderr, CLI_PROGRAM " %s: ", cmd->name);
    cli_print_safe(stderr, message);
    fputc('\n', stderr);
    return status;
}

/* Matches argv[*i] against one option; consumes its value. Returns 1 if matched, 0 if not,
 * -1 on a usage error (already printed). */
static int match(const cli_command *cmd, int argc, char **argv, int *i, const char *name,
                 const char **value, bool *flag)
{
    const char *arg = argv[*i] + 2;
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
        return 0;
    if (flag != NULL) {
        if (arg[n] == '=')
            return cli_fail(cmd, -1, "--%s takes no value", name);
        *flag = true;
        return 1;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
    } else if (*i + 1 < argc) {
        *value = argv[++*i];
    } else {
        return cli_fail(cmd, -1, "--%s needs a value", name);
    }
    return 1;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, const cli_option *opts,
              size_t opt_count, cli_chain_options *chain, bool *help)
{
    *help = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int m = 0;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(cmd->help, stdout);
            *help = true;
            return CLI_EXIT_OK;
        }
        if (strncmp(arg, "--", 2) != 0)
            return cli_fail(cmd, CLI_EXIT_USAGE, "unexpected argument \"%s\" (see --help)", arg);
        for (size_t k = 0; k < opt_count && m == 0; k++)
            m = match(cmd, argc, argv, &i, opts[k].name, opts[k].value, opts[k].flag);
        if (chain != NULL) {
            const cli_option common[] = {{"keypair", &chain->keypair, NULL},
                                         {"rpc", &chain->rpc, NULL},
                                         {"program-id", &chain->program_id, NULL},
                                         {"timeout-ms", &chain->timeout_ms, NULL}};
            for (size_t k = 0; k < sizeof common / sizeof common[0] && m == 0; k++)
                m = match(cmd, argc, argv, &i, common[k].name, common[k].value, NULL);
        }
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (m == 0)
            return cli_fail(cmd, CLI_EXIT_USAGE,
                            "unknown option %s (see " CLI_PROGRAM " %s --help)", arg, cmd->name);
    }
    return CLI_EXIT_OK;
}

/* "~/x" -> "$HOME/x". */
static int expand_home(const cli_command *cmd, const char *path, char out[CLI_PATH_MAX_BYTES])
{
    if (strncmp(path, "~/", 2) == 0) {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] == '\0')
            return cli_fail(cmd, CLI_EXIT_USAGE, "HOME is not set; pass --keypair PATH");
        if (snprintf(out, CLI_PATH_MAX_BYTES, "%s/%s", home, path + 2) >= CLI_PATH_MAX_BYTES)
            return cli_fail(cmd, CLI_EXIT_USAGE, "keypair path too long");
        return CLI_EXIT_OK;
    }
    if (snprintf(out, CLI_PATH_MAX_BYTES, "%s", path) >= CLI_PATH_MAX_BYTES)
        return cli_fail(cmd, CLI_EXIT_USAGE, "keypair path too long");
    return CLI_EXIT_OK;
}

int cli_chain_open(const cli_command *cmd, const cli_chain_options *o, bool need_signer,
                   cli_chain *out)
{
    dep_error err;
    memset(out, 0, sizeof *out);
    out->timeout_ms = SOLANA_CONFIRM_TIMEOUT_MS_DEFAULT;
    if (o->timeout_ms != NULL) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(o->timeout_ms, &end, 10);
        if (errno || end == o->timeout_ms || *end || o->timeout_ms[0] == '-' || v == 0 ||
            v > CLI_TIMEOUT_MS_MAX)
            return cli_fail(cmd, CLI_EXIT_USAGE, "--timeout-ms \"%s\": expected 1 to %d",
                            o->timeout_ms, CLI_TIMEOUT_MS_MAX);
        out->timeout_ms = (uint32_t)v;
    }
    const char *program = o->program_id ? o->program_id : SOLANA_REGISTRY_PROGRAM_ID;
    if (solana_pubkey_parse(program, &out->program, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--program-id: %s", err.message);
    out->rpc = solana_rpc_new(o->rpc ? o->rpc : CLI_RPC_DEFAULT, 0, &err);
    if (out->rpc == NULL)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--rpc: %s", err.message);
    return need_signer ? cli_chain_signer(cmd, o, out) : CLI_EXIT_OK;
}

int cli_chain_signer(const cli_command *cmd, const cli_chain_options *o, cli_chain *ch)
{
    char path[CLI_PATH_MAX_BYTES];
    dep_error err;
    int rc = expand_home(cmd, o->keypair ? o->keypair : CLI_KEYPAIR_DEFAULT, path);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (solana_keypair_load(path, &ch->signer, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s", err.message);
    return CLI_EXIT_OK;
}

void cli_chain_close(cli_chain *ch)
{
    solana_rpc_free(ch->rpc);
    memset(ch, 0, sizeof *ch);
}

void cli_print_safe(FILE *out, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c < 0x20 || *c == 0x7f || *c == '\\')
            fprintf(out, "\\x%02x", *c);
        else
            fputc(*c, out);
    }
}

static void report_failure(const cli_command *cmd, const solana_tx_failure *f)
{
    const char *name = solana_registry_error_name(f->custom_code);
    if (name != NULL)
        fprintf(stderr, CLI_PROGRAM " %s: the registry refused the transaction: %s (%lld): %s\n",
                cmd->name, name, (long long)f->custom_code,
                solana_registry_error_message(f->custom_code));
    else {
        fprintf(stderr, CLI_PROGRAM " %s: the cluster refused the transaction: ", cmd->name);
        cli_print_safe(stderr, f->message);
        fputc('\n', stderr);
    }
    for (size_t i = 0; i < f->log_count; i++) {
        fputs("  log: ", stderr);
        cli_print_safe(stderr, f->logs[i]);
        fputc('\n', stderr);
    }
}

int cli_chain_submit(const cli_command *cmd, cli_chain *ch, const solana_instruction *ix,
                     char sig[SOLANA_SIGNATURE_TEXT_MAX])
{
    solana_tx_failure failure = {.custom_code = -1, .instruction_index = -1};
    dep_error err;
    dep_status st = solana_submit(ch->rpc, &ch->signer, ix, 1, ch->timeout_ms, sig, &failure, &err);
    int rc = CLI_EXIT_OK;
    if (failure.failed) {
        report_failure(cmd, &failure);
        rc = CLI_EXIT_FAILED;
    } else if (st != DEP_OK) {
        rc = cli_fail(cmd, CLI_EXIT_FAILED, "%s", err.message);
    }
    solana_tx_failure_clear(&failure);
    return rc;
}

int cli_route_target(const cli_command *cmd, const cli_chain *ch, const char *route,
                     const char *domain, const char *path, solana_pubkey *out)
{
    dep_error err;
    uint8_t bump;
    if (route != NULL && (domain != NULL || path != NULL))
        return cli_fail(cmd, CLI_EXIT_USAGE, "give --route or --domain and --path, not both");
    if (route != NULL) {
        if (solana_pubkey_parse(route, out, &err) != DEP_OK)
            return cli_fail(cmd, CLI_EXIT_USAGE, "--route: %s", err.message);
        return CLI_EXIT_OK;
    }
    if (domain == NULL || path == NULL)
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "which route? give --route ADDRESS, or --domain and --path");
    if (strlen(domain) > SOLANA_ROUTE_DOMAIN_MAX_BYTES ||
        strlen(path) > SOLANA_ROUTE_PATH_MAX_BYTES)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--domain is at most %d bytes and --path at most %d",
                        SOLANA_ROUTE_DOMAIN_MAX_BYTES, SOLANA_ROUTE_PATH_MAX_BYTES);
    if (solana_route_address(&ch->program, domain, path, out, &bump, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s", err.message);
    return CLI_EXIT_OK;
}

int cli_route_submit(const cli_command *cmd, const cli_chain_options *o, const char *route,
                     const char *domain, const char *path, cli_route_ix_fn build, const void *ud,
                     char target_text[SOLANA_PUBKEY_TEXT_MAX], char sig[SOLANA_SIGNATURE_TEXT_MAX])
{
    cli_chain ch;
    solana_pubkey target;
    solana_instruction ix;
    int rc;
    if ((rc = cli_chain_open(cmd, o, false, &ch)) == CLI_EXIT_OK &&
        (rc = cli_route_target(cmd, &ch, route, domain, path, &target)) == CLI_EXIT_OK &&
        (rc = cli_chain_signer(cmd, o, &ch)) == CLI_EXIT_OK &&
        (rc = build(cmd, &ch, &target, ud, &ix)) == CLI_EXIT_OK &&
        (rc = cli_chain_submit(cmd, &ch, &ix, sig)) == CLI_EXIT_OK)
        solana_pubkey_string(&target, target_text);
    cli_chain_close(&ch);
    return rc;
}
