/**
 * @file app_main.c
 * @brief Wiring: NVS (encrypted when CONFIG_NVS_ENCRYPTION), Wi-Fi, SNTP, the ESP-IDF port, the
 *        Baton runner, OTA, and the instrument driver.
 *
 * One task (this one) owns the runner: it waits for socket events from the port, advances
 * the instrument, and ticks the session. It is watched by the task watchdog. Everything
 * Baton-specific lives in baton_core; everything hardware-specific in app_driver.c; updates
 * in app_ota.c. A configuration error the device cannot get past is shown (log, and a blink
 * pattern on the status LED if the board has one) instead of returning from app_main.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "driver/gpio.h"
#include "esp_app_desc.h"
#include "esp_event.h"
#include "esp_idf_version.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_partition.h"
#include "esp_sntp.h"
#include "esp_system.h"
#include "esp_task_wdt.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "sdkconfig.h"

#include "app_console.h"
#include "app_credentials.h"
#include "app_ota.h"
#include "app_priv.h"
#include "app_storage.h"
#include "baton_espidf.h"
#include "baton_loop.h"
#include "baton_protocol.h"
#include "baton_runner.h"
#include "baton_url_policy.h"

static const char *TAG = "app_main";

#define WIFI_CONNECTED_BIT BIT0
#define LOOP_MAX_WAIT_MS 20
/* After a refusal the device waits this long before trying again from a fresh boot. */
#define STOPPED_RETRY_MS (60u * 60u * 1000u)
/* How often the stacks' high-water marks are logged. */
#define STACK_REPORT_MS (60u * 1000u)

/* The blink count of each fatal configuration error (Kconfig BATON_STATUS_LED_GPIO). */
typedef enum {
    FATAL_NO_SECRET = 2,
    FATAL_BAD_CONFIG = 3,
    FATAL_NO_WIFI = 4,
    FATAL_NVS = 5,
} fatal_t;

static EventGroupHandle_t s_wifi_events;
/* Static, not on the task stack: the runner holds the action arena and the held report. */
static baton_espidf_t s_port_state;
static baton_port_t s_port;
static baton_runner_t s_runner;
/* hello.sessionTypes: the scale declares its input and output schemas (≈ 700 bytes of msgpack). */
static uint8_t s_session_types[1024];
static uint8_t s_telemetry[128];
static char s_secret[128];
static bool s_waiting_for_reset;
/* Wi-Fi credentials as read from NVS (or the development fallback): NUL-terminated here. */
static char s_wifi_ssid[APP_WIFI_SSID_MAX + 1];
static char s_wifi_pass[APP_WIFI_PASSWORD_MAX + 1];

static uint64_t now_ms(void)
{
    return (uint64_t)(esp_timer_get_time() / 1000);
}

/* A wait of at least one tick (baton_loop.h): pdMS_TO_TICKS(5) is 0 at 100 Hz. */
static void sleep_ms(uint32_t ms)
{
    vTaskDelay((TickType_t)baton_wait_ticks(ms, configTICK_RATE_HZ, portMAX_DELAY - 1u));
}

/*
 * The device cannot go on: say why, for ever (log every minute, blink the status LED), rather
 * than return from app_main and leave a silent board. Not watched by the task watchdog: there
 * is nothing to recover, and a reset would only hide the pattern. Re-provision or reflash.
 */
static void fatal(fatal_t blinks, const char *what) __attribute__((noreturn));
static void fatal(fatal_t blinks, const char *what)
{
    (void)esp_task_wdt_delete(NULL); /* ESP_ERR_INVALID_ARG when not subscribed yet: fine */
    const int led = CONFIG_BATON_STATUS_LED_GPIO;
    if (led >= 0) {
        gpio_config_t out = {.pin_bit_mask = 1ULL << led, .mode = GPIO_MODE_OUTPUT};
        if (gpio_config(&out) != ESP_OK) {
            ESP_LOGW(TAG, "status LED GPIO%d unusable", led);
        }
    }
    for (;;) {
        ESP_LOGE(TAG, "FATAL (%d blinks): %s", (int)blinks, what);
        for (int cycle = 0; cycle < 20; cycle++) { /* ~1 minute between log lines */
            for (int i = 0; i < (int)blinks; i++) {
                if (led >= 0) {
                    gpio_set_level(led, 1);
                }
                sleep_ms(200);
                if (led >= 0) {
                    gpio_set_level(led, 0);
                }
                sleep_ms(250);
            }
            sleep_ms(1500);
        }
    }
}

static const char *wifi_reason_text(uint8_t reason)
{
    switch (reason) {
    case WIFI_REASON_NO_AP_FOUND: return "no access point with this SSID in range";
    case WIFI_REASON_AUTH_FAIL:
    case WIFI_REASON_AUTH_EXPIRE: return "authentication failed (wrong password?)";
    case WIFI_REASON_4WAY_HANDSHAKE_TIMEOUT:
    case WIFI_REASON_HANDSHAKE_TIMEOUT: return "handshake timed out (wrong password?)";
    case WIFI_REASON_ASSOC_FAIL: return "association refused by the access point";
    case WIFI_REASON_CONNECTION_FAIL: return "connection failed";
    default: return "see esp_wifi_types.h wifi_err_reason_t";
    }
}

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    if (base == WIFI_EVENT && id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED) {
        /* Wi-Fi reconnects here; the Baton session notices the dead socket and backs off. */
        const wifi_event_sta_disconnected_t *d = data;
        const uint8_t reason = d != NULL ? d->reason : 0;
        ESP_LOGW(TAG, "Wi-Fi \"%s\" disconnected: reason %u, %s", s_wifi_ssid, (unsigned)reason, wifi_reason_text(reason));
        xEventGroupClearBits(s_wifi_events, WIFI_CONNECTED_BIT);
        esp_wifi_connect();
    } else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
        xEventGroupSetBits(s_wifi_events, WIFI_CONNECTED_BIT);
    }
}

/* The credentials come from the secret's NVS partition; Kconfig is a development fallback. */
static bool load_wifi_credentials(bool secret_partition_ready)
{
    if (secret_partition_ready &&
        baton_espidf_read_provisioned(BATON_NVS_KEY_WIFI_SSID, s_wifi_ssid, sizeof s_wifi_ssid) == ESP_OK &&
        s_wifi_ssid[0] != '\0') {
        if (baton_espidf_read_provisioned(BATON_NVS_KEY_WIFI_PASS, s_wifi_pass, sizeof s_wifi_pass) != ESP_OK) {
            s_wifi_pass[0] = '\0'; /* an open network */
        }
        return true;
    }
    if (CONFIG_BATON_WIFI_SSID[0] != '\0') {
        ESP_LOGW(TAG, "no Wi-Fi credentials in NVS: using the DEVELOPMENT fallback from Kconfig");
        if (snprintf(s_wifi_ssid, sizeof s_wifi_ssid, "%s", CONFIG_BATON_WIFI_SSID) >= (int)sizeof s_wifi_ssid ||
            snprintf(s_wifi_pass, sizeof s_wifi_pass, "%s", CONFIG_BATON_WIFI_PASSWORD) >= (int)sizeof s_wifi_pass) {
            return false;
        }
        return true;
    }
    return false;
}

static void wifi_start(void)
{
    wifi_config_t config = {0};
    /* Exact copies: a 32-character SSID or a 64-digit PSK fills its field with no NUL. */
    if (!app_copy_credential(config.sta.ssid, sizeof config.sta.ssid, s_wifi_ssid) ||
        !app_copy_credential(config.sta.password, sizeof config.sta.password, s_wifi_pass)) {
        fatal(FATAL_NO_WIFI, "Wi-Fi SSID (max 32 characters) or password (max 64) too long: re-provision them");
    }
    s_wifi_events = xEventGroupCreate();
    if (s_wifi_events == NULL) {
        fatal(FATAL_NO_WIFI, "no memory for the Wi-Fi event group");
    }
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    if (esp_netif_create_default_wifi_sta() == NULL) {
        fatal(FATAL_NO_WIFI, "cannot create the Wi-Fi station interface");
    }
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    ESP_ERROR_CHECK(esp_wifi_init(&init));
    ESP_ERROR_CHECK(esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_wifi_event, NULL, NULL));
    ESP_ERROR_CHECK(esp_event_handler_instance_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_wifi_event, NULL, NULL));
    config.sta.threshold.authmode = s_wifi_pass[0] != '\0' ? WIFI_AUTH_WPA2_PSK : WIFI_AUTH_OPEN;
    ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
    ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &config));
    ESP_ERROR_CHECK(esp_wifi_start());
}

/* Bounded: the reasons of the failed attempts are logged by on_wifi_event; then a restart. */
static void wifi_wait(void)
{
    ESP_LOGI(TAG, "waiting for Wi-Fi \"%s\" (at most %d s)", s_wifi_ssid, CONFIG_BATON_WIFI_CONNECT_TIMEOUT_S);
    const uint64_t deadline = now_ms() + (uint64_t)CONFIG_BATON_WIFI_CONNECT_TIMEOUT_S * 1000u;
    while ((xEventGroupWaitBits(s_wifi_events, WIFI_CONNECTED_BIT, pdFALSE, pdTRUE, pdMS_TO_TICKS(1000)) &
            WIFI_CONNECTED_BIT) == 0) {
        esp_task_wdt_reset();
        if (now_ms() >= deadline) {
            ESP_LOGE(TAG, "no Wi-Fi connection within %d s (reasons above): restarting", CONFIG_BATON_WIFI_CONNECT_TIMEOUT_S);
            esp_restart();
        }
    }
}

/*
 * The clock, before the first TLS connection: certificate dates are checked
 * (MBEDTLS_HAVE_TIME_DATE). Bounded: without it the TLS connection fails and the session's
 * backoff retries while SNTP keeps trying in the background.
 */
static void clock_start(bool tls)
{
#if ESP_IDF_VERSION >= ESP_IDF_VERSION_VAL(5, 1, 0)
    esp_sntp_setoperatingmode(ESP_SNTP_OPMODE_POLL);
    esp_sntp_setservername(0, CONFIG_BATON_SNTP_SERVER);
    esp_sntp_init();
#else
    sntp_setoperatingmode(SNTP_OPMODE_POLL);
    sntp_setservername(0, CONFIG_BATON_SNTP_SERVER);
    sntp_init();
#endif
    if (!tls) {
        return; /* plain http: nothing checks a date, do not wait */
    }
    const uint64_t deadline = now_ms() + (uint64_t)CONFIG_BATON_SNTP_WAIT_S * 1000u;
    while (!baton_wall_clock_is_set((int64_t)time(NULL))) {
        esp_task_wdt_reset();
        if (now_ms() >= deadline) {
            ESP_LOGE(TAG, "no time from SNTP server %s within %d s: TLS will refuse certificates until it comes",
                     CONFIG_BATON_SNTP_SERVER, CONFIG_BATON_SNTP_WAIT_S);
            return;
        }
        sleep_ms(250);
    }
    ESP_LOGI(TAG, "clock set by SNTP");
}

/* ---- NVS through app_storage (which decides what may be erased: never the secret's partition). */

#if CONFIG_NVS_ENCRYPTION
/*
 * NVS encryption keys from the nvs_keys partition (flash-encrypted). Production provisioning
 * writes them there together with baton_sec encrypted with them (firmware/README.md). An empty
 * nvs_keys partition gets new keys: the data partition then works, but a baton_sec written
 * with other keys reads as unusable (the device shows "no device secret").
 */
static nvs_sec_cfg_t s_nvs_keys;
static esp_err_t s_nvs_keys_status = ESP_ERR_INVALID_STATE;
static bool s_nvs_keys_loaded;

static esp_err_t nvs_keys(void)
{
    if (s_nvs_keys_loaded) {
        return s_nvs_keys_status;
    }
    s_nvs_keys_loaded = true;
    const esp_partition_t *part = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS, NULL);
    if (part == NULL) {
        ESP_LOGE(TAG, "NVS encryption is on but the partition table has no nvs_keys partition");
        s_nvs_keys_status = ESP_ERR_NOT_FOUND;
        return s_nvs_keys_status;
    }
    esp_err_t err = nvs_flash_read_security_cfg(part, &s_nvs_keys);
    if (err == ESP_ERR_NVS_KEYS_NOT_INITIALIZED) {
        ESP_LOGW(TAG, "nvs_keys is empty: generating NVS keys on the device (a baton_sec provisioned with other "
                      "keys will not be readable)");
        err = nvs_flash_generate_keys(part, &s_nvs_keys);
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "NVS keys unreadable: %s", esp_err_to_name(err));
    }
    s_nvs_keys_status = err;
    return err;
}
#endif

static app_nvs_init_t nvs_init_partition(void *ctx, const char *label)
{
    (void)ctx;
#if CONFIG_NVS_ENCRYPTION
    esp_err_t err = nvs_keys();
    if (err != ESP_OK) {
        return APP_NVS_INIT_FAILED; /* never erase: the keys, not the data, are the problem */
    }
    err = nvs_flash_secure_init_partition(label, &s_nvs_keys);
#else
    esp_err_t err = nvs_flash_init_partition(label);
#endif
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        return APP_NVS_INIT_NEEDS_ERASE;
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "NVS partition \"%s\": %s", label, esp_err_to_name(err));
        return APP_NVS_INIT_FAILED;
    }
    return APP_NVS_INIT_OK;
}

static bool nvs_erase_partition(void *ctx, const char *label)
{
    (void)ctx;
    ESP_LOGW(TAG, "NVS partition \"%s\" needs an erase (layout change): unacknowledged reports are lost", label);
    return nvs_flash_erase_partition(label) == ESP_OK;
}

static bool s_secret_partition_ready;

static bool nvs_start(void)
{
    const app_nvs_ops_t ops = {.init = nvs_init_partition, .erase = nvs_erase_partition};
    app_storage_result_t storage = app_storage_start(&ops, BATON_NVS_DATA_PARTITION, BATON_NVS_SECRET_PARTITION);
    s_secret_partition_ready = storage.secret_ready;
    if (!storage.secret_ready) {
        ESP_LOGE(TAG, "the secret's NVS partition \"%s\" is unreadable; it is never erased by the firmware: "
                 "re-provision it (firmware/README.md)", BATON_NVS_SECRET_PARTITION);
    }
    return storage.data_ready;
}

/* The secret comes from its own NVS partition; the Kconfig fallback exists for bench development only. */
static bool load_secret(void)
{
    if (s_secret_partition_ready && baton_espidf_read_secret(s_secret, sizeof s_secret) == ESP_OK && s_secret[0] != '\0') {
        return true;
    }
    if (CONFIG_BATON_DEV_SECRET[0] != '\0') {
        ESP_LOGW(TAG, "no secret in NVS: using the DEVELOPMENT fallback secret from Kconfig");
        snprintf(s_secret, sizeof s_secret, "%s", CONFIG_BATON_DEV_SECRET);
        return true;
    }
    return false;
}

/* ---- runner hooks: record only; the loop does the work (hooks may not call the runner). */

static void job_start(void *ctx, const char *run_id, const char *session_type, const uint8_t *input, size_t input_len,
                      uint64_t budget_ms)
{
    (void)ctx;
    ESP_LOGI(TAG, "run %s (%s), budget %llu ms", run_id, session_type, (unsigned long long)budget_ms);
    s_waiting_for_reset = false;
    app_driver_start(run_id, input, input_len);
}

static void job_cancel(void *ctx, const char *run_id)
{
    (void)ctx;
    app_driver_cancel(run_id);
    s_waiting_for_reset = true;
}

static void on_event(void *ctx, baton_event_t event, const char *run_id, const char *text, uint64_t number)
{
    (void)ctx;
    (void)run_id;
    (void)text;
    (void)number;
    if (event == BATON_EVENT_RESULT_ACKED) {
        s_waiting_for_reset = true; /* `ready` once the platform is empty again */
    } else if (event == BATON_EVENT_JOINED) {
        app_ota_server_reached(); /* confirms an image on probation after an update */
    }
}

/* A firmware offer from the server (`update`, or `welcome.update`): app_ota.c checks and keeps it. */
static void update_offer(void *ctx, const uint8_t *offer, size_t len)
{
    (void)ctx;
    (void)app_ota_offer(offer, len); /* logs why an offer is refused */
}

/* Lowest free stack seen, in bytes (ESP-IDF counts stack in bytes): logged every minute and
 * reported in each heartbeat (`stackFree`, shown in the device's status on the server). */
static void report_stacks(void)
{
    static uint64_t next_ms;
    const uint64_t now = now_ms();
    if (now < next_ms) {
        return;
    }
    next_ms = now + STACK_REPORT_MS;
    const uint32_t main_free = (uint32_t)uxTaskGetStackHighWaterMark(NULL);
    baton_session_set_stack_free(&s_runner.session, main_free, app_ota_stack_high_water());
    ESP_LOGI(TAG, "stack high-water: main %u B free of %d, OTA task %u B free; OTA %s",
             (unsigned)main_free, CONFIG_ESP_MAIN_TASK_STACK_SIZE,
             (unsigned)app_ota_stack_high_water(), app_ota_state());
}

static void advance_instrument(void)
{
    static uint8_t output[256];
    char run_id[BATON_RUN_ID_MAX + 1];
    char message[128] = "";
    double progress = 0;
    size_t output_len = 0;
    const char *failure_code = BATON_ERROR_CODE_DEVICE_FAILED;
    switch (app_driver_poll(run_id, sizeof run_id, &progress, message, sizeof message, &failure_code, output, sizeof output,
                            &output_len)) {
    case APP_JOB_NOTHING:
        break;
    case APP_JOB_PROGRESS:
        baton_runner_job_progress(&s_runner, run_id, progress, message);
        break;
    case APP_JOB_DONE:
        baton_runner_job_result(&s_runner, run_id, output, output_len);
        break;
    case APP_JOB_FAILED:
        baton_runner_job_failed(&s_runner, run_id, failure_code, message);
        s_waiting_for_reset = true;
        break;
    }
    const char *channel = NULL;
    double value = 0;
    if (app_driver_telemetry(&channel, &value)) {
        (void)baton_runner_telemetry_number(&s_runner, channel, value); /* beside the run: dropped while offline */
    }
    if (s_waiting_for_reset && app_driver_is_reset() && baton_runner_device_ready(&s_runner) == BATON_OK) {
        s_waiting_for_reset = false;
    }
}

/*
 * The session stopped by itself. Exhausted retries: restart at once, which also resets Wi-Fi
 * and the TCP/IP stack. Refused / replaced / revoked: the protocol says not to reconnect
 * (retrying cannot fix it); wait an hour so a fixed registry or a removed twin is picked up
 * without a site visit. An unacknowledged result survives in NVS either way.
 */
static void wait_and_restart(baton_stop_reason_t reason) __attribute__((noreturn));
static void wait_and_restart(baton_stop_reason_t reason)
{
    const bool operator_needed = reason == BATON_STOP_REFUSED || reason == BATON_STOP_REPLACED || reason == BATON_STOP_REVOKED;
    const uint32_t wait_ms = operator_needed ? STOPPED_RETRY_MS : 1000;
    ESP_LOGE(TAG, "session stopped (reason %d): restarting in %lu s", (int)reason, (unsigned long)(wait_ms / 1000));
    (void)esp_task_wdt_delete(NULL); /* a deliberate hour-long wait, not a hang */
    sleep_ms(wait_ms);
    esp_restart();
}

void app_main(void)
{
    /* The version is the image's (PROJECT_VER, firmware/version.txt): what `hello` reports
     * and what an OTA offer is compared with. */
    const char *version = esp_app_get_description()->version;
    ESP_LOGI(TAG, "Baton device firmware %s", version);
    const esp_err_t wdt = esp_task_wdt_add(NULL);
    if (wdt != ESP_OK) {
        ESP_LOGW(TAG, "main loop not on the task watchdog (%s): enable CONFIG_ESP_TASK_WDT_INIT", esp_err_to_name(wdt));
    }
    app_ota_init(version, now_ms());

    if (!nvs_start()) {
        fatal(FATAL_NVS, "NVS data partition \"" BATON_NVS_DATA_PARTITION "\" unusable: unacknowledged reports cannot be kept");
    }
    const bool have_secret = load_secret();
    const bool have_wifi = load_wifi_credentials(s_secret_partition_ready);
    if ((!have_secret || !have_wifi) && s_secret_partition_ready) {
        /* First provisioning: the console takes them; the LED and the log say what is missing. */
        (void)app_console_start_provisioning();
    }
    if (!have_secret) {
        fatal(FATAL_NO_SECRET, "no device secret: type `secret <value>` at the console, or write it into NVS partition \""
                               BATON_NVS_SECRET_PARTITION "\" (namespace \"" BATON_NVS_NAMESPACE "\", key \""
                               BATON_NVS_KEY_SECRET "\"); see firmware/README.md");
    }
    if (!have_wifi) {
        fatal(FATAL_NO_WIFI, "no Wi-Fi credentials: type `wifi <ssid> <password>` at the console, or write keys \""
                             BATON_NVS_KEY_WIFI_SSID "\" and \"" BATON_NVS_KEY_WIFI_PASS "\" into NVS partition \""
                             BATON_NVS_SECRET_PARTITION "\"; see firmware/README.md");
    }
    /* https with certificate verification, or plain http on a lab network only (README, "TLS"). */
    if (baton_espidf_check_url(CONFIG_BATON_SERVER_URL) != ESP_OK) {
        fatal(FATAL_BAD_CONFIG, "server URL refused: fix BATON_SERVER_URL or the TLS options in menuconfig");
    }
    if (app_driver_init() != ESP_OK) {
        /* Not a reason to stop: stay connected, fail runs with INSTRUMENT_FAULT (the log says why). */
        ESP_LOGE(TAG, "instrument fault: the device connects anyway and reports it with every run");
    }
    esp_task_wdt_reset();
    size_t types_len = app_driver_declare(s_session_types, sizeof s_session_types);
    if (types_len == 0) {
        fatal(FATAL_BAD_CONFIG, "session type declaration does not fit");
    }
    wifi_start();
    wifi_wait();
    clock_start(baton_url_security(CONFIG_BATON_SERVER_URL) == BATON_URL_TLS);

    ESP_ERROR_CHECK(baton_espidf_init(&s_port_state, &s_port));
    baton_session_config_t config = {
        .server_url = CONFIG_BATON_SERVER_URL,
        .device_id = CONFIG_BATON_DEVICE_ID,
        .firmware = version,
        .session_types = s_session_types,
        .session_types_len = types_len,
        .telemetry = s_telemetry,
        .telemetry_len = app_driver_declare_telemetry(s_telemetry, sizeof s_telemetry),
        .heartbeat_interval_ms = CONFIG_BATON_HEARTBEAT_MS,
        .backoff = {.initial_delay_ms = 500,
                    .max_delay_ms = CONFIG_BATON_RECONNECT_MAX_DELAY_MS,
                    .max_attempts = CONFIG_BATON_RECONNECT_MAX_ATTEMPTS},
    };
    baton_app_t app = {.job_start = job_start, .job_cancel = job_cancel, .on_event = on_event, .update_offer = update_offer};
    baton_status_t st = baton_runner_init(&s_runner, &s_port, &app, &config, s_secret);
    if (st != BATON_OK) {
        ESP_LOGE(TAG, "bad Baton configuration: %s", baton_status_str(st));
        fatal(FATAL_BAD_CONFIG, "bad Baton configuration: check the server URL and device id in menuconfig");
    }
    baton_espidf_attach(&s_port_state, &s_runner);
    baton_runner_start(&s_runner);

    for (;;) {
        esp_task_wdt_reset();
        /* Blocks at least one tick even when a deadline is due (baton_espidf_service, baton_loop.h). */
        baton_espidf_service(&s_port_state, baton_runner_idle_ms(&s_runner, LOOP_MAX_WAIT_MS));
        advance_instrument();
        baton_runner_tick(&s_runner);
        app_ota_poll(now_ms(), !s_runner.session.job.active && !s_waiting_for_reset);
        report_stacks();
        if (s_runner.session.state == BATON_CONN_STOPPED) {
            wait_and_restart(s_runner.session.stop_reason);
        }
    }
}
