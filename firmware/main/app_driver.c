/**
 * @file app_driver.c
 * @brief The instrument: an HX711 load-cell scale behind a small interface; printer and lab STUBS.
 *
 * The scale samples the HX711 once per poll while a run is active (one conversion takes
 * ~100 ms at 10 SPS), so the main loop never blocks for a whole measurement and keeps
 * servicing the socket. A run ends when SAMPLES consecutive readings agree within
 * STABLE_GRAMS (the person stands still), or fails after SETTLE_TIMEOUT_MS.
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
#include "baton_msgpack.h"

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

#define SAMPLES 8
#define STABLE_GRAMS 200
#define SETTLE_TIMEOUT_MS 15000
#define EMPTY_PLATFORM_GRAMS 500
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
            vTaskDelay(pdMS_TO_TICKS(5));
        }
        sum += raw;
    }
    *out = (int32_t)(sum / n);
    return ESP_OK;
}

#endif /* CONFIG_BATON_INSTRUMENT_SCALE */

/* ------------------------------------------------------------------ job state */

#ifndef SAMPLES
#define SAMPLES 1 /* stubs keep no readings */
#endif

static struct {
    bool active;
    char run_id[65];
    int64_t started_us;
    /* The BMI needs a height, which a scale cannot measure: only when the input gives heightCm. */
    bool has_height;
    double height_cm;
    int32_t window[SAMPLES];
    int count;
} s_job;

esp_err_t app_driver_init(void)
{
#if CONFIG_BATON_INSTRUMENT_SCALE
    gpio_config_t sck = {.pin_bit_mask = 1ULL << HX711_SCK, .mode = GPIO_MODE_OUTPUT};
    gpio_config_t dout = {.pin_bit_mask = 1ULL << HX711_DOUT, .mode = GPIO_MODE_INPUT};
    ESP_ERROR_CHECK(gpio_config(&sck));
    ESP_ERROR_CHECK(gpio_config(&dout));
    gpio_set_level(HX711_SCK, 0);
    esp_err_t err = average_raw(10, &s_tare);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "HX711 does not answer on DOUT=%d SCK=%d", HX711_DOUT, HX711_SCK);
        return err;
    }
    ESP_LOGI(TAG, "scale tared at raw %ld", (long)s_tare);
#else
    ESP_LOGW(TAG, "STUB instrument: every run will be reported as failed");
#endif
    return ESP_OK;
}

size_t app_driver_declare(uint8_t *buf, size_t cap)
{
    baton_mp_writer_t w;
    baton_mp_writer_init(&w, buf, cap);
    baton_mp_write_array(&w, 1);
    baton_mp_write_map(&w, 3);
    baton_mp_write_cstr(&w, "name");
#if CONFIG_BATON_INSTRUMENT_SCALE
    baton_mp_write_cstr(&w, "weighing");
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
    memset(&s_job, 0, sizeof s_job);
    snprintf(s_job.run_id, sizeof s_job.run_id, "%s", run_id);
    s_job.active = true;
    s_job.started_us = esp_timer_get_time();
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

app_job_step_t app_driver_poll(char *run_id, size_t run_id_cap, double *progress, char *message, size_t message_cap,
                               uint8_t *output, size_t output_cap, size_t *output_len)
{
    (void)progress;
    if (!s_job.active) {
        return APP_JOB_NOTHING;
    }
    snprintf(run_id, run_id_cap, "%s", s_job.run_id);
#if CONFIG_BATON_INSTRUMENT_SCALE
    int32_t raw;
    if (s_cell->read_raw(&raw) == ESP_OK) {
        s_job.window[s_job.count % SAMPLES] = grams(raw);
        s_job.count++;
    }
    if (s_job.count >= SAMPLES) {
        int32_t low = s_job.window[0], high = s_job.window[0];
        int64_t sum = 0;
        for (int i = 0; i < SAMPLES; i++) {
            low = s_job.window[i] < low ? s_job.window[i] : low;
            high = s_job.window[i] > high ? s_job.window[i] : high;
            sum += s_job.window[i];
        }
        if (high - low <= STABLE_GRAMS) {
            double kg = (double)(sum / SAMPLES) / 1000.0;
            baton_mp_writer_t w;
            baton_mp_writer_init(&w, output, output_cap);
            /* The one shape of every Baton scale: shared/instruments/weighing.output.schema.json. */
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
            s_job.active = false;
            if (w.status != BATON_OK) {
                snprintf(message, message_cap, "result does not fit");
                return APP_JOB_FAILED;
            }
            *output_len = w.len;
            return APP_JOB_DONE;
        }
    }
    if (esp_timer_get_time() - s_job.started_us > (int64_t)SETTLE_TIMEOUT_MS * 1000) {
        s_job.active = false;
        snprintf(message, message_cap, "the reading did not settle (is someone moving on the scale?)");
        return APP_JOB_FAILED;
    }
    return APP_JOB_NOTHING;
#else
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
    int32_t raw;
    return s_cell->read_raw(&raw) == ESP_OK && grams(raw) < EMPTY_PLATFORM_GRAMS;
#else
    return true;
#endif
}
