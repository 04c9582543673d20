/* WASI guest: reports what the sandbox lets it see: no arguments, no environment, working
 * clocks and randomness, and no file system. One "key=value" per line on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    (void)argv;
    printf("argc=%d\n", argc);
    printf("home=%s\n", getenv("HOME") ? "set" : "unset");
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    printf("realtime=%s\n", rc == 0 && ts.tv_sec > 1600000000 ? "ok" : "bad");
    struct timespec m1, m2;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    printf("monotonic=%s\n",
           m2.tv_sec > m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec >= m1.tv_nsec) ? "ok"
                                                                                         : "bad");
    unsigned char a[32], b[32];
    getentropy(a, sizeof a);
    getentropy(b, sizeof b);
    printf("random=%s\n", memcmp(a, b, sizeof a) != 0 ? "ok" : "bad");
    FILE *f = fopen("/etc/passwd", "r");
    printf("open=%s\n", f ? "allowed" : "denied");
    f = fopen("out.txt", "w");
    printf("create=%s\n", f ? "allowed" : "denied");
    char c;
    printf("stdin=%zd\n", read(0, &c, 1));
    return 0;
}
