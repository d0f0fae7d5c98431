/* Type-check stub (see README.md). */
#pragma once
#include <stdint.h>
#include "esp_err.h"
typedef int gpio_num_t;
typedef enum { GPIO_MODE_INPUT = 1, GPIO_MODE_OUTPUT = 2 } gpio_mode_t;
typedef struct { uint64_t pin_bit_mask; gpio_mode_t mode; int pull_up_en; int pull_down_en; int intr_type; } gpio_config_t;
esp_err_t gpio_config(const gpio_config_t *config);
esp_err_t gpio_set_level(gpio_num_t gpio_num, uint32_t level);
int gpio_get_level(gpio_num_t gpio_num);
/* ESP32's masks (ESP-IDF defines these from SOC_GPIO_VALID_GPIO_MASK / _OUTPUT_GPIO_MASK). */
#define GPIO_IS_VALID_GPIO(gpio_num) ((gpio_num) >= 0 && (gpio_num) < 40 && (gpio_num) != 20 && ((gpio_num) < 24 || (gpio_num) > 31 || (gpio_num) == 25 || (gpio_num) == 26 || (gpio_num) == 27))
#define GPIO_IS_VALID_OUTPUT_GPIO(gpio_num) (GPIO_IS_VALID_GPIO(gpio_num) && (gpio_num) < 34)
