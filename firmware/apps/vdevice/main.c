/**
 * @file main.c
 * @brief baton-vdevice: the firmware's portable core + POSIX port + a simulated instrument.
 *
 * Same session code as the ESP32; only the port (libcurl, libwebsockets, a state file)
 * and the instrument (simulated) differ. Built for end-to-end tests and local development:
 *  - stderr: human-readable log;
 *  - stdout: one line per event, `EVENT <name>[ <runId>]`, flushed at once, so a test can
 *    wait for `EVENT joined`, `EVENT start <runId>`, `EVENT result-acked <runId>`, ...;
 *  - SIGTERM/SIGINT: sends LEAVE_ROOM, closes the socket and exits 0 (`EVENT exit`); exit 3
 *    when the session stops by itself (backoff exhausted, secret refused, replaced by another
 *    instance, revoked), 2 on bad flags, 1 on start-up failure.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "baton_posix.h"
#include "baton_posix_ota.h"
#include "baton_protocol.h"
#include "baton_runner.h"
#include "instruments.h"
#include "vdevice_options.h"

/* Loop period while a job runs (progress granularity); otherwise the session's next deadline. */
#define JOB_POLL_MS 20
#define IDLE_POLL_MAX_MS 200

typedef struct vdevice {
    vdevice_options_t options;
    const instrument_t *instrument;
    baton_posix_t posix;
    baton_port_t port;
    baton_runner_t runner;
    uint8_t session_types[1024];
    size_t session_types_len;
    uint8_t telemetry[256];
    size_t telemetry_len;

    /* The simulated job. */
    bool job_active;
    char run_id[BATON_RUN_ID_MAX + 1];
    uint64_t job_started_ms;
    double job_duration_ms;
    instrument_job_t job;
    /* `begin` refused the input: reported as a failure from the loop (hooks may not call the runner). */
    bool job_refused;
    char refusal[128];

    /* The simulated physical reset that precedes `ready` (0 = none pending). */
    uint64_t ready_at_ms;

    /* Over-the-air updates (baton_posix_ota.h): the version `hello` carries lives in `firmware`. */
    baton_posix_ota_t ota;
    char firmware[BATON_OTA_VERSION_MAX + 1];
} vdevice_t;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void print_event(const char *name, const char *run_id)
{
    if (run_id != NULL && run_id[0] != '\0') {
        printf("EVENT %s %s\n", name, run_id);
    } else {
        printf("EVENT %s\n", name);
    }
    fflush(stdout);
}

static uint64_t now_ms(vdevice_t *v)
{
    return v->port.now_ms(v->port.ctx);
}

static void schedule_ready(vdevice_t *v)
{
    v->ready_at_ms = now_ms(v) + (uint64_t)(v->options.ready_delay_ms / v->options.speed) + 1;
}

/* ------------------------------------------------------------------ runner hooks */

static uint32_t hash_run_id(const char *run_id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = run_id; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 16777619u;
    }
    return h;
}

static void job_start(void *ctx, const char *run_id, const char *session_type, const uint8_t *input, size_t input_len,
                      uint64_t budget_ms)
{
    vdevice_t *v = ctx;
    (void)session_type;
    (void)budget_ms;
    memset(&v->job, 0, sizeof v->job);
    snprintf(v->run_id, sizeof v->run_id, "%s", run_id);
    v->job.seed = hash_run_id(run_id);
    v->job_active = true;
    v->job_started_ms = now_ms(v);
    v->job_duration_ms = v->instrument->duration_ms / v->options.speed;
    v->ready_at_ms = 0;
    baton_mp_reader_t reader;
    baton_mp_reader_init(&reader, input, input_len);
    v->job_refused = !v->instrument->begin(&v->job, &reader, v->refusal, sizeof v->refusal);
}

static void job_cancel(void *ctx, const char *run_id)
{
    vdevice_t *v = ctx;
    if (v->job_active && strcmp(v->run_id, run_id) == 0) {
        v->job_active = false;
        schedule_ready(v);
    }
}

static void on_event(void *ctx, baton_event_t event, const char *run_id, const char *text, uint64_t number)
{
    vdevice_t *v = ctx;
    (void)text;
    (void)number;
    print_event(baton_event_name(event), run_id);
    if (event == BATON_EVENT_RESULT_ACKED) {
        schedule_ready(v); /* the user took the result: reset the instrument for the next one */
    }
    if (event == BATON_EVENT_JOINED) {
        baton_posix_ota_server_reached(&v->ota); /* confirms a version on probation */
    }
}

static void update_offer(void *ctx, const uint8_t *offer, size_t len)
{
    vdevice_t *v = ctx;
    baton_posix_ota_offer(&v->ota, offer, len); /* says what it did through ota_event */
}

/* `EVENT ota-<name> <version>` on stdout, the detail on stderr. */
static void ota_event(void *ctx, const char *name, const char *version, const char *detail)
{
    vdevice_t *v = ctx;
    char line[512];
    snprintf(line, sizeof line, "update: %s %s%s%s", name, version, detail[0] ? ": " : "", detail);
    baton_posix_log(&v->posix, strcmp(name, "rejected") == 0 || strcmp(name, "rolled-back") == 0 ? BATON_LOG_WARN : BATON_LOG_INFO, line);
    char event[48];
    snprintf(event, sizeof event, "ota-%s", name);
    print_event(event, version);
}

/* A switch or a rollback is a reboot: leave, and join again with the version that runs now. */
static void poll_ota(vdevice_t *v)
{
    const bool idle = !v->job_active && v->runner.session.job.active == false;
    if (baton_posix_ota_poll(&v->ota, now_ms(v), idle) != BATON_POSIX_OTA_RESTART) {
        return;
    }
    baton_runner_leave(&v->runner);
    for (int i = 0; i < 5; i++) {
        baton_posix_service(&v->posix, 10); /* flush LEAVE_ROOM and the close */
    }
    snprintf(v->firmware, sizeof v->firmware, "%s", baton_posix_ota_version(&v->ota));
    print_event("restarting", v->firmware);
    baton_runner_start(&v->runner);
}

/* ------------------------------------------------------------------ loop */

static void poll_job(vdevice_t *v)
{
    if (!v->job_active) {
        return;
    }
    if (v->job_refused) {
        v->job_active = false;
        baton_runner_job_failed(&v->runner, v->run_id, BATON_ERROR_CODE_INVALID_INPUT, v->refusal);
        schedule_ready(v);
        return;
    }
    double fraction = (double)(now_ms(v) - v->job_started_ms) / (v->job_duration_ms > 0 ? v->job_duration_ms : 1);
    v->job.elapsed_ms = (uint64_t)((double)(now_ms(v) - v->job_started_ms) * v->options.speed);
    double progress = 0;
    char message[160] = "";
    uint8_t output[512];
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, output, sizeof output);
    const instrument_step_t step = v->instrument->poll(&v->job, fraction > 1.0 ? 1.0 : fraction, &progress, message, sizeof message, &w);
    if (v->job.telemetry_due) {
        v->job.telemetry_due = false; /* beside the run: dropped while offline, never held */
        (void)baton_runner_telemetry_number(&v->runner, v->job.telemetry_channel, v->job.telemetry_value);
    }
    switch (step) {
    case STEP_WORKING:
        break;
    case STEP_PROGRESS:
        baton_runner_job_progress(&v->runner, v->run_id, progress, message);
        printf("EVENT progress %s %.2f\n", v->run_id, progress);
        fflush(stdout);
        break;
    case STEP_DONE:
        v->job_active = false;
        if (w.status != BATON_OK) {
            baton_runner_job_failed(&v->runner, v->run_id, BATON_ERROR_CODE_DEVICE_FAILED, "output too large");
        } else {
            baton_runner_job_result(&v->runner, v->run_id, output, w.len);
        }
        print_event("job-done", v->run_id);
        break;
    case STEP_FAILED:
        v->job_active = false;
        baton_runner_job_failed(&v->runner, v->run_id,
                                v->job.failure_code != NULL ? v->job.failure_code : BATON_ERROR_CODE_DEVICE_FAILED, message);
        print_event("job-failed", v->run_id);
        schedule_ready(v);
        break;
    }
}

static void poll_ready(vdevice_t *v)
{
    if (v->ready_at_ms == 0 || v->job_active || now_ms(v) < v->ready_at_ms) {
        return;
    }
    if (baton_runner_device_ready(&v->runner) == BATON_OK) {
        v->ready_at_ms = 0;
        print_event("ready", NULL);
    }
    /* Offline: keep it pending; it goes out once joined again. */
}

int main(int argc, char **argv)
{
    static vdevice_t v; /* static: the runner and port buffers are a few tens of KB */
    if (!vdevice_options_parse(&v.options, argc, argv)) {
        return 2;
    }
    v.instrument = instrument_find(v.options.instrument);
    instrument_scale_configure(&v.options.scale);
    v.posix.log_level = v.options.verbose ? BATON_LOG_DEBUG : BATON_LOG_INFO;
    snprintf(v.posix.log_tag, sizeof v.posix.log_tag, "%s", v.options.device_id);

    baton_mp_writer_t w;
    baton_mp_writer_init(&w, v.session_types, sizeof v.session_types);
    v.instrument->declare(&w);
    v.session_types_len = w.len;
    if (v.instrument->declare_telemetry != NULL) {
        baton_mp_writer_init(&w, v.telemetry, sizeof v.telemetry);
        v.instrument->declare_telemetry(&w);
        v.telemetry_len = w.status == BATON_OK ? w.len : 0;
    }

    if (baton_posix_init(&v.posix, v.options.state_file, &v.port) != BATON_OK) {
        fprintf(stderr, "baton-vdevice: could not initialise libwebsockets\n");
        return 1;
    }
    v.ota.on_event = ota_event;
    v.ota.event_ctx = &v;
    baton_posix_ota_init(&v.ota, v.options.ota_dir, v.options.firmware, v.port.now_ms(v.port.ctx), v.options.ota_confirm_ms);
    snprintf(v.firmware, sizeof v.firmware, "%s", baton_posix_ota_version(&v.ota));
    baton_session_config_t config = {
        .server_url = v.options.url,
        .device_id = v.options.device_id,
        .firmware = v.firmware, /* the session keeps this pointer: a switch rewrites the buffer */
        .session_types = v.session_types,
        .session_types_len = v.session_types_len,
        .telemetry = v.telemetry_len > 0 ? v.telemetry : NULL,
        .telemetry_len = v.telemetry_len,
        .heartbeat_interval_ms = v.options.heartbeat_ms,
        .backoff = {.initial_delay_ms = 250, .max_delay_ms = v.options.max_delay_ms, .max_attempts = v.options.max_attempts},
    };
    baton_app_t app = {.ctx = &v, .job_start = job_start, .job_cancel = job_cancel, .on_event = on_event, .update_offer = update_offer};
    baton_status_t st = baton_runner_init(&v.runner, &v.port, &app, &config, v.options.secret);
    if (st != BATON_OK) {
        fprintf(stderr, "baton-vdevice: bad configuration (%s): check --url and --device-id\n", baton_status_str(st));
        baton_posix_deinit(&v.posix);
        return 2;
    }
    baton_posix_attach(&v.posix, &v.runner);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char line[256];
    snprintf(line, sizeof line, "starting: firmware=%s instrument=%s session type=%s server=%s speed=%.2f state=%s",
             v.firmware, v.instrument->name, v.instrument->session_type, v.options.url, v.options.speed,
             v.options.state_file[0] ? v.options.state_file : "(memory)");
    baton_posix_log(&v.posix, BATON_LOG_INFO, line);
    print_event("started", NULL);
    baton_runner_start(&v.runner);

    int exit_code = 0;
    while (!stop_requested) {
        uint32_t wait = baton_runner_idle_ms(&v.runner, IDLE_POLL_MAX_MS);
        if (v.job_active || v.ready_at_ms != 0) {
            wait = wait < JOB_POLL_MS ? wait : JOB_POLL_MS;
        }
        baton_posix_service(&v.posix, (int)wait);
        poll_job(&v);
        poll_ready(&v);
        poll_ota(&v);
        baton_runner_tick(&v.runner);
        if (v.runner.session.state == BATON_CONN_STOPPED) {
            exit_code = 3;
            break;
        }
    }

    /* Leave politely (LEAVE_ROOM, then close) so the room marks the device offline at once;
     * a few loops flush the frames. A held result stays in the state file. */
    if (exit_code == 0) {
        baton_runner_leave(&v.runner);
    }
    for (int i = 0; i < 5; i++) {
        baton_posix_service(&v.posix, 10);
    }
    baton_posix_deinit(&v.posix);
    print_event("exit", NULL);
    return exit_code;
}
