/* WASI guest: prints a partial line (flushed by exit) and ends with exit(3). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("leaving with 3");
    exit(3);
}
