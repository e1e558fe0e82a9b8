/*
 * Online backup through SQLite's backup API: a consistent copy of the database as of one
 * moment, taken while the server keeps writing. The copy is written beside the target
 * and renamed into place only when complete, so a failed backup never leaves a file
 * that looks like a good one.
 */
#define _GNU_SOURCE
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int store_backup(const char *src_path, const char *dest_path, struct error *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    char *tmp = NULL;
    int rc = -1;
    if (asprintf(&tmp, "%s.partial-%ld", dest_path, (long)getpid()) < 0)
        die("out of memory");
    if (sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        error_set(err, "cannot open %s: %s", src_path, src ? sqlite3_errmsg(src) : "no memory");
        goto out;
    }
    sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
    sqlite3_db_config(src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    unlink(tmp); /* a leftover of a crashed backup by this pid: start afresh, private */
    if (store_create_private(tmp, err) < 0)
        goto out;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        error_set(err, "cannot create %s: %s", tmp, dst ? sqlite3_errmsg(dst) : "no memory");
        goto out;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        error_set(err, "backup failed: %s", sqlite3_errmsg(dst));
        goto out;
    }
    /* One step copies every page under one read transaction: a single snapshot, and
     * writers (WAL) are not blocked meanwhile. */
    int step = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE) {
        error_set(err, "backup failed: %s", sqlite3_errstr(step));
        goto out;
    }
    /* The copy is a plain rollback-journal database file; make it durable. */
    char *msg = NULL;
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
        error_set(err, "backup failed: %s", msg ? msg : "?");
        sqlite3_free(msg);
        goto out;
    }
    sqlite3_close(dst);
    dst = NULL;
    FILE *f = fopen(tmp, "r+");
    if (!f || fsync(fileno(f)) != 0) {
        if (f)
            fclose(f);
        error_set(err, "cannot sync %s", tmp);
        goto out;
    }
    fclose(f);
    if (rename(tmp, dest_path) != 0) {
        error_set(err, "cannot rename %s to %s", tmp, dest_path);
        goto out;
    }
    rc = 0;
out:
    if (dst)
        sqlite3_close(dst);
    if (src)
        sqlite3_close(src);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
