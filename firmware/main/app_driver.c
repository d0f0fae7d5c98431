/**
 * @file app_driver.c
 * @brief The instrument: an HX711 load-cell scale behind a small interface; printer and lab STUBS.
 *
 * The scale samples the HX711 once per poll while a run is active (one conversion takes
 * ~100 ms at 10 SPS), so the main loop never blocks for a whole measurement and keeps
 * servicing the socket. When a run is done is decided by the portable baton_scale_settle
 * (components/baton_scale, unit-tested on the host): a stable load of at least
 * CONFIG_BATON_SCALE_MIN_LOAD_GRAMS, or a failure after CONFIG_BATON_SCALE_WAIT_MS
 * (NOTHING_TO_MEASURE when nobody stepped on). A missing HX711 or an invalid pin is an
 * instrument fault: runs fail with INSTRUMENT_FAULT and the device stays connected.
 */
#include <stdio.h>
#include <string.h>

#include "driver/gpio.h"
#include "esp_log.h"
#include "esp_rom_sys.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"

#include "app_priv.h"
#include "baton_loop.h"
#include "baton_msgpack.h"
#include "baton_pins.h"
#include "baton_protocol.h"
#include "baton_scale_output.h"
#include "baton_scale_settle.h"

static const char *TAG = "app_driver";

/* ------------------------------------------------------------------ load cell interface */

/** A load cell: raw signed readings. The HX711 is one implementation; tests or boards may add others. */
typedef struct load_cell {
    /** True when a new conversion can be read without waiting. */
    bool (*ready)(void);
    /** Reads one 24-bit two's complement conversion. */
    esp_err_t (*read_raw)(int32_t *out);
} load_cell_t;

#if CONFIG_BATON_INSTRUMENT_SCALE

#define STABLE_GRAMS 200
/* At 10 SPS a conversion is ready every 100 ms; none for this long means the HX711 is gone. */
#define NO_CONVERSION_FAULT_US (1000 * 1000)
#define HX711_DOUT ((gpio_num_t)CONFIG_BATON_HX711_DOUT_GPIO)
#define HX711_SCK ((gpio_num_t)CONFIG_BATON_HX711_SCK_GPIO)

/* Bit-banging must not be interrupted: SCK high for more than 60 µs powers the HX711 down. */
static portMUX_TYPE s_hx711_lock = portMUX_INITIALIZER_UNLOCKED;

static bool hx711_ready(void)
{
    return gpio_get_level(HX711_DOUT) == 0; /* DOUT goes low when a conversion is ready */
}

static esp_err_t hx711_read_raw(int32_t *out)
{
    if (!hx711_ready()) {
        return ESP_ERR_NOT_FINISHED;
    }
    uint32_t value = 0;
    portENTER_CRITICAL(&s_hx711_lock);
    for (int i = 0; i < 24; i++) {
        gpio_set_level(HX711_SCK, 1);
        esp_rom_delay_us(1);
        value = (value << 1) | (uint32_t)gpio_get_level(HX711_DOUT);
        gpio_set_level(HX711_SCK, 0);
        esp_rom_delay_us(1);
    }
    /* A 25th pulse selects channel A, gain 128, for the next conversion. */
    gpio_set_level(HX711_SCK, 1);
    esp_rom_delay_us(1);
    gpio_set_level(HX711_SCK, 0);
    portEXIT_CRITICAL(&s_hx711_lock);
    *out = (int32_t)(value << 8) >> 8; /* sign-extend 24 → 32 bits */
    return ESP_OK;
}

static const load_cell_t s_hx711 = {hx711_ready, hx711_read_raw};
static const load_cell_t *s_cell = &s_hx711;
static int32_t s_tare;

/* Grams from a raw reading. */
static int32_t grams(int32_t raw)
{
    return (raw - s_tare) / CONFIG_BATON_LOADCELL_COUNTS_PER_GRAM;
}

/* Averages n readings, waiting for each (only at init). */
static esp_err_t average_raw(int n, int32_t *out)
{
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        int64_t deadline = esp_timer_get_time() + 500000;
        int32_t raw;
        while (s_cell->read_raw(&raw) != ESP_OK) {
            if (esp_timer_get_time() > deadline) {
                return ESP_ERR_TIMEOUT;
            }
            /* At least one tick: pdMS_TO_TICKS(5) is 0 at 100 Hz, which made this a ~1 s busy loop. */
            vTaskDelay((TickType_t)baton_wait_ticks(5, configTICK_RATE_HZ, portMAX_DELAY - 1u));
        }
        sum += raw;
    }
    *out = (int32_t)(sum / n);
    return ESP_OK;
}

static const baton_scale_settle_config_t s_settle_config = {
    .min_load_grams = CONFIG_BATON_SCALE_MIN_LOAD_GRAMS,
    .stable_grams = STABLE_GRAMS,
    .timeout_ms = CONFIG_BATON_SCALE_WAIT_MS,
};

#if CONFIG_IDF_TARGET_ESP32
#define PIN_CHIP BATON_CHIP_ESP32
#elif CONFIG_IDF_TARGET_ESP32C3
#define PIN_CHIP BATON_CHIP_ESP32C3
#else
#define PIN_CHIP BATON_CHIP_OTHER
#endif

/* The per-chip table (strapping, flash, USB, console pins: baton_pins.c, unit-tested on the
 * host) decides first and writes the sentence; the GPIO driver's own masks second. */
static bool pins_usable(char *why, size_t why_cap)
{
    if (baton_pins_check_pair(PIN_CHIP, "HX711 DOUT", HX711_DOUT, "HX711 SCK", HX711_SCK, why, why_cap) != BATON_PIN_OK) {
        return false;
    }
    if (!GPIO_IS_VALID_GPIO(HX711_DOUT) || !GPIO_IS_VALID_OUTPUT_GPIO(HX711_SCK)) {
        snprintf(why, why_cap, "HX711 pins DOUT=%d SCK=%d are not usable GPIOs on this chip", (int)HX711_DOUT,
                 (int)HX711_SCK);
        return false;
    }
    return true;
}

#endif /* CONFIG_BATON_INSTRUMENT_SCALE */

/* ------------------------------------------------------------------ job state */

static struct {
    bool active;
    char run_id[65];
    int64_t started_us;
    /* The BMI needs a height, which a scale cannot measure: only when the input gives heightCm. */
    bool has_height;
    double height_cm;
#if CONFIG_BATON_INSTRUMENT_SCALE
    baton_scale_settle_t settle;
    int64_t last_conversion_us;
    /* Live telemetry (issue 24): the raw weight due to go out, taken by app_driver_telemetry(). */
    bool telemetry_due;
    double telemetry_kg;
#endif
} s_job;

/* Why the instrument cannot measure ("" when it can): reported with INSTRUMENT_FAULT. */
static char s_fault[192];

esp_err_t app_driver_init(void)
{
    s_fault[0] = '\0';
#if CONFIG_BATON_INSTRUMENT_SCALE
    if (!pins_usable(s_fault, sizeof s_fault)) {
        ESP_LOGE(TAG, "%s (menuconfig: Baton device)", s_fault);
        return ESP_ERR_INVALID_ARG;
    }
    gpio_config_t sck = {.pin_bit_mask = 1ULL << HX711_SCK, .mode = GPIO_MODE_OUTPUT};
    /* The pull-up makes a missing HX711 read as "never ready" (a timeout, so an INSTRUMENT_FAULT)
     * instead of a floating pin that may read low and pass for zero readings. GPIO 34-39
     * have no internal pull-up: wire an external one there. */
    gpio_config_t dout = {.pin_bit_mask = 1ULL << HX711_DOUT, .mode = GPIO_MODE_INPUT, .pull_up_en = 1};
    esp_err_t err = gpio_config(&sck);
    if (err == ESP_OK) {
        err = gpio_config(&dout);
    }
    if (err == ESP_OK) {
        gpio_set_level(HX711_SCK, 0);
        err = average_raw(10, &s_tare);
    }
    if (err != ESP_OK) {
        snprintf(s_fault, sizeof s_fault, "the HX711 does not answer on DOUT=%d SCK=%d", (int)HX711_DOUT, (int)HX711_SCK);
        ESP_LOGE(TAG, "%s: runs will fail with INSTRUMENT_FAULT until it does", s_fault);
        return err;
    }
    ESP_LOGI(TAG, "scale tared at raw %ld", (long)s_tare);
#else
    ESP_LOGW(TAG, "STUB instrument: every run will be reported as failed");
#endif
    return ESP_OK;
}

size_t app_driver_declare_telemetry(uint8_t *buf, size_t cap)
{
#if CONFIG_BATON_INSTRUMENT_SCALE
    /* The raw weight while it settles, in kg, for the holder alone (a person's weight is theirs). */
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, cap);
    baton_mp_write_array(&w, 1);
    baton_mp_write_map(&w, 5);
    baton_mp_write_cstr(&w, "name");
    baton_mp_write_cstr(&w, "weight");
    baton_mp_write_cstr(&w, "unit");
    baton_mp_write_cstr(&w, "kg");
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "number");
    baton_mp_write_cstr(&w, "maxRateHz");
    baton_mp_write_uint(&w, 5);
    baton_mp_write_cstr(&w, "visibility");
    baton_mp_write_cstr(&w, "owner");
    return w.status == BATON_OK ? w.len : 0;
#else
    (void)buf;
    (void)cap;
    return 0;
#endif
}

bool app_driver_telemetry(const char **channel, double *value)
{
#if CONFIG_BATON_INSTRUMENT_SCALE
    if (!s_job.telemetry_due) {
        return false;
    }
    s_job.telemetry_due = false;
    *channel = "weight";
    *value = s_job.telemetry_kg;
    return true;
#else
    (void)channel;
    (void)value;
    return false;
#endif
}

size_t app_driver_declare(uint8_t *buf, size_t cap)
{
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, cap);
    baton_mp_write_array(&w, 1);
#if CONFIG_BATON_INSTRUMENT_SCALE
    baton_mp_write_map(&w, 4);
#else
    baton_mp_write_map(&w, 3);
#endif
    baton_mp_write_cstr(&w, "name");
#if CONFIG_BATON_INSTRUMENT_SCALE
    baton_mp_write_cstr(&w, "weighing");
    /* Titles and units for the result (Weight … kg): the one output schema of every Baton scale. */
    baton_mp_write_cstr(&w, "outputSchema");
    (void)baton_scale_write_output_schema(&w); /* a full buffer shows in w.status, checked below */
    baton_mp_write_cstr(&w, "inputSchema");
    baton_mp_write_map(&w, 3);
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "object");
    baton_mp_write_cstr(&w, "properties");
    baton_mp_write_map(&w, 3);
    baton_mp_write_cstr(&w, "heightCm");
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "number");
    baton_mp_write_cstr(&w, "userAge");
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "number");
    baton_mp_write_cstr(&w, "userGender");
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "string");
    baton_mp_write_cstr(&w, "additionalProperties");
    baton_mp_write_bool(&w, false);
    baton_mp_write_cstr(&w, "maxDurationMs");
    baton_mp_write_uint(&w, 30000);
#elif CONFIG_BATON_INSTRUMENT_PRINTER
    /* STUB: declares the session type so the server and UI can be developed against it. */
    baton_mp_write_cstr(&w, "printing");
    baton_mp_write_cstr(&w, "inputSchema");
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "object");
    baton_mp_write_cstr(&w, "maxDurationMs");
    baton_mp_write_uint(&w, 600000);
#else
    /* STUB: lab analyser. */
    baton_mp_write_cstr(&w, "analysis");
    baton_mp_write_cstr(&w, "inputSchema");
    baton_mp_write_map(&w, 1);
    baton_mp_write_cstr(&w, "type");
    baton_mp_write_cstr(&w, "object");
    baton_mp_write_cstr(&w, "maxDurationMs");
    baton_mp_write_uint(&w, 120000);
#endif
    return w.status == BATON_OK ? w.len : 0;
}

void app_driver_start(const char *run_id, const uint8_t *input, size_t input_len)
{
    if (s_fault[0] != '\0') {
        /* A reconnected HX711 is picked up at the next run (≤ 0.5 s when still absent). It tares
         * with what is on the platform now: normally nothing, as runs start before a step-on. */
        (void)app_driver_init();
    }
    memset(&s_job, 0, sizeof s_job);
    snprintf(s_job.run_id, sizeof s_job.run_id, "%s", run_id);
    s_job.active = true;
    s_job.started_us = esp_timer_get_time();
#if CONFIG_BATON_INSTRUMENT_SCALE
    s_job.last_conversion_us = s_job.started_us;
    baton_scale_settle_begin(&s_job.settle, &s_settle_config, (uint64_t)(s_job.started_us / 1000));
#endif
    baton_mp_reader_t r;
    baton_mp_reader_init(&r, input, input_len);
    s_job.has_height = baton_mp_map_get_double(&r, "heightCm", &s_job.height_cm) == BATON_OK && s_job.height_cm > 0;
}

void app_driver_cancel(const char *run_id)
{
    if (s_job.active && strcmp(s_job.run_id, run_id) == 0) {
        s_job.active = false;
    }
}

#if CONFIG_BATON_INSTRUMENT_SCALE
/* Encodes the result: the one shape of every Baton scale (shared/instruments/weighing.output.schema.json). */
static bool write_weighing(int32_t grams_read, uint8_t *output, size_t output_cap, size_t *output_len)
{
    const double kg = (double)grams_read / 1000.0;
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, output, output_cap);
    baton_mp_write_map(&w, s_job.has_height ? 4 : 3);
    baton_mp_write_cstr(&w, "weight");
    baton_mp_write_double(&w, kg);
    baton_mp_write_cstr(&w, "unit");
    baton_mp_write_cstr(&w, "kg");
    baton_mp_write_cstr(&w, "stable");
    baton_mp_write_bool(&w, true); /* only a settled window gets here */
    if (s_job.has_height) {
        const double metres = s_job.height_cm / 100.0;
        baton_mp_write_cstr(&w, "bmi");
        baton_mp_write_double(&w, kg / (metres * metres));
    }
    *output_len = w.len;
    return w.status == BATON_OK;
}
#endif

app_job_step_t app_driver_poll(char *run_id, size_t run_id_cap, double *progress, char *message, size_t message_cap,
                               const char **failure_code, uint8_t *output, size_t output_cap, size_t *output_len)
{
    if (!s_job.active) {
        return APP_JOB_NOTHING;
    }
    snprintf(run_id, run_id_cap, "%s", s_job.run_id);
    *failure_code = BATON_ERROR_CODE_DEVICE_FAILED;
    if (s_fault[0] != '\0') {
        s_job.active = false;
        *failure_code = BATON_ERROR_CODE_INSTRUMENT_FAULT;
        snprintf(message, message_cap, "%s", s_fault);
        return APP_JOB_FAILED;
    }
#if CONFIG_BATON_INSTRUMENT_SCALE
    const int64_t now_us = esp_timer_get_time();
    int32_t raw = 0;
    const bool has_reading = s_cell->read_raw(&raw) == ESP_OK;
    if (has_reading) {
        s_job.last_conversion_us = now_us;
    } else if (now_us - s_job.last_conversion_us > NO_CONVERSION_FAULT_US) {
        /* Unplugged mid-run: say so, rather than "nothing to measure" at the timeout. */
        snprintf(s_fault, sizeof s_fault, "the HX711 stopped answering on DOUT=%d", (int)HX711_DOUT);
        s_job.active = false;
        *failure_code = BATON_ERROR_CODE_INSTRUMENT_FAULT;
        snprintf(message, message_cap, "%s", s_fault);
        return APP_JOB_FAILED;
    }
    int32_t settled_grams = 0;
    const int32_t reading = has_reading ? grams(raw) : 0;
    const baton_scale_step_t step =
        baton_scale_settle_feed(&s_job.settle, (uint64_t)(now_us / 1000), has_reading, reading, progress, &settled_grams);
    if (baton_scale_settle_telemetry_due(&s_job.settle, (uint64_t)(now_us / 1000), has_reading)) {
        s_job.telemetry_due = true;
        s_job.telemetry_kg = (double)reading / 1000.0;
    }
    switch (step) {
    case BATON_SCALE_NOTHING:
        return APP_JOB_NOTHING;
    case BATON_SCALE_PROGRESS:
        snprintf(message, message_cap, "%s", baton_scale_settle_message(&s_job.settle));
        return APP_JOB_PROGRESS;
    case BATON_SCALE_DONE:
        s_job.active = false;
        if (!write_weighing(settled_grams, output, output_cap, output_len)) {
            snprintf(message, message_cap, "result does not fit");
            return APP_JOB_FAILED;
        }
        return APP_JOB_DONE;
    case BATON_SCALE_NO_LOAD:
        s_job.active = false;
        *failure_code = BATON_ERROR_CODE_NOTHING_TO_MEASURE;
        snprintf(message, message_cap, "nobody stepped on the scale: no stable load of %d g or more within %d s",
                 CONFIG_BATON_SCALE_MIN_LOAD_GRAMS, CONFIG_BATON_SCALE_WAIT_MS / 1000);
        return APP_JOB_FAILED;
    case BATON_SCALE_UNSTABLE:
        s_job.active = false;
        snprintf(message, message_cap, "the reading did not settle (is someone moving on the scale?)");
        return APP_JOB_FAILED;
    }
    return APP_JOB_NOTHING;
#else
    (void)progress;
    (void)output;
    (void)output_cap;
    (void)output_len;
    s_job.active = false;
    snprintf(message, message_cap, "STUB: this instrument has no driver on this board yet");
    return APP_JOB_FAILED;
#endif
}

bool app_driver_is_reset(void)
{
#if CONFIG_BATON_INSTRUMENT_SCALE
    if (s_fault[0] != '\0') {
        return true; /* nothing to wait for: the next run reports the fault again */
    }
    int32_t raw;
    return s_cell->read_raw(&raw) == ESP_OK && grams(raw) < CONFIG_BATON_SCALE_MIN_LOAD_GRAMS;
#else
    return true;
#endif
}
