/**
 * @file test_storage.c
 * @brief The device secret survives every NVS erase the firmware does by itself (issue 10).
 *
 * A fake flash with two NVS partitions: the data partition (held reports) and the secret's
 * own partition. app_storage_start() runs against it in the situations that used to call
 * nvs_flash_erase() — a full partition, a newer NVS version — and the secret must still be
 * there afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "app_storage.h"

#define DATA "nvs"
#define SECRET "baton_sec"

typedef struct {
    const char *label;
    app_nvs_init_t state; /* what nvs_flash_init_partition answers */
    char content[64];     /* stands for the partition's keys */
    int erases;
} partition_t;

typedef struct {
    partition_t parts[2];
} flash_t;

static partition_t *find(flash_t *flash, const char *label)
{
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(flash->parts[i].label, label) == 0) {
            return &flash->parts[i];
        }
    }
    fail_msg("unknown partition %s", label);
    return NULL;
}

static app_nvs_init_t fake_init(void *ctx, const char *label)
{
    return find(ctx, label)->state;
}

static bool fake_erase(void *ctx, const char *label)
{
    partition_t *p = find(ctx, label);
    p->content[0] = '\0';
    p->erases++;
    if (p->state == APP_NVS_INIT_NEEDS_ERASE) {
        p->state = APP_NVS_INIT_OK; /* an erased partition initialises */
    }
    return true;
}

static flash_t flash;
static const app_nvs_ops_t ops = {.ctx = &flash, .init = fake_init, .erase = fake_erase};

static int setup(void **state)
{
    (void)state;
    flash = (flash_t){.parts = {{.label = DATA, .state = APP_NVS_INIT_OK, .content = "baton.held=r1"},
                                {.label = SECRET, .state = APP_NVS_INIT_OK, .content = "baton/secret=s3cr3t"}}};
    return 0;
}

static void secret_survives_the_erase_of_a_full_data_partition(void **state)
{
    (void)state;
    find(&flash, DATA)->state = APP_NVS_INIT_NEEDS_ERASE; /* ESP_ERR_NVS_NO_FREE_PAGES */
    app_storage_result_t r = app_storage_start(&ops, DATA, SECRET);
    assert_true(r.data_ready);
    assert_true(r.data_erased);
    assert_int_equal(find(&flash, DATA)->erases, 1);
    assert_string_equal(find(&flash, DATA)->content, "");
    assert_true(r.secret_ready);
    assert_int_equal(find(&flash, SECRET)->erases, 0);
    assert_string_equal(find(&flash, SECRET)->content, "baton/secret=s3cr3t");
}

static void an_unreadable_secret_partition_is_reported_never_erased(void **state)
{
    (void)state;
    find(&flash, SECRET)->state = APP_NVS_INIT_NEEDS_ERASE; /* e.g. ESP_ERR_NVS_NEW_VERSION_FOUND */
    app_storage_result_t r = app_storage_start(&ops, DATA, SECRET);
    assert_false(r.secret_ready);
    assert_int_equal(find(&flash, SECRET)->erases, 0);
    assert_string_equal(find(&flash, SECRET)->content, "baton/secret=s3cr3t");
    assert_true(r.data_ready); /* the rest starts; the app logs what to do */
    assert_false(r.data_erased);
}

static void nothing_is_erased_when_nvs_is_healthy(void **state)
{
    (void)state;
    app_storage_result_t r = app_storage_start(&ops, DATA, SECRET);
    assert_true(r.data_ready && r.secret_ready);
    assert_false(r.data_erased);
    assert_int_equal(find(&flash, DATA)->erases + find(&flash, SECRET)->erases, 0);
    assert_string_equal(find(&flash, DATA)->content, "baton.held=r1");
}

static void a_failing_data_partition_is_not_erased(void **state)
{
    (void)state;
    find(&flash, DATA)->state = APP_NVS_INIT_FAILED; /* a flash error is not fixed by erasing */
    app_storage_result_t r = app_storage_start(&ops, DATA, SECRET);
    assert_false(r.data_ready);
    assert_int_equal(find(&flash, DATA)->erases, 0);
    assert_true(r.secret_ready);
}

static void the_decision_never_names_the_secret_partition(void **state)
{
    (void)state;
    const app_nvs_init_t all[] = {APP_NVS_INIT_OK, APP_NVS_INIT_NEEDS_ERASE, APP_NVS_INIT_FAILED};
    for (size_t i = 0; i < 3; i++) {
        assert_false(app_storage_may_erase(SECRET, SECRET, all[i]));
    }
    assert_true(app_storage_may_erase(DATA, SECRET, APP_NVS_INIT_NEEDS_ERASE));
    assert_false(app_storage_may_erase(DATA, SECRET, APP_NVS_INIT_OK));
    assert_false(app_storage_may_erase(DATA, SECRET, APP_NVS_INIT_FAILED));
    assert_false(app_storage_may_erase(NULL, SECRET, APP_NVS_INIT_NEEDS_ERASE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(secret_survives_the_erase_of_a_full_data_partition, setup),
        cmocka_unit_test_setup(an_unreadable_secret_partition_is_reported_never_erased, setup),
        cmocka_unit_test_setup(nothing_is_erased_when_nvs_is_healthy, setup),
        cmocka_unit_test_setup(a_failing_data_partition_is_not_erased, setup),
        cmocka_unit_test_setup(the_decision_never_names_the_secret_partition, setup),
    };
    return cmocka_run_group_tests_name("storage", tests, NULL, NULL);
}
