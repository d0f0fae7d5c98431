/**
 * @file baton_session_held.c
 * @brief The reports the device holds until the room acknowledges them (PROTOCOL §7.3).
 *
 * Nothing-lost rule: a finished run's report is encoded once into a slot's `frame` and
 * persisted with a STORE action under that slot's key, so a reboot does not lose it; it is
 * re-sent after every join (oldest first) until an `ack` with its run id arrives. The room
 * recognises duplicates by run id, so re-sending is always safe.
 *
 * Why several slots (BATON_MAX_HELD_REPORTS): a report may still wait for its ack when the
 * next run ends (a slow or rate-limited room, a reconnect in between); one slot would make
 * the newer report overwrite the older, which the owner then never gets. Why bounded: RAM
 * and NVS are finite. Past the bound the oldest report is given up (RESULT_DROPPED "evicted"):
 * it has been re-sent after every join since, so the room had every chance to take it. A
 * report for a run already held replaces that one in its slot.
 *
 * Slots are fixed (slot i ↔ key baton_held_report_key(i)) and ordered by `seq`, so forgetting
 * one report erases exactly its key and moves nothing else in storage.
 *
 * Persisted layout (little-endian), version 2: "BH", 2, is_failure u8, seq u32, epoch u64,
 * run id length u8 + bytes, frame length u16 + bytes. Version 1 (before several slots: no
 * seq) is still read, as seq 0.
 */
#include <string.h>

#include "baton_session_internal.h"

#define HELD_MAGIC_0 'B'
#define HELD_MAGIC_1 'H'
#define HELD_VERSION 2

_Static_assert(BATON_MAX_HELD_REPORTS >= 1 && BATON_MAX_HELD_REPORTS <= 8, "BATON_MAX_HELD_REPORTS must be 1..8");

/* NVS keys are at most 15 characters; slot 0 keeps the key of the single-slot firmware. */
static const char *const HELD_KEYS[8] = {BATON_KV_KEY_HELD_REPORT, "baton.held1", "baton.held2", "baton.held3",
                                         "baton.held4",            "baton.held5", "baton.held6", "baton.held7"};

const char *baton_held_report_key(size_t slot)
{
    return slot < BATON_MAX_HELD_REPORTS ? HELD_KEYS[slot] : NULL;
}

size_t baton_session_held_count(const baton_session_t *sm)
{
    size_t n = 0;
    for (size_t i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        n += sm->held[i].present ? 1 : 0;
    }
    return n;
}

int baton_held_find(const baton_session_t *sm, const char *run_id)
{
    for (int i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        if (sm->held[i].present && strcmp(sm->held[i].run_id, run_id) == 0) {
            return i;
        }
    }
    return -1;
}

/* The present slot with the lowest seq above `after` (-1: none); walks the slots oldest first. */
static int next_oldest(const baton_session_t *sm, int64_t after, bool in_flight_only)
{
    int best = -1;
    for (int i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        const baton_held_report_t *h = &sm->held[i];
        if (h->present && (int64_t)h->seq > after && (!in_flight_only || h->in_flight) &&
            (best < 0 || h->seq < sm->held[best].seq)) {
            best = i;
        }
    }
    return best;
}

int baton_held_find_oldest(const baton_session_t *sm)
{
    return next_oldest(sm, -1, false);
}

int baton_held_oldest_in_flight(const baton_session_t *sm)
{
    return next_oldest(sm, -1, true);
}

int baton_held_latest_result(const baton_session_t *sm)
{
    int best = -1;
    for (int i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        const baton_held_report_t *h = &sm->held[i];
        if (h->present && !h->is_failure && (best < 0 || h->seq > sm->held[best].seq)) {
            best = i;
        }
    }
    return best;
}

void baton_session_held_offline(baton_session_t *sm)
{
    for (size_t i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        sm->held[i].in_flight = false;
    }
}

/* Sends a copy of a slot's frame (a copy: a later report in the same batch may reuse the slot). */
void baton_session_send_held(baton_session_t *sm, int slot, bool resend, baton_actions_t *actions)
{
    baton_held_report_t *h = &sm->held[slot];
    const uint8_t *copy = baton_act_copy(actions, h->frame, h->frame_len);
    baton_action_t *a = (copy != NULL) ? baton_act_push(actions, BATON_ACTION_WS_SEND) : NULL;
    if (a == NULL) {
        actions->dropped++;
        return; /* still held: the next join re-sends it */
    }
    a->data = copy;
    a->len = h->frame_len;
    h->in_flight = true;
    baton_act_event(actions, h->is_failure ? BATON_EVENT_FAILED_SENT : BATON_EVENT_RESULT_SENT, h->run_id, NULL,
                    resend ? 1 : 0);
}

void baton_session_resend_held(baton_session_t *sm, baton_actions_t *actions)
{
    if (sm->state != BATON_CONN_ONLINE) {
        return;
    }
    /* seq values are unique, so walking "next above the last" visits each slot once, oldest first. */
    for (int slot = next_oldest(sm, -1, false); slot >= 0; slot = next_oldest(sm, sm->held[slot].seq, false)) {
        baton_session_send_held(sm, slot, true, actions);
    }
}

void baton_session_persist_held(baton_session_t *sm, int slot, baton_actions_t *actions)
{
    const baton_held_report_t *h = &sm->held[slot];
    size_t run_len = strlen(h->run_id);
    size_t total = 4 + 4 + 8 + 1 + run_len + 2 + h->frame_len;
    if (total > BATON_ACTION_ARENA_MAX - actions->arena_used) {
        actions->dropped++;
        baton_act_event(actions, BATON_EVENT_PROTOCOL_ERROR, h->run_id, "held report not persisted: arena full", 0);
        return;
    }
    uint8_t *p = actions->arena + actions->arena_used;
    size_t at = 0;
    p[at++] = HELD_MAGIC_0;
    p[at++] = HELD_MAGIC_1;
    p[at++] = HELD_VERSION;
    p[at++] = h->is_failure ? 1 : 0;
    for (int i = 0; i < 4; i++) {
        p[at++] = (uint8_t)(h->seq >> (8 * i));
    }
    for (int i = 0; i < 8; i++) {
        p[at++] = (uint8_t)(h->epoch >> (8 * i));
    }
    p[at++] = (uint8_t)run_len;
    memcpy(p + at, h->run_id, run_len);
    at += run_len;
    p[at++] = (uint8_t)(h->frame_len & 0xff);
    p[at++] = (uint8_t)(h->frame_len >> 8);
    memcpy(p + at, h->frame, h->frame_len);
    at += h->frame_len;

    baton_action_t *a = baton_act_push(actions, BATON_ACTION_STORE);
    if (a == NULL) {
        return;
    }
    actions->arena_used += at;
    a->text = baton_held_report_key((size_t)slot);
    a->data = p;
    a->len = at;
}

baton_status_t baton_session_restore_slot(baton_session_t *sm, size_t slot, const uint8_t *blob, size_t len)
{
    if (sm == NULL || (blob == NULL && len > 0) || slot >= BATON_MAX_HELD_REPORTS) {
        return BATON_ERR_INVALID_ARG;
    }
    /* Validate everything in place first (no 1 KB copy on the stack), then fill the slot. */
    if (len < 4 || blob[0] != HELD_MAGIC_0 || blob[1] != HELD_MAGIC_1 || (blob[2] != 1 && blob[2] != 2) || blob[3] > 1) {
        return BATON_ERR_MALFORMED;
    }
    const bool has_seq = blob[2] == 2;
    size_t at = 4;
    if (len < at + (has_seq ? 4 : 0) + 8 + 1) {
        return BATON_ERR_MALFORMED;
    }
    uint32_t seq = 0;
    if (has_seq) {
        for (int i = 0; i < 4; i++) {
            seq |= (uint32_t)blob[at++] << (8 * i);
        }
    }
    uint64_t epoch = 0;
    for (int i = 0; i < 8; i++) {
        epoch |= (uint64_t)blob[at++] << (8 * i);
    }
    const size_t run_len = blob[at++];
    if (run_len == 0 || run_len > BATON_RUN_ID_MAX || len - at < run_len + 2) {
        return BATON_ERR_MALFORMED;
    }
    const uint8_t *run_id = blob + at;
    at += run_len;
    const size_t frame_len = (size_t)blob[at] | ((size_t)blob[at + 1] << 8);
    at += 2;
    baton_held_report_t *h = &sm->held[slot];
    if (frame_len == 0 || frame_len > sizeof h->frame || len - at != frame_len) {
        return BATON_ERR_MALFORMED;
    }
    /* The frame must still be a well-formed ROOM_DATA report, or re-sending it is pointless. */
    baton_frame_t frame;
    if (baton_frame_parse(blob + at, frame_len, &frame) != BATON_OK || frame.kind != BATON_FRAME_ROOM_DATA) {
        return BATON_ERR_MALFORMED;
    }
    memset(h, 0, sizeof *h);
    h->is_failure = blob[3] == 1;
    h->seq = seq;
    h->epoch = epoch;
    memcpy(h->run_id, run_id, run_len);
    h->run_id[run_len] = '\0';
    memcpy(h->frame, blob + at, frame_len);
    h->frame_len = frame_len;
    h->present = true;
    if (seq >= sm->held_seq) {
        sm->held_seq = seq + 1; /* new reports sort after every restored one */
    }
    return BATON_OK;
}

baton_status_t baton_session_restore(baton_session_t *sm, const uint8_t *blob, size_t len)
{
    return baton_session_restore_slot(sm, 0, blob, len);
}

void baton_session_forget_held(baton_session_t *sm, int slot, baton_actions_t *actions)
{
    memset(&sm->held[slot], 0, sizeof sm->held[slot]);
    baton_action_t *a = baton_act_push(actions, BATON_ACTION_STORE);
    if (a != NULL) {
        a->text = baton_held_report_key((size_t)slot);
        a->len = 0;
    }
}

int baton_held_claim_slot(baton_session_t *sm, const char *run_id, baton_actions_t *actions)
{
    int slot = baton_held_find(sm, run_id);
    if (slot >= 0) {
        return slot; /* a newer report for the same run replaces the older one */
    }
    for (int i = 0; i < BATON_MAX_HELD_REPORTS; i++) {
        if (!sm->held[i].present) {
            return i;
        }
    }
    slot = next_oldest(sm, -1, false);
    baton_act_event(actions, BATON_EVENT_RESULT_DROPPED, sm->held[slot].run_id, "evicted: too many held reports",
                    sm->held[slot].epoch);
    return slot; /* its key is overwritten by the new report's STORE */
}
