/* Type-check stub (see README.md). */
#pragma once
void esp_restart(void) __attribute__((noreturn));
