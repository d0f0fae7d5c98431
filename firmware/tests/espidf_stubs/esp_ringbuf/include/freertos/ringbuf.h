/* Type-check stub (see README.md). */
#pragma once
#include <stddef.h>
#include "freertos/FreeRTOS.h"
typedef void *RingbufHandle_t;
typedef enum { RINGBUF_TYPE_NOSPLIT = 0, RINGBUF_TYPE_ALLOWSPLIT, RINGBUF_TYPE_BYTEBUF } RingbufferType_t;
RingbufHandle_t xRingbufferCreate(size_t xBufferSize, RingbufferType_t xBufferType);
BaseType_t xRingbufferSendAcquire(RingbufHandle_t xRingbuffer, void **ppvItem, size_t xItemSize, TickType_t xTicksToWait);
BaseType_t xRingbufferSendComplete(RingbufHandle_t xRingbuffer, void *pvItem);
void *xRingbufferReceive(RingbufHandle_t xRingbuffer, size_t *pxItemSize, TickType_t xTicksToWait);
void vRingbufferReturnItem(RingbufHandle_t xRingbuffer, void *pvItem);
