/**
 * @file baton_status.h
 * @brief Status codes returned by every fallible function of the Baton device core.
 *
 * One enum for the whole core (in the style of coreMQTT's MQTTStatus_t) so that a port or
 * an application can log any failure with baton_status_str() without knowing which module
 * produced it. Values are stable: add new ones at the end, never renumber.
 */
#ifndef BATON_STATUS_H
#define BATON_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum baton_status {
    /** The call did what it was asked to do. */
    BATON_OK = 0,
    /** A required pointer was NULL or an argument was outside its documented range. */
    BATON_ERR_INVALID_ARG = 1,
    /** The output buffer (or a fixed-size field) is too small for the value; nothing usable was written. */
    BATON_ERR_NO_SPACE = 2,
    /** The input ended before a complete value could be read (truncated msgpack, frame or JSON). */
    BATON_ERR_TRUNCATED = 3,
    /** The input is not well-formed for its format (bad msgpack tag, bad JSON, bad frame layout). */
    BATON_ERR_MALFORMED = 4,
    /** The value exists but has another type than the caller asked for (e.g. a string where a number was expected). */
    BATON_ERR_WRONG_TYPE = 5,
    /** A map lookup did not find the key. */
    BATON_ERR_NOT_FOUND = 6,
    /** The operation is not valid in the current state (e.g. a job result when no job runs). */
    BATON_ERR_STATE = 7,
    /** The reconnect backoff used up its configured number of attempts; the caller decides what comes next. */
    BATON_ERR_RETRIES_EXHAUSTED = 8,
    /** The platform port reported a failure (socket, HTTP, storage); details are in the port's log. */
    BATON_ERR_PORT = 9,
    /** A runner function was called from inside one of the runner's own hooks; defer the call to the main loop. */
    BATON_ERR_BUSY = 10,
    /** The configuration is unusable (e.g. a device id with characters a room id cannot carry). */
    BATON_ERR_CONFIG = 11,
} baton_status_t;

/** A short, constant, human-readable name for a status ("BATON_OK", ...). Never NULL. */
const char *baton_status_str(baton_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* BATON_STATUS_H */
