/**
 * @file baton_config.h
 * @brief Compile-time sizes of every buffer in the Baton device core.
 *
 * The core never allocates: each buffer below is a fixed array inside a struct the
 * application owns (statically, on ESP32). Override any value with -D or by defining it
 * before this header is included (ESP-IDF: from Kconfig through the component's CMake).
 * The README's "memory budget" section adds these up.
 */
#ifndef BATON_CONFIG_H
#define BATON_CONFIG_H

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

#endif /* BATON_CONFIG_H */
