/*
 * Several processes on one database (cluster.h): the migration lock and a server's wait
 * for the schema it knows.
 */
#define _GNU_SOURCE
#include "store/cluster.h"
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The session advisory lock `civdesk init` holds while migrating ("civmigr" in ASCII),
 * apart from the transaction-scoped one every write takes (db_pgsql.c). */
#define MIGRATION_LOCK "27981980057036658"

static int64_t one_int(struct db_conn *c, const char *sql)
{
    struct db_stmt *st = db_prepare(c, sql);
    if (!st)
        return -1;
    int64_t v = db_step(st) == DB_ROW ? db_column_int64(st, 0) : -1;
    db_finalize(st);
    return v;
}

int store_schema_probe(const char *target, const char *shown, struct error *err)
{
    bool file = db_driver_for(target)->dialect == DB_SQLITE;
    if (file && strncmp(target, "file:", 5) != 0 && access(target, F_OK) != 0)
        return 0;
    struct db_conn *c = NULL;
    struct error why = ERROR_INIT;
    if (db_open(target, DB_OPEN_READONLY, &c, &why) < 0) {
        db_close(c);
        return error_set(err, "cannot reach %s: %s", shown, why.msg);
    }
    int64_t v;
    if (file) {
        v = one_int(c, "PRAGMA user_version");
    } else {
        v = one_int(c, "SELECT CASE WHEN to_regclass('civdesk_schema') IS NULL THEN 0 ELSE 1 "
                       "END");
        if (v == 1)
            v = one_int(c, "SELECT coalesce(max(version), 0) FROM civdesk_schema");
    }
    if (v < 0)
        error_set(err, "cannot read the schema version of %s: %s", shown, db_error_text(c));
    db_close(c);
    return v < 0 ? -1 : (int)v;
}

int store_migration_lock(const char *target, struct db_conn **held, struct error *err)
{
    *held = NULL;
    if (db_driver_for(target)->dialect == DB_SQLITE)
        return 0;
    char *shown = db_target_shown(target);
    if (!shown)
        die("out of memory");
    struct db_conn *c = NULL;
    struct error why = ERROR_INIT;
    int ret = 0;
    if (db_open(target, 0, &c, &why) < 0) {
        ret = error_set(err, "cannot use %s as a civdesk database: %s", shown, why.msg);
        goto out;
    }
    if (one_int(c, "SELECT CASE WHEN pg_try_advisory_lock(" MIGRATION_LOCK ") THEN 1 ELSE 0 "
                   "END") != 1) {
        log_info("store: another civdesk is migrating %s: waiting for it to finish", shown);
        if (one_int(c, "SELECT 1 FROM (SELECT pg_advisory_lock(" MIGRATION_LOCK ")) AS l") != 1) {
            ret =
                error_set(err, "cannot take the migration lock of %s: %s", shown, db_error_text(c));
            goto out;
        }
    }
    *held = c;
    c = NULL;
out:
    db_close(c);
    free(shown);
    return ret;
}

void store_migration_unlock(struct db_conn *held)
{
    /* Closing the session lets the lock go; unlocking first says so sooner. */
    if (held)
        db_exec(held, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", NULL);
    db_close(held);
}

int store_schema_wait(const char *target, int wait_s, struct error *err)
{
    if (db_driver_for(target)->dialect == DB_SQLITE)
        return 0;
    char *shown = db_target_shown(target);
    if (!shown)
        die("out of memory");
    int want = store_schema_latest(), ret = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (bool said = false;;) {
        int have = store_schema_probe(target, shown, err);
        if (have < 0) {
            ret = -1;
            break;
        }
        if (have == want)
            break;
        if (have > want) {
            ret = error_set(err,
                            "%s has schema version %d, newer than this civdesk knows (%d): "
                            "refusing to use it",
                            shown, have, want);
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited = (long)(now.tv_sec - t0.tv_sec);
        if (waited >= wait_s) {
            ret = error_set(err,
                            "%s still has schema version %d after %d s, this civdesk needs %d: "
                            "run `civdesk init` to migrate",
                            shown, have, wait_s, want);
            break;
        }
        if (!said) {
            log_info("store: %s has schema version %d, this civdesk needs %d: waiting up to %d "
                     "s for `civdesk init` (another server's, or the administrator's) to "
                     "migrate it",
                     shown, have, want, wait_s);
            said = true;
        }
        sleep(STORE_SCHEMA_POLL_S);
    }
    if (ret == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= STORE_SCHEMA_POLL_S)
            log_info("store: %s is at schema version %d now", shown, want);
    }
    free(shown);
    return ret;
}
