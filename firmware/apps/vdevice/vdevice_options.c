/**
 * @file vdevice_options.c
 * @brief Flag and environment parsing for baton-vdevice (flags win over the environment).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instruments.h"
#include "vdevice_options.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: baton-vdevice [options]\n"
            "  --url URL            Baton server (env BATON_URL; default http://127.0.0.1:2567)\n"
            "  --device-id ID       device id, [A-Za-z0-9_-] (env BATON_DEVICE_ID; default <instrument>-1)\n"
            "  --secret SECRET      device secret (env BATON_DEVICE_SECRET; required)\n"
            "  --instrument NAME    scale | printer | lab (env BATON_INSTRUMENT; default scale)\n"
            "  --speed FACTOR       simulated time runs FACTOR times faster (env BATON_SPEED; default 1)\n"
            "  --state-file PATH    keeps the unacknowledged result across restarts (env BATON_STATE_FILE)\n"
            "  --heartbeat-ms MS    heartbeat interval (default 5000)\n"
            "  --max-attempts N     give up (exit 3) after N failed reconnects; 0 = never (default 10)\n"
            "  --max-delay-ms MS    longest reconnect delay (default 10000)\n"
            "  --ready-delay-ms MS  simulated physical reset before `ready` (default 500, scaled by speed)\n"
            "  --scale-min-load-g G   scale: a weighing needs a stable load of at least G grams (default 2000)\n"
            "  --scale-step-on-ms MS  scale: the simulated person steps on MS after the start (default 0;\n"
            "                         `never`: an empty platform, the run fails with NOTHING_TO_MEASURE)\n"
            "  --scale-wait-ms MS     scale: how long a weighing waits for a stable load (default 20000)\n"
            "                         (both in simulated time: divided by --speed)\n"
            "  --firmware VERSION   the version this binary reports when no update is installed\n"
            "                       (default baton-vdevice/0.1.0; 1-31 printable characters, no space)\n"
            "  --ota-dir DIR        take firmware updates: the image and the boot record live in DIR\n"
            "  --ota-confirm-ms MS  an updated version must reach the server within MS, else it rolls\n"
            "                       back (default 60000)\n"
            "  --verbose            debug logging on stderr\n"
            "stdout carries one line per event: EVENT <name>[ <runId>]\n");
}

static bool parse_u32(const char *text, uint32_t *out)
{
    char *end = NULL;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end != '\0' || v > UINT32_MAX) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : fallback;
}

bool vdevice_options_parse(vdevice_options_t *o, int argc, char **argv)
{
    static char default_id[64];
    memset(o, 0, sizeof *o);
    o->url = env_or("BATON_URL", "http://127.0.0.1:2567");
    o->device_id = env_or("BATON_DEVICE_ID", NULL);
    o->secret = env_or("BATON_DEVICE_SECRET", NULL);
    o->instrument = env_or("BATON_INSTRUMENT", "scale");
    o->state_file = env_or("BATON_STATE_FILE", "");
    o->speed = atof(env_or("BATON_SPEED", "1"));
    o->heartbeat_ms = 5000;
    o->max_delay_ms = 10000;
    o->max_attempts = 10; /* the same bounds as the TypeScript simulator (docs/PROTOCOL.md §7.6) */
    o->ready_delay_ms = 500;
    o->scale = (scale_options_t){.min_load_grams = 2000, .step_on_ms = 0, .wait_ms = 20000};
    uint32_t step_on_ms = 0;
    o->ota_dir = "";
    o->ota_confirm_ms = 60000;
    o->firmware = "baton-vdevice/0.1.0";

    enum { OPT_URL = 1, OPT_ID, OPT_SECRET, OPT_INSTRUMENT, OPT_SPEED, OPT_STATE, OPT_HEARTBEAT, OPT_ATTEMPTS, OPT_DELAY,
           OPT_READY, OPT_SCALE_MIN, OPT_SCALE_STEP_ON, OPT_SCALE_WAIT, OPT_VERBOSE, OPT_HELP, OPT_FIRMWARE, OPT_OTA_DIR, OPT_OTA_CONFIRM };
    static const struct option long_options[] = {
        {"url", required_argument, NULL, OPT_URL},
        {"device-id", required_argument, NULL, OPT_ID},
        {"secret", required_argument, NULL, OPT_SECRET},
        {"instrument", required_argument, NULL, OPT_INSTRUMENT},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"state-file", required_argument, NULL, OPT_STATE},
        {"heartbeat-ms", required_argument, NULL, OPT_HEARTBEAT},
        {"max-attempts", required_argument, NULL, OPT_ATTEMPTS},
        {"max-delay-ms", required_argument, NULL, OPT_DELAY},
        {"ready-delay-ms", required_argument, NULL, OPT_READY},
        {"scale-min-load-g", required_argument, NULL, OPT_SCALE_MIN},
        {"scale-step-on-ms", required_argument, NULL, OPT_SCALE_STEP_ON},
        {"scale-wait-ms", required_argument, NULL, OPT_SCALE_WAIT},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"firmware", required_argument, NULL, OPT_FIRMWARE},
        {"ota-dir", required_argument, NULL, OPT_OTA_DIR},
        {"ota-confirm-ms", required_argument, NULL, OPT_OTA_CONFIRM},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int c;
    bool ok = true;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_URL: o->url = optarg; break;
        case OPT_ID: o->device_id = optarg; break;
        case OPT_SECRET: o->secret = optarg; break;
        case OPT_INSTRUMENT: o->instrument = optarg; break;
        case OPT_SPEED: o->speed = atof(optarg); break;
        case OPT_STATE: o->state_file = optarg; break;
        case OPT_HEARTBEAT: ok = ok && parse_u32(optarg, &o->heartbeat_ms); break;
        case OPT_ATTEMPTS: ok = ok && parse_u32(optarg, &o->max_attempts); break;
        case OPT_DELAY: ok = ok && parse_u32(optarg, &o->max_delay_ms); break;
        case OPT_READY: ok = ok && parse_u32(optarg, &o->ready_delay_ms); break;
        case OPT_SCALE_MIN: ok = ok && parse_u32(optarg, &o->scale.min_load_grams); break;
        case OPT_SCALE_STEP_ON:
            if (strcmp(optarg, "never") == 0) {
                o->scale.step_on_ms = -1;
            } else {
                ok = ok && parse_u32(optarg, &step_on_ms);
                o->scale.step_on_ms = step_on_ms;
            }
            break;
        case OPT_SCALE_WAIT: ok = ok && parse_u32(optarg, &o->scale.wait_ms); break;
        case OPT_VERBOSE: o->verbose = true; break;
        case OPT_FIRMWARE: o->firmware = optarg; break;
        case OPT_OTA_DIR: o->ota_dir = optarg; break;
        case OPT_OTA_CONFIRM: ok = ok && parse_u32(optarg, &o->ota_confirm_ms); break;
        case OPT_HELP: usage(stdout); exit(0);
        default: ok = false; break;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "baton-vdevice: unexpected argument '%s'\n", argv[optind]);
        ok = false;
    }
    if (instrument_find(o->instrument) == NULL) {
        fprintf(stderr, "baton-vdevice: unknown instrument '%s' (scale, printer, lab)\n", o->instrument);
        ok = false;
    }
    if (!(o->speed > 0.0)) {
        fprintf(stderr, "baton-vdevice: --speed must be a positive number\n");
        ok = false;
    }
    /* The ESP32 Kconfig bounds (BATON_SCALE_MIN_LOAD_GRAMS; BATON_SCALE_WAIT_MS at most 25 s, shorter here for tests). */
    if (o->scale.min_load_grams < 100 || o->scale.min_load_grams > 200000 || o->scale.wait_ms < 1 || o->scale.wait_ms > 25000) {
        fprintf(stderr, "baton-vdevice: --scale-min-load-g must be 100..200000 and --scale-wait-ms 1..25000\n");
        ok = false;
    }
    const size_t firmware_len = strlen(o->firmware);
    bool firmware_ok = firmware_len >= 1 && firmware_len <= 31;
    for (size_t i = 0; i < firmware_len; i++) {
        firmware_ok = firmware_ok && o->firmware[i] > 0x20 && o->firmware[i] < 0x7f;
    }
    if (!firmware_ok) {
        fprintf(stderr, "baton-vdevice: --firmware must be 1-31 printable characters without spaces\n");
        ok = false;
    }
    if (o->secret == NULL) {
        fprintf(stderr, "baton-vdevice: a device secret is required (--secret or BATON_DEVICE_SECRET)\n");
        ok = false;
    }
    if (o->device_id == NULL) {
        snprintf(default_id, sizeof default_id, "%s-1", o->instrument);
        o->device_id = default_id;
    }
    if (!ok) {
        usage(stderr);
    }
    return ok;
}
