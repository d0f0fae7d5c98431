/**
 * @file fuzz_session.c
 * @brief libFuzzer target: a joined session fed any sequence of server messages.
 *
 * The input is split into messages by 2-byte little-endian length prefixes; between
 * messages time advances by 1 s, so timers (heartbeat, re-send, job budget) run too. A
 * firmware offer the session hands over (`update`, `welcome.update`) goes through the OTA
 * offer parser, as the application would pass it.
 * Built and run by scripts/firmware-fuzz.sh (clang).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "baton_frame.h"
#include "baton_msgpack.h"
#include "baton_ota.h"
#include "baton_protocol.h"
#include "baton_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t no_random(void *ctx)
{
    (void)ctx;
    return 0;
}

static baton_session_t sm;
static baton_actions_t actions;

static size_t declare(uint8_t *buf, size_t cap)
{
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, cap);
    baton_mp_write_array(&w, 1);
    baton_mp_write_map(&w, 3);
    baton_mp_write_cstr(&w, "name");
    baton_mp_write_cstr(&w, "weighing");
    baton_mp_write_cstr(&w, "inputSchema");
    baton_mp_write_map(&w, 0);
    baton_mp_write_cstr(&w, "maxDurationMs");
    baton_mp_write_uint(&w, 30000);
    return w.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t types[128];
    const size_t types_len = declare(types, sizeof types);
    const baton_session_config_t config = {
        .server_url = "http://127.0.0.1:2567",
        .device_id = "fuzz-1",
        .session_types = types,
        .session_types_len = types_len,
        .random = no_random,
    };
    if (baton_session_init(&sm, &config) != BATON_OK) {
        return 0;
    }
    static const char seat[] = "{\"name\":\"device\",\"sessionId\":\"s\",\"roomId\":\"r\",\"processId\":\"p\"}";
    static const uint8_t join[] = {BATON_COLYSEUS_JOIN_ROOM, 1, 't', 6, 's', 'c', 'h', 'e', 'm', 'a'};
    uint64_t now = 1000;
    baton_actions_reset(&actions);
    baton_session_start(&sm, now, &actions);
    baton_actions_reset(&actions);
    baton_session_on_matchmake_response(&sm, 200, seat, sizeof seat - 1, now, &actions);
    baton_actions_reset(&actions);
    baton_session_on_ws_open(&sm, now, &actions);
    baton_actions_reset(&actions);
    baton_session_on_frame(&sm, join, sizeof join, now, &actions);

    size_t at = 0;
    while (size - at >= 2) {
        size_t n = (size_t)data[at] | ((size_t)data[at + 1] << 8);
        at += 2;
        if (n > size - at) {
            n = size - at;
        }
        baton_actions_reset(&actions);
        baton_session_on_frame(&sm, data + at, n, now, &actions);
        for (size_t i = 0; i < actions.count; i++) {
            if (actions.items[i].type == BATON_ACTION_UPDATE_OFFER) {
                baton_ota_offer_t offer;
                (void)baton_ota_parse_offer_msgpack(actions.items[i].data, actions.items[i].len, &offer);
            }
        }
        at += n;
        now += 1000;
        baton_actions_reset(&actions);
        baton_session_on_tick(&sm, now, &actions);
        if (sm.job.active) { /* finish jobs sometimes, so reports are held and re-sent */
            static const uint8_t output[] = {0x80};
            baton_actions_reset(&actions);
            (void)baton_session_job_result(&sm, sm.job.run_id, output, sizeof output, now, &actions);
        }
    }
    return 0;
}
