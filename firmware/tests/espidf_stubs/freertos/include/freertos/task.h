/* Type-check stub (see README.md). As in ESP-IDF, vTaskDelay is declared here, not in FreeRTOS.h. */
#pragma once
#include "freertos/FreeRTOS.h"
void vTaskDelay(TickType_t ticks);
