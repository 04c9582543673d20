/* WASI guest: a printf hello world on stdout and a line on stderr, then a normal return. */
#include <stdio.h>

int main(void)
{
    printf("hello from wasm32-wasi: %d + %d = %d\n", 40, 2, 40 + 2);
    fprintf(stderr, "a line on stderr\n");
    return 0;
}
