/*
 * The SQLite driver's own entry points, for the SQLite-only files of src/store (the FTS5
 * search tokenizer): nothing else includes this or <sqlite3.h>.
 */
#ifndef CIVDESK_STORE_DB_SQLITE_H
#define CIVDESK_STORE_DB_SQLITE_H

#include "store/db.h"

#include <sqlite3.h>

/* The SQLite handle of a connection of the SQLite driver (borrowed). */
sqlite3 *db_sqlite_handle(struct db_conn *c);
/* The SQLite statement of a statement of the SQLite driver (borrowed). */
sqlite3_stmt *db_sqlite_stmt(struct db_stmt *st);

/* Registers the "civdesk" FTS5 tokenizer and its functions on a new connection
 * (src/store/search_fts5.c). SQLITE_OK or an error code. */
int search_fts5_register(sqlite3 *db);

#endif
