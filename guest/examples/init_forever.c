/*
 * A hostile module whose initialisation never ends (a constructor that spins): loading it must
 * fail within the initialisation budget, and a version already serving must stay.
 */
#include "aegis.h"

AEGIS_DEFINE_ALLOC()

static volatile int32_t sink;

__attribute__((constructor)) static void spin(void)
{
    for (;;)
        sink++;
}

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    (void)ptr;
    (void)len;
    return aegis_continue();
}
