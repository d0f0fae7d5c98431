/* Type-check stub (see README.md). As in ESP-IDF, vTaskDelay is declared here, not in FreeRTOS.h. */
#pragma once
#include "freertos/FreeRTOS.h"
void vTaskDelay(TickType_t ticks);
typedef void *TaskHandle_t;
typedef void (*TaskFunction_t)(void *arg);
/* ESP-IDF: the stack depth is in bytes (configSTACK_DEPTH_TYPE is uint32_t). */
BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *const pcName, const uint32_t uxStackDepth,
                       void *const pvParameters, UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask);
void vTaskDelete(TaskHandle_t xTaskToDelete);
UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t xTask);
