/**
 * @file vdevice_options.h
 * @brief Command-line flags and environment variables of baton-vdevice, read in one place.
 */
#ifndef VDEVICE_OPTIONS_H
#define VDEVICE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "instruments.h"

typedef struct vdevice_options {
    const char *url;          /* --url, BATON_URL (default http://127.0.0.1:2567) */
    const char *device_id;    /* --device-id, BATON_DEVICE_ID (default "<instrument>-1") */
    const char *secret;       /* --secret, BATON_DEVICE_SECRET (required) */
    const char *instrument;   /* --instrument, BATON_INSTRUMENT: scale|printer|lab (default scale) */
    double speed;             /* --speed, BATON_SPEED: simulated time factor (default 1) */
    const char *state_file;   /* --state-file, BATON_STATE_FILE ("" = memory only) */
    uint32_t heartbeat_ms;    /* --heartbeat-ms (default 5000) */
    uint32_t max_attempts;    /* --max-attempts: reconnect attempts before exiting 3 (default 10; 0 = for ever) */
    uint32_t max_delay_ms;    /* --max-delay-ms: longest reconnect delay (default 10000) */
    uint32_t ready_delay_ms;  /* --ready-delay-ms: simulated physical reset before `ready` (default 500, scaled) */
    scale_options_t scale;    /* --scale-min-load-g (2000), --scale-step-on-ms (0; "never"), --scale-wait-ms (20000) */
    const char *ota_dir;      /* --ota-dir DIR: takes firmware updates, image and boot record kept there ("" = none) */
    uint32_t ota_confirm_ms;  /* --ota-confirm-ms: a new version must reach the server within this (default 60000) */
    const char *firmware;     /* --firmware VERSION: the built-in version (default baton-vdevice/0.1.0) */
    bool verbose;             /* --verbose: debug logs */
} vdevice_options_t;

/** Parses argv and the environment. Prints usage and returns false on bad input. */
bool vdevice_options_parse(vdevice_options_t *options, int argc, char **argv);

#endif /* VDEVICE_OPTIONS_H */
