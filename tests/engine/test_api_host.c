/*
 * The host-function API: signature checks at link time (a mismatch is unlinkable, never a call
 * with the wrong values), results and trap messages travelling back from host callbacks, and the
 * caller-memory gateway refusing every range that is not wholly inside linear memory.
 */
#include "fixture.h"
#include "test.h"

#include <string.h>

static eng_trap host_add(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    (void)caller;
    int *calls = data;
    (*calls)++;
    results[0] = (uint32_t)((uint32_t)args[0] + (uint32_t)args[1]);
    return ENG_TRAP_NONE;
}

static eng_trap host_fail(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    (void)args, (void)results, (void)data;
    eng_caller_set_message(caller, "quota exceeded: %d requests", 7);
    return ENG_TRAP_HOST;
}

/* Sums len bytes at guest offset ptr; traps when the range is not inside memory. */
static eng_trap host_sum(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    uint64_t *seen_size = data;
    *seen_size = eng_caller_memory_size(caller);
    const uint8_t *p = eng_caller_memory(caller, (uint32_t)args[0], (uint32_t)args[1]);
    if (!p) {
        eng_caller_set_message(caller, "range %u+%u outside memory", (uint32_t)args[0],
                               (uint32_t)args[1]);
        return ENG_TRAP_HOST;
    }
    uint32_t sum = 0;
    for (uint32_t i = 0; i < (uint32_t)args[1]; i++)
        sum += p[i];
    results[0] = sum;
    return ENG_TRAP_NONE;
}

typedef struct host_state {
    int add_calls;
    uint64_t seen_size;
} host_state;

static eng_imports *host_imports(host_state *st, const char *add_sig)
{
    eng_imports *imports = eng_imports_new();
    CHECK(imports != NULL);
    CHECK_INT_EQ(eng_imports_add_func(imports, "env", "add", add_sig, host_add, &st->add_calls),
                 ENG_OK);
    CHECK_INT_EQ(eng_imports_add_func(imports, "env", "fail", "()", host_fail, NULL), ENG_OK);
    CHECK_INT_EQ(eng_imports_add_func(imports, "env", "sum", "(ii)i", host_sum, &st->seen_size),
                 ENG_OK);
    return imports;
}

TEST(test_host_function_is_called_with_args_and_returns_result)
{
    host_state st = {0};
    eng_imports *imports = host_imports(&st, "(ii)i");
    fx f = fx_open("host", NULL, imports);
    eng_slot args[2] = {0xfffffffeu, 5}; /* wraps like i32.add */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call_add", args, 2), 3);
    CHECK_INT_EQ(st.add_calls, 1);
    fx_close(&f);
    eng_imports_free(imports);
}

TEST(test_host_signature_mismatch_is_unlinkable)
{
    static const char *wrong[] = {"(ii)I", "(i)i", "(iii)i", "(ii)", "(iI)i", "(ff)f", "(ii)ii"};
    eng_module *m = fx_module("host");
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        host_state st = {0};
        eng_imports *imports = host_imports(&st, wrong[i]);
        eng_error err = {0};
        eng_instance *inst = eng_instance_new(m, imports, NULL, &err);
        CHECK_MSG(inst == NULL, "env.add with signature %s was linked", wrong[i]);
        CHECK_MSG(err.status == ENG_ERR_UNLINKABLE, "%s: %s: %s", wrong[i],
                  eng_status_name(err.status), err.message);
        CHECK_STR_HAS(err.message, "add");
        eng_imports_free(imports);
    }
    eng_module_free(m);
}

TEST(test_missing_host_function_is_unlinkable)
{
    eng_module *m = fx_module("host");
    eng_imports *imports = eng_imports_new();
    eng_error err = {0};
    CHECK(eng_instance_new(m, imports, NULL, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_UNLINKABLE);
    CHECK_STR_HAS(err.message, "env");
    CHECK(eng_instance_new(m, NULL, NULL, &err) == NULL);
    CHECK_INT_EQ(err.status, ENG_ERR_UNLINKABLE);
    eng_imports_free(imports);
    eng_module_free(m);
}

TEST(test_bad_signature_strings_are_refused)
{
    eng_imports *imports = eng_imports_new();
    int calls = 0;
    static const char *bad[] = {"", "ii)i", "(ii", "(ix)i", "(ii)i)", "(i)q"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(eng_imports_add_func(imports, "env", "add", bad[i], host_add, &calls) ==
                      ENG_ERR_ARG,
                  "signature \"%s\" accepted", bad[i]);
    eng_imports_free(imports);
}

TEST(test_host_trap_message_reaches_the_embedder)
{
    host_state st = {0};
    eng_imports *imports = host_imports(&st, "(ii)i");
    fx f = fx_open("host", NULL, imports);
    eng_slot result = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "call_fail", NULL, 0, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_HOST);
    CHECK_STR_HAS(err.message, "quota exceeded: 7 requests");
    CHECK_UINT_EQ(result, 0);
    /* the instance keeps working after the host stopped it */
    eng_slot args[2] = {2, 3};
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call_add", args, 2), 5);
    fx_close(&f);
    eng_imports_free(imports);
}

static eng_error sum_expect_trap(eng_instance *inst, uint32_t ptr, uint32_t len)
{
    eng_slot args[2] = {ptr, len}, result;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(inst, "call_sum", args, 2, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_HOST);
    CHECK_STR_HAS(err.message, "outside memory");
    return err;
}

TEST(test_caller_memory_refuses_ranges_outside_memory)
{
    host_state st = {0};
    eng_imports *imports = host_imports(&st, "(ii)i");
    fx f = fx_open("host", NULL, imports);
    eng_slot args[2] = {16, 4};
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call_sum", args, 2), 10);
    CHECK_UINT_EQ(st.seen_size, 65536);
    args[0] = 65535, args[1] = 1; /* the last byte */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call_sum", args, 2), 0);
    args[0] = 65536, args[1] = 0; /* an empty range at the very end is inside */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call_sum", args, 2), 0);
    sum_expect_trap(f.instance, 65535, 2);
    sum_expect_trap(f.instance, 65537, 0);
    sum_expect_trap(f.instance, 0, 65537);
    sum_expect_trap(f.instance, 0xffffffffu, 2); /* ptr + len wraps 32 bits */
    sum_expect_trap(f.instance, 2, 0xffffffffu);
    /* after memory.grow the new page is reachable */
    eng_slot one = 1;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &one, 1), 1);
    args[0] = 65535, args[1] = 2;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call_sum", args, 2), 0);
    CHECK_UINT_EQ(st.seen_size, 131072);
    fx_close(&f);
    eng_imports_free(imports);
}

TEST(test_embedder_memory_access_is_checked)
{
    host_state st = {0};
    eng_imports *imports = host_imports(&st, "(ii)i");
    fx f = fx_open("host", NULL, imports);
    uint8_t *p = eng_instance_memory(f.instance, 16, 4);
    CHECK(p != NULL);
    CHECK(memcmp(p, "\1\2\3\4", 4) == 0);
    CHECK(eng_instance_memory(f.instance, 65533, 4) == NULL);
    CHECK(eng_instance_memory(f.instance, UINT64_MAX, 2) == NULL);
    CHECK(eng_instance_memory(f.instance, 2, UINT64_MAX) == NULL);
    fx_close(&f);
    eng_imports_free(imports);
}
