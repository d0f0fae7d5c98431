/**
 * @file baton_config.h
 * @brief Compile-time sizes of every buffer in the Baton device core.
 *
 * The core never allocates: each buffer below is a fixed array inside a struct the
 * application owns (statically, on ESP32). The README's "memory budget" section adds these up.
 *
 * Where a value comes from, first match wins:
 *   1. a -D BATON_… on the command line (or a #define before this header);
 *   2. on ESP-IDF, the Kconfig option CONFIG_BATON_CORE_… (components/baton_core/Kconfig,
 *      `idf.py menuconfig` → "Baton core (buffer sizes)"), read from the project's sdkconfig.h,
 *      which every ESP-IDF component (ESP_PLATFORM defined) sees the same: the port, main and
 *      the core agree on every struct layout;
 *   3. the defaults below, which the host build and its tests use.
 * Protocol limits mirrored from shared/ (run id, session type name, ids, re-send back-off)
 * are not Kconfig options: the server fixes them.
 */
#ifndef BATON_CONFIG_H
#define BATON_CONFIG_H

#if defined(ESP_PLATFORM) && !defined(BATON_CONFIG_NO_SDKCONFIG)
#include "sdkconfig.h"
#endif

/* Kconfig → the core's names (only where not already set with -D). */
#if defined(CONFIG_BATON_CORE_MAX_SESSION_TYPES) && !defined(BATON_MAX_SESSION_TYPES)
#define BATON_MAX_SESSION_TYPES CONFIG_BATON_CORE_MAX_SESSION_TYPES
#endif
#if defined(CONFIG_BATON_CORE_URL_MAX) && !defined(BATON_URL_MAX)
#define BATON_URL_MAX CONFIG_BATON_CORE_URL_MAX
#endif
#if defined(CONFIG_BATON_CORE_HTTP_RESPONSE_MAX) && !defined(BATON_HTTP_RESPONSE_MAX)
#define BATON_HTTP_RESPONSE_MAX CONFIG_BATON_CORE_HTTP_RESPONSE_MAX
#endif
#if defined(CONFIG_BATON_CORE_RX_FRAME_MAX) && !defined(BATON_RX_FRAME_MAX)
#define BATON_RX_FRAME_MAX CONFIG_BATON_CORE_RX_FRAME_MAX
#endif
#if defined(CONFIG_BATON_CORE_INPUT_MAX) && !defined(BATON_INPUT_MAX)
#define BATON_INPUT_MAX CONFIG_BATON_CORE_INPUT_MAX
#endif
#if defined(CONFIG_BATON_CORE_REPORT_MAX) && !defined(BATON_REPORT_MAX)
#define BATON_REPORT_MAX CONFIG_BATON_CORE_REPORT_MAX
#endif
#if defined(CONFIG_BATON_CORE_MAX_HELD_REPORTS) && !defined(BATON_MAX_HELD_REPORTS)
#define BATON_MAX_HELD_REPORTS CONFIG_BATON_CORE_MAX_HELD_REPORTS
#endif
#if defined(CONFIG_BATON_CORE_ACTION_ARENA_MAX) && !defined(BATON_ACTION_ARENA_MAX)
#define BATON_ACTION_ARENA_MAX CONFIG_BATON_CORE_ACTION_ARENA_MAX
#endif
#if defined(CONFIG_BATON_CORE_MAX_ACTIONS) && !defined(BATON_MAX_ACTIONS)
#define BATON_MAX_ACTIONS CONFIG_BATON_CORE_MAX_ACTIONS
#endif

/** Longest run id the device keeps (shared/messages.ts Limits.runId). */
#ifndef BATON_RUN_ID_MAX
#define BATON_RUN_ID_MAX 64
#endif

/** Longest session type name (shared/messages.ts Limits.sessionTypeName). */
#ifndef BATON_SESSION_TYPE_MAX
#define BATON_SESSION_TYPE_MAX 64
#endif

/** Session types one device may declare (a device is one instrument; 8 is plenty). */
#ifndef BATON_MAX_SESSION_TYPES
#define BATON_MAX_SESSION_TYPES 8
#endif

/** Longest URL (matchmaking endpoint or WebSocket URL with its session id). */
#ifndef BATON_URL_MAX
#define BATON_URL_MAX 256
#endif

/** Longest Colyseus id kept from the matchmaking answer (sessionId, processId, roomId, reconnection token). */
#ifndef BATON_ID_MAX
#define BATON_ID_MAX 64
#endif

/** Bytes kept of the matchmaking HTTP response body; a longer body is refused as malformed. */
#ifndef BATON_HTTP_RESPONSE_MAX
#define BATON_HTTP_RESPONSE_MAX 1024
#endif

/** Largest WebSocket message the device accepts from the server; larger ones are dropped. */
#ifndef BATON_RX_FRAME_MAX
#define BATON_RX_FRAME_MAX 4096
#endif

/** Largest encoded `input` map of a run the device keeps while the job runs. */
#ifndef BATON_INPUT_MAX
#define BATON_INPUT_MAX 1024
#endif

/** Largest encoded result/failed frame the device keeps until the server acknowledges it. */
#ifndef BATON_REPORT_MAX
#define BATON_REPORT_MAX 1024
#endif

/**
 * Unacknowledged reports held at once (docs/PROTOCOL.md §7.3), each BATON_REPORT_MAX bytes
 * and persisted under its own key. Past it the oldest is given up. The same number as the
 * TypeScript simulator's MAX_HELD_REPORTS (test/contract/deviceLimits.test.ts checks both).
 * At most 8 (the storage keys are baton.held, baton.held1 … baton.held7).
 */
#ifndef BATON_MAX_HELD_REPORTS
#define BATON_MAX_HELD_REPORTS 4
#endif

/**
 * Scratch space for the bytes of one batch of actions (frames to send, URLs, event texts).
 * The biggest batch is the welcome that re-sends every held report (up to
 * BATON_MAX_HELD_REPORTS × BATON_REPORT_MAX) and starts a run; the join (JOIN ack + hello
 * with the declared schemas) is the next. Client-to-server frames are capped at 4 KB.
 */
#ifndef BATON_ACTION_ARENA_MAX
#define BATON_ACTION_ARENA_MAX 6144
#endif

/**
 * Back-off before the held report is re-sent after the room answered RATE_LIMITED
 * (docs/PROTOCOL.md §7.3): the nominal delay doubles from the first value to the second,
 * each wait drawn from [c/2, c]. 1 s lets the room's bucket refill; the same numbers as the
 * TypeScript simulator's DEFAULT_RESEND_POLICY (test/e2e/resendPolicy.test.ts checks both).
 */
#ifndef BATON_RESEND_INITIAL_DELAY_MS
#define BATON_RESEND_INITIAL_DELAY_MS 1000
#endif
#ifndef BATON_RESEND_MAX_DELAY_MS
#define BATON_RESEND_MAX_DELAY_MS 30000
#endif

/** Actions one call into the session may return (a welcome: 2 per re-sent report + job stop/start + events). */
#ifndef BATON_MAX_ACTIONS
#define BATON_MAX_ACTIONS 20
#endif

#if BATON_MAX_HELD_REPORTS < 1 || BATON_MAX_HELD_REPORTS > 8
#error "BATON_MAX_HELD_REPORTS must be 1..8 (the storage keys are baton.held, baton.held1 ... baton.held7)"
#endif

#endif /* BATON_CONFIG_H */
