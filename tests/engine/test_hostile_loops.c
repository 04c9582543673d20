/*
 * Hostile guests that try to keep the host busy forever: an endless loop stopped by fuel and,
 * separately, by the wall-clock deadline, and unbounded recursion stopped by the call-depth and
 * value-stack bounds. Each must end as the exact trap kind, and the same instance must answer a
 * normal call afterwards.
 */
#include "fixture.h"
#include "test.h"

#include <pthread.h>
#include <time.h>

/* The deadline used against the endless loop, and how late the trap may come (ASan is slow, and
 * the deadline is only checked at back-edges and calls). */
#define SPIN_DEADLINE_US 50000u
#define SPIN_SLACK_US 2000000u

static void check_add_still_works(eng_instance *inst)
{
    eng_slot args[2] = {40, 2};
    CHECK_UINT_EQ(fx_call_i32(inst, "add", args, 2), 42);
}

TEST(test_endless_loop_stops_out_of_fuel_with_no_fuel_left)
{
    fx f = fx_open("spin", NULL, NULL);
    eng_instance_set_fuel(f.instance, 100000);
    eng_error err = {0};
    eng_status st = fx_call(f.instance, "spin", NULL, 0, NULL, 0, &err);
    CHECK_INT_EQ(st, ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_OUT_OF_FUEL);
    CHECK_STR_HAS(err.message, "out of fuel");
    CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 0);
    /* the budget is per call: the next call gets a fresh 100000 */
    check_add_still_works(f.instance);
    CHECK(eng_instance_fuel_remaining(f.instance) > 0);
    CHECK(eng_instance_fuel_remaining(f.instance) < 100000);
    fx_close(&f);
}

TEST(test_endless_loop_uses_the_same_fuel_on_every_run)
{
    fx f = fx_open("spin", NULL, NULL);
    eng_instance_set_fuel(f.instance, 12345);
    uint64_t first = 0;
    for (int run = 0; run < 3; run++) {
        eng_error err = {0};
        CHECK_INT_EQ(fx_call(f.instance, "spin", NULL, 0, NULL, 0, &err), ENG_ERR_TRAP);
        CHECK_INT_EQ(err.trap, ENG_TRAP_OUT_OF_FUEL);
        CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 0);
        uint64_t used = eng_instance_fuel_used(f.instance);
        if (run == 0)
            first = used;
        CHECK_UINT_EQ(used, first);
        /* charged per block of the loop body (one br): at most one block short of the budget */
        CHECK(used <= 12345 && used + 4 > 12345);
    }
    fx_close(&f);
}

TEST(test_endless_loop_stops_at_deadline)
{
    eng_limits limits = eng_limits_default();
    limits.deadline_us = SPIN_DEADLINE_US;
    fx f = fx_open("spin", &limits, NULL);
    eng_error err = {0};
    uint64_t start = fx_now_us();
    eng_status st = fx_call(f.instance, "spin", NULL, 0, NULL, 0, &err);
    uint64_t took = fx_now_us() - start;
    CHECK_INT_EQ(st, ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_DEADLINE);
    CHECK_STR_HAS(err.message, "deadline");
    CHECK_MSG(took >= SPIN_DEADLINE_US, "stopped after %llu us, before the deadline",
              (unsigned long long)took);
    CHECK_MSG(took < SPIN_DEADLINE_US + SPIN_SLACK_US, "stopped only after %llu us",
              (unsigned long long)took);
    check_add_still_works(f.instance);
    /* and the deadline applies to every call, not only the first */
    CHECK_INT_EQ(fx_call(f.instance, "spin", NULL, 0, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_DEADLINE);
    fx_close(&f);
}

static void *interrupt_after_delay(void *arg)
{
    struct timespec delay = {0, (long)SPIN_DEADLINE_US * 1000};
    nanosleep(&delay, NULL);
    eng_instance_interrupt(arg);
    return NULL;
}

TEST(test_endless_loop_stops_when_interrupted_from_another_thread)
{
    fx f = fx_open("spin", NULL, NULL); /* no fuel, no deadline: only the interrupt can stop it */
    pthread_t thread;
    CHECK_INT_EQ(pthread_create(&thread, NULL, interrupt_after_delay, f.instance), 0);
    eng_error err = {0};
    uint64_t start = fx_now_us();
    eng_status st = fx_call(f.instance, "spin", NULL, 0, NULL, 0, &err);
    uint64_t took = fx_now_us() - start;
    pthread_join(thread, NULL);
    CHECK_INT_EQ(st, ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_INTERRUPTED);
    CHECK_MSG(took < SPIN_DEADLINE_US + SPIN_SLACK_US, "stopped only after %llu us",
              (unsigned long long)took);
    check_add_still_works(f.instance);
    fx_close(&f);
}

TEST(test_unbounded_recursion_is_call_stack_exhausted)
{
    fx f = fx_open("recursion", NULL, NULL);
    eng_slot arg = 0, result = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "forever", &arg, 1, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_STACK_EXHAUSTED);
    CHECK_STR_HAS(err.message, "call stack exhausted");
    /* healthy afterwards: a recursion within bounds works on the same instance */
    arg = 500;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "depth", &arg, 1), 500);
    fx_close(&f);
}

TEST(test_recursion_with_fat_frames_hits_the_stack_bound)
{
    /* 17 i64 locals per frame: a small value stack runs out long before the depth limit */
    eng_limits limits = eng_limits_default();
    limits.max_stack_slots = 4096;
    fx f = fx_open("recursion", &limits, NULL);
    eng_slot arg = 1, result = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "fat", &arg, 1, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_STACK_EXHAUSTED);
    arg = 10;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "depth", &arg, 1), 10);
    fx_close(&f);
}

TEST(test_call_depth_limit_is_exact_enough_to_allow_depth_below_it)
{
    eng_limits limits = eng_limits_default();
    limits.max_call_depth = 100;
    fx f = fx_open("recursion", &limits, NULL);
    eng_slot arg = 90, result = 0;
    eng_error err = {0};
    CHECK_UINT_EQ(fx_call_i32(f.instance, "depth", &arg, 1), 90);
    arg = 200;
    CHECK_INT_EQ(fx_call(f.instance, "depth", &arg, 1, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_STACK_EXHAUSTED);
    fx_close(&f);
}
