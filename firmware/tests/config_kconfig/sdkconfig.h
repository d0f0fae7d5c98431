/* A project sdkconfig.h as ESP-IDF generates it, with non-default Baton core sizes:
 * test_config_kconfig checks that baton_config.h takes them (tests/test_config.c). */
#pragma once
#define CONFIG_BATON_CORE_MAX_SESSION_TYPES 3
#define CONFIG_BATON_CORE_URL_MAX 200
#define CONFIG_BATON_CORE_HTTP_RESPONSE_MAX 700
#define CONFIG_BATON_CORE_RX_FRAME_MAX 2048
#define CONFIG_BATON_CORE_INPUT_MAX 512
#define CONFIG_BATON_CORE_REPORT_MAX 600
#define CONFIG_BATON_CORE_MAX_HELD_REPORTS 2
#define CONFIG_BATON_CORE_ACTION_ARENA_MAX 4000
#define CONFIG_BATON_CORE_MAX_ACTIONS 12
