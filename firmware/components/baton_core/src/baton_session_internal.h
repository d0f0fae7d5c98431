/**
 * @file baton_session_internal.h
 * @brief Helpers shared by the session's source files (not part of the public API).
 *
 * The session is split by concern, and calls go one way only (top to bottom; a file never
 * calls one above it, so there is no circle):
 *
 *   baton_session.c           public entry points: connection lifecycle, frames, timers
 *   baton_session_commands.c  what the room sends (welcome, start, cancel, ack, error)
 *   baton_session_reports.c   what the device reports (hello, progress, result, failed, ready)
 *   baton_session_link.c      ending a connection or attempt: stop, retry, back off
 *   baton_session_resend.c    the re-send after RATE_LIMITED
 *   baton_session_held.c      the reports held until acknowledged
 *   baton_session_types.c     the declared session types;  baton_str.c  bounded copy
 *   baton_actions.c           the action list and its arena
 */
#ifndef BATON_SESSION_INTERNAL_H
#define BATON_SESSION_INTERNAL_H

#include "baton_frame.h"
#include "baton_msgpack.h"
#include "baton_session.h"

/* ---- action list (baton_actions.c) */
baton_action_t *baton_act_push(baton_actions_t *actions, baton_action_type_t type);
const char *baton_act_str(baton_actions_t *actions, const char *str);
const uint8_t *baton_act_copy(baton_actions_t *actions, const uint8_t *data, size_t len);
void baton_act_event(baton_actions_t *actions, baton_event_t event, const char *run_id, const char *text, uint64_t number);
/** Starts encoding a frame directly into the free part of the arena. */
void baton_act_frame_begin(baton_actions_t *actions, baton_mp_writer_t *w);
/** Turns what the writer produced into a WS_SEND action; false (and an event) if it did not fit. */
bool baton_act_frame_send(baton_actions_t *actions, baton_mp_writer_t *w);
void baton_act_simple(baton_actions_t *actions, baton_action_type_t type);

/* ---- ending a connection (baton_session_link.c) */
/** Ends the current connection attempt or connection and schedules the next one. */
void baton_session_fail(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions, const char *reason,
                        bool close_socket);
/** Stops connecting for good (until baton_session_start), with a gave-up (or, on leave, disconnected) event. */
void baton_session_stop(baton_session_t *sm, baton_stop_reason_t reason, baton_actions_t *actions);
/** Waits `delay` ms before the next attempt (0: at the next tick). */
void baton_session_wait_then_retry(baton_session_t *sm, uint64_t now_ms, uint32_t delay, baton_actions_t *actions);
/** Waits the next back-off delay, or stops when the attempts are exhausted. */
void baton_session_schedule_reconnect(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);
/* The same, but the delay is at least `at_least_ms` (a matchmaking answer's Retry-After). */
void baton_session_schedule_reconnect_after(baton_session_t *sm, uint64_t now_ms, uint32_t at_least_ms, baton_actions_t *actions);

/* ---- declared session types (baton_session_types.c) */
/** Reads name + maxDurationMs of each declared type from config.session_types. */
baton_status_t baton_session_read_types(baton_session_t *sm);
const baton_declared_type_t *baton_session_find_type(const baton_session_t *sm, const char *name);

/* ---- room commands (baton_session_commands.c) */
void baton_session_handle_room_data(baton_session_t *sm, const baton_frame_t *frame, uint64_t now_ms,
                                    baton_actions_t *actions);

/* ---- reports (baton_session_reports.c) */
void baton_session_send_hello(baton_session_t *sm, baton_actions_t *actions);
void baton_session_send_accepted(baton_session_t *sm, baton_actions_t *actions);
void baton_session_send_progress(baton_session_t *sm, const char *message, baton_actions_t *actions);
void baton_session_send_heartbeat(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);
/** Builds, holds, persists and (if joined) sends a `failed` report for a run. */
void baton_session_report_failure(baton_session_t *sm, uint64_t epoch, const char *run_id, const char *code,
                                  const char *message, baton_actions_t *actions);

/* ---- held reports (baton_session_held.c); a slot is an index into sm->held, -1 for none */
int baton_held_find(const baton_session_t *sm, const char *run_id);
int baton_held_find_oldest(const baton_session_t *sm);
int baton_held_oldest_in_flight(const baton_session_t *sm);
/** The most recently held result (named in hello.heldRunId). */
int baton_held_latest_result(const baton_session_t *sm);
/** The slot for a new report of `run_id`: its own, a free one, or the oldest (evicted, with an event). */
int baton_held_claim_slot(baton_session_t *sm, const char *run_id, baton_actions_t *actions);
/** The connection ended: nothing is in flight any more. */
void baton_session_held_offline(baton_session_t *sm);
/** Sends one held report (the session must be joined). */
void baton_session_send_held(baton_session_t *sm, int slot, bool resend, baton_actions_t *actions);
/** Re-sends every held report, oldest first, if the session is joined. */
void baton_session_resend_held(baton_session_t *sm, baton_actions_t *actions);
/** STORE action with the persisted form of a slot. */
void baton_session_persist_held(baton_session_t *sm, int slot, baton_actions_t *actions);
/** Forgets a held report and erases its persisted copy. */
void baton_session_forget_held(baton_session_t *sm, int slot, baton_actions_t *actions);
/** Stops the active job (JOB_CANCEL) with the given event. */
void baton_session_stop_job(baton_session_t *sm, baton_event_t event, baton_actions_t *actions);

/* ---- re-send after RATE_LIMITED (baton_session_resend.c) */
void baton_session_resend_init(baton_session_t *sm);
/** The room said RATE_LIMITED (about `request`): schedules one re-send of the held report after the back-off. */
void baton_session_on_rate_limited(baton_session_t *sm, const char *request, uint64_t now_ms, baton_actions_t *actions);
/** Re-sends the held report once the scheduled re-send is due (call while joined). */
void baton_session_resend_tick(baton_session_t *sm, uint64_t now_ms, baton_actions_t *actions);
/** An `ack` arrived: the next RATE_LIMITED starts from the base back-off. */
void baton_session_resend_on_ack(baton_session_t *sm);
/** The connection ended: the pending re-send is dropped (the next welcome re-sends). */
void baton_session_resend_cancel(baton_session_t *sm);

/* ---- shared helper (baton_str.c) */
/** Copies a NUL-terminated string into a fixed field; false if it does not fit. */
bool baton_copy_str(char *dst, size_t cap, const char *src);

#endif /* BATON_SESSION_INTERNAL_H */
