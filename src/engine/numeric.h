/*
 * Numeric semantics of WebAssembly that C does not give directly: float min/max with NaN and
 * signed-zero rules, sign-bit operations that keep NaN payloads, and the range checks of the
 * trapping and saturating float-to-integer conversions. Values travel as raw bits in slots.
 */
#ifndef AEGIS_ENGINE_NUMERIC_H
#define AEGIS_ENGINE_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float f32_of(uint64_t s)
{
    uint32_t u = (uint32_t)s;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint64_t slot_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline double f64_of(uint64_t s)
{
    double d;
    memcpy(&d, &s, 8);
    return d;
}

static inline uint64_t slot_f64(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static inline float wasm_fminf(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b; /* an arithmetic NaN */
    if (a == b)
        return signbit(a) ? a : b; /* min(-0, +0) is -0 */
    return a < b ? a : b;
}

static inline float wasm_fmaxf(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline double wasm_fmin(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double wasm_fmax(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Rounding keeps a NaN a NaN but must quiet a signalling one, as arithmetic does. */
#define WASM_ROUND(name, T, fn)                                                                    \
    static inline T name(T x)                                                                      \
    {                                                                                              \
        return isnan(x) ? x + x : fn(x);                                                           \
    }
WASM_ROUND(wasm_ceilf, float, ceilf)
WASM_ROUND(wasm_floorf, float, floorf)
WASM_ROUND(wasm_truncf, float, truncf)
WASM_ROUND(wasm_nearestf, float, nearbyintf)
WASM_ROUND(wasm_ceil, double, ceil)
WASM_ROUND(wasm_floor, double, floor)
WASM_ROUND(wasm_trunc, double, trunc)
WASM_ROUND(wasm_nearest, double, nearbyint)

/* Range checks for truncation: true when trunc(x) fits the target type. NaN never fits. */
static inline bool fits_i32_s(double x)
{
    return x > -2147483649.0 && x < 2147483648.0;
}
static inline bool fits_i32_u(double x)
{
    return x > -1.0 && x < 4294967296.0;
}
static inline bool fits_i64_s(double x)
{
    return x >= -9223372036854775808.0 && x < 9223372036854775808.0;
}
static inline bool fits_i64_u(double x)
{
    return x > -1.0 && x < 18446744073709551616.0;
}

static inline int32_t sat_i32_s(double x)
{
    if (isnan(x))
        return 0;
    if (x <= -2147483648.0)
        return INT32_MIN;
    if (x >= 2147483647.0)
        return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t sat_i32_u(double x)
{
    if (isnan(x) || x <= 0)
        return 0;
    if (x >= 4294967295.0)
        return UINT32_MAX;
    return (uint32_t)x;
}
static inline int64_t sat_i64_s(double x)
{
    if (isnan(x))
        return 0;
    if (x < -9223372036854775808.0)
        return INT64_MIN;
    if (x >= 9223372036854775808.0)
        return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t sat_i64_u(double x)
{
    if (isnan(x) || x <= 0)
        return 0;
    if (x >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

#endif
