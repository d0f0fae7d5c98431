/**
 * @file test_handoff.c
 * @brief No lost ring event: the socket-task → main-task hand-off never loses an event silently.
 *
 * A bounded FIFO stands for the ESP port's ring buffer (espidf_ws.c post() / espidf_port.c
 * baton_espidf_service()). The producer drops when it is full, as the port does after its
 * short wait; the consumer stalls for a while, as the main task does in a 2 s send. The
 * property: what the consumer delivers is exactly the produced events, in order, up to the
 * first loss; and whenever anything was not delivered, the consumer knows (and the port then
 * reconnects, which makes the room restate its state in `welcome`).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "baton_handoff.h"

#define RING_CAP 2
#define MAX_EVENTS 64

typedef struct {
    uint32_t seq[RING_CAP];
    uint32_t payload[RING_CAP];
    size_t head, count;
} ring_t;

typedef struct {
    baton_handoff_t h;
    ring_t ring;
    uint32_t produced; /* payloads 0..produced-1 were offered */
    uint32_t delivered[MAX_EVENTS];
    size_t delivered_count;
    bool broken;
} model_t;

static void produce(model_t *m)
{
    const uint32_t seq = baton_handoff_stamp(&m->h);
    const uint32_t payload = m->produced++;
    if (m->ring.count == RING_CAP) {
        baton_handoff_note_drop(&m->h); /* xRingbufferSendAcquire timed out */
        return;
    }
    const size_t tail = (m->ring.head + m->ring.count) % RING_CAP;
    m->ring.seq[tail] = seq;
    m->ring.payload[tail] = payload;
    m->ring.count++;
}

/* One pass of the consumer: take one event (if any), deliver it if the stream is whole. */
static void consume_one(model_t *m)
{
    if (m->broken) {
        return; /* the port has closed the socket: nothing more of this stream is delivered */
    }
    if (m->ring.count == 0) {
        m->broken = baton_handoff_broken(&m->h);
        return;
    }
    const uint32_t seq = m->ring.seq[m->ring.head];
    const uint32_t payload = m->ring.payload[m->ring.head];
    m->ring.head = (m->ring.head + 1) % RING_CAP;
    m->ring.count--;
    if (!baton_handoff_accept(&m->h, seq) || baton_handoff_broken(&m->h)) {
        m->broken = true;
        return;
    }
    m->delivered[m->delivered_count++] = payload;
}

static void model_init(model_t *m)
{
    *m = (model_t){0};
    baton_handoff_reset(&m->h);
}

static void in_order_events_are_all_delivered(void **state)
{
    (void)state;
    model_t m;
    model_init(&m);
    for (int i = 0; i < 10; i++) {
        produce(&m);
        consume_one(&m);
    }
    consume_one(&m);
    assert_false(m.broken);
    assert_int_equal(m.delivered_count, 10);
    for (uint32_t i = 0; i < 10; i++) {
        assert_int_equal(m.delivered[i], i);
    }
}

/* The review's case: the main task blocks in a send while the room sends start + ack + more. */
static void overflow_while_the_consumer_blocks_is_detected(void **state)
{
    (void)state;
    model_t m;
    model_init(&m);
    for (int i = 0; i < 4; i++) {
        produce(&m); /* 2 fit, 2 are dropped */
    }
    for (int i = 0; i < 4; i++) {
        consume_one(&m);
    }
    assert_true(m.broken);
    assert_true(m.delivered_count < 4);
}

/* A gap followed by an event that did fit: the later event must not be delivered out of order. */
static void an_event_after_a_gap_is_refused(void **state)
{
    (void)state;
    baton_handoff_t h;
    baton_handoff_reset(&h);
    const uint32_t first = baton_handoff_stamp(&h);
    (void)baton_handoff_stamp(&h); /* stamped, then lost without the producer noticing */
    const uint32_t third = baton_handoff_stamp(&h);
    assert_true(baton_handoff_accept(&h, first));
    assert_false(baton_handoff_accept(&h, third));
    assert_true(baton_handoff_broken(&h));
}

/* The last event was dropped: no later event shows the gap, the drop count does. */
static void a_trailing_drop_is_detected_when_idle(void **state)
{
    (void)state;
    baton_handoff_t h;
    baton_handoff_reset(&h);
    assert_true(baton_handoff_accept(&h, baton_handoff_stamp(&h)));
    assert_false(baton_handoff_broken(&h));
    (void)baton_handoff_stamp(&h);
    baton_handoff_note_drop(&h);
    assert_true(baton_handoff_broken(&h));
}

static void a_new_socket_starts_a_whole_stream(void **state)
{
    (void)state;
    baton_handoff_t h;
    baton_handoff_reset(&h);
    (void)baton_handoff_stamp(&h);
    baton_handoff_note_drop(&h);
    assert_true(baton_handoff_broken(&h));
    baton_handoff_reset(&h);
    assert_false(baton_handoff_broken(&h));
    assert_true(baton_handoff_accept(&h, baton_handoff_stamp(&h)));
}

/* Random interleavings: never a silent loss, never a reorder or duplicate. */
static void no_lost_ring_event_in_random_interleavings(void **state)
{
    (void)state;
    srand(20240610);
    for (int round = 0; round < 5000; round++) {
        model_t m;
        model_init(&m);
        const int events = 1 + rand() % 40;
        while (m.produced < (uint32_t)events) {
            /* Bursts from the socket task, stalls of the main task. */
            if (rand() % 3 != 0) {
                produce(&m);
            } else {
                consume_one(&m);
            }
        }
        for (int i = 0; i < RING_CAP + 1; i++) {
            consume_one(&m); /* the main task catches up and then idles */
        }
        for (size_t i = 0; i < m.delivered_count; i++) {
            assert_int_equal(m.delivered[i], i); /* a prefix, in order, no duplicate */
        }
        if (m.delivered_count < m.produced) {
            assert_true(m.broken); /* something was not delivered: the consumer knows */
        } else {
            assert_false(m.broken);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_events_are_all_delivered),
        cmocka_unit_test(overflow_while_the_consumer_blocks_is_detected),
        cmocka_unit_test(an_event_after_a_gap_is_refused),
        cmocka_unit_test(a_trailing_drop_is_detected_when_idle),
        cmocka_unit_test(a_new_socket_starts_a_whole_stream),
        cmocka_unit_test(no_lost_ring_event_in_random_interleavings),
    };
    return cmocka_run_group_tests_name("handoff", tests, NULL, NULL);
}
