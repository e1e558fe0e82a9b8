/*
 * `civdesk backup`: an online, consistent copy, made by the driver of the database
 * (SQLite's backup API in db_sqlite.c).
 */
#include "store/db.h"
#include "store/internal.h"

int store_backup(const char *src_path, const char *dest_path, struct error *err)
{
    return db_driver_for(src_path)->backup(src_path, dest_path, err);
}
