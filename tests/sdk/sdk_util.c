/*
 * Helpers of the SDK suite (sdk_util.h).
 */
#include "sdk_util.h"
#include "e2e.h"
#include "test.h"

#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sdk_tmpdir(char *dir, size_t cap)
{
    CHECK(cap > 32);
    snprintf(dir, cap, "/tmp/aegis-sdk-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void sdk_rmtree(const char *dir)
{
    if (strncmp(dir, "/tmp/aegis-sdk-", 15) != 0) /* only what sdk_tmpdir made */
        return;
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void sdk_offline_env(const char *dir)
{
    char home[1024];
    snprintf(home, sizeof home, "%s/home", dir);
    CHECK(mkdir(home, 0755) == 0);
    setenv("HOME", home, 1);
    unsetenv("CARGO_HOME");
    const char *proxies[] = {"http_proxy",  "https_proxy", "HTTP_PROXY",
                             "HTTPS_PROXY", "ALL_PROXY",   "all_proxy"};
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        setenv(proxies[i], "http://127.0.0.1:9", 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    setenv("npm_config_offline", "true", 1);
    setenv("CARGO_NET_OFFLINE", "true", 1);
    setenv("CARGO_TARGET_DIR", test_build_path("sdk/cargo-tests"), 1);
}

int sdk_cli(const char *cwd, char **out, ...)
{
    char *argv[32];
    size_t n = 0;
    static char bin[1024];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-wasm-cli"));
    argv[n++] = bin;
    va_list ap;
    va_start(ap, out);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 31)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    char here[1024];
    CHECK(getcwd(here, sizeof here) != NULL);
    CHECK_MSG(chdir(cwd) == 0, "chdir %s", cwd);
    int st = e2e_run(argv, SDK_CLI_TIMEOUT_MS, out);
    CHECK(chdir(here) == 0);
    return st;
}

void sdk_write(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "cannot write %s", path);
    fputs(text, f);
    CHECK(fclose(f) == 0);
}

void sdk_copy_fixture(const char *rel, const char *dir)
{
    char src[1024];
    snprintf(src, sizeof src, "%s", test_src_path(rel));
    DIR *d = opendir(src);
    CHECK_MSG(d != NULL, "no fixture %s", src);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char from[2048], to[2048];
        CHECK(snprintf(from, sizeof from, "%s/%s", src, e->d_name) < (int)sizeof from);
        CHECK(snprintf(to, sizeof to, "%s/%s", dir, e->d_name) < (int)sizeof to);
        struct stat st;
        CHECK(stat(from, &st) == 0);
        if (S_ISDIR(st.st_mode)) {
            char sub[2048];
            CHECK(snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name) < (int)sizeof sub);
            CHECK(mkdir(to, 0755) == 0);
            sdk_copy_fixture(sub, to);
            continue;
        }
        size_t len;
        uint8_t *bytes = test_read_file(from, &len);
        FILE *f = fopen(to, "wb");
        CHECK(f != NULL);
        CHECK(fwrite(bytes, 1, len, f) == len);
        CHECK(fclose(f) == 0);
        free(bytes);
    }
    closedir(d);
}
