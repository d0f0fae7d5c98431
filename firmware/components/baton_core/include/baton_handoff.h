/**
 * @file baton_handoff.h
 * @brief Loss detection for the hand-off of socket events from a socket task to the runner's task.
 *
 * Why: on the ESP32 the WebSocket client raises events in its own task, which queues them in
 * a bounded ring for the main task. The producer cannot wait for ever when the ring is full
 * (it holds the client's lock, so the main task's send and close would wait on it, and
 * destroying the client waits for its task), so an event can be dropped. A silently dropped
 * `start` or `ack` would leave the device and the room disagreeing until something else
 * happened. So every event carries a sequence number, the producer counts what it dropped,
 * and the consumer refuses to go on past a gap: the port then closes the socket and the
 * session reconnects, and the room's `welcome` restates what was lost (the run to resume,
 * the reports still unacknowledged are re-sent). Loss is never silent.
 *
 * One producer and one consumer; each field is written by one side only (noted below). The
 * queue between them must order events and act as a memory barrier (a FreeRTOS ring does).
 */
#ifndef BATON_HANDOFF_H
#define BATON_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct baton_handoff {
    /** Producer only: the sequence number of the next event. */
    uint32_t next_seq;
    /** Producer writes, consumer reads: events that could not be queued. */
    volatile uint32_t dropped;
    /** Consumer only: the sequence number the next delivered event must carry. */
    uint32_t expected_seq;
    /** Consumer only: a gap was seen (stays set until reset). */
    bool lost;
} baton_handoff_t;

/** Starts a new stream (a new socket); call while neither side is running. */
void baton_handoff_reset(baton_handoff_t *h);

/** Producer: the sequence number to put on the next event. */
uint32_t baton_handoff_stamp(baton_handoff_t *h);

/** Producer: the event just stamped could not be queued. */
void baton_handoff_note_drop(baton_handoff_t *h);

/**
 * Consumer: an event carrying `seq` was taken from the queue.
 * @return true if it is the next one in order and may be delivered; false if an event
 *         before it was lost (then it must not be delivered: the stream is broken).
 */
bool baton_handoff_accept(baton_handoff_t *h, uint32_t seq);

/** Consumer: true once any event of this stream was lost (a gap seen, or a drop counted). */
bool baton_handoff_broken(baton_handoff_t *h);

#ifdef __cplusplus
}
#endif

#endif /* BATON_HANDOFF_H */
