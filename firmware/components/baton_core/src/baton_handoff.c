/**
 * @file baton_handoff.c
 * @brief Sequence numbers and a drop count: a lost socket event is always noticed.
 */
#include "baton_handoff.h"

void baton_handoff_reset(baton_handoff_t *h)
{
    h->next_seq = 0;
    h->dropped = 0;
    h->expected_seq = 0;
    h->lost = false;
}

uint32_t baton_handoff_stamp(baton_handoff_t *h)
{
    return h->next_seq++; /* wraps after 2^32 events; the comparison below is for equality only */
}

void baton_handoff_note_drop(baton_handoff_t *h)
{
    h->dropped = h->dropped + 1;
}

bool baton_handoff_accept(baton_handoff_t *h, uint32_t seq)
{
    if (h->lost || seq != h->expected_seq) {
        h->lost = true;
        return false;
    }
    h->expected_seq = seq + 1;
    return true;
}

bool baton_handoff_broken(baton_handoff_t *h)
{
    /* A drop with nothing queued after it leaves no gap to see: the count tells. */
    if (h->dropped != 0) {
        h->lost = true;
    }
    return h->lost;
}
