/**
 * @file baton_numeric.h
 * @brief Checked conversions from floating point to integers (internal).
 *
 * Why: in C, converting a NaN, an infinity or a value outside the target's range to an
 * integer is undefined behaviour, and a server (or anything in between) can put any float
 * where the core expects an integer — a Colyseus header code, a JSON `code`. UBSan and
 * libFuzzer found such casts (issue 10); every float → integer conversion goes through here.
 */
#ifndef BATON_NUMERIC_H
#define BATON_NUMERIC_H

#include <stdbool.h>
#include <stdint.h>

/** -2^63 and 2^63, exactly representable as doubles. */
#define BATON_I64_MIN_AS_DOUBLE (-9223372036854775808.0)
#define BATON_I64_LIMIT_AS_DOUBLE (9223372036854775808.0)

/**
 * Truncates `d` towards zero into `*out` if the result fits an int64_t. False (and `*out`
 * untouched) for NaN, infinities and out-of-range values; the negated comparison is what
 * rejects NaN, for which every comparison is false.
 */
static inline bool baton_double_to_i64(double d, int64_t *out)
{
    if (!(d >= BATON_I64_MIN_AS_DOUBLE && d < BATON_I64_LIMIT_AS_DOUBLE)) {
        return false;
    }
    *out = (int64_t)d;
    return true;
}

#endif /* BATON_NUMERIC_H */
