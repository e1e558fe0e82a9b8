/*
 * Several civdesk processes on one database (issue 20): who migrates, and what a server
 * does with a schema it does not know. See docs/operations.md, "Upgrade" and "Several
 * servers on PostgreSQL".
 */
#ifndef CIVDESK_STORE_CLUSTER_H
#define CIVDESK_STORE_CLUSTER_H

#include "core/core.h"

struct db_conn;

/* The schema version of the database at target, read without changing anything: 0 when
 * it has none (a SQLite file not there yet, a PostgreSQL database without civdesk's
 * tables), negative with err set when it cannot be reached or read. shown: target as
 * messages name it (db_target_shown). */
int store_schema_probe(const char *target, const char *shown, struct error *err);

/*
 * Makes this process the only one migrating target until store_migration_unlock: on
 * PostgreSQL a session advisory lock on a connection of its own, waited for (with a line
 * in the log saying so) while another `civdesk init` holds it; on SQLite nothing (the
 * file has one writer process by design). *held (NULL on SQLite) is handed over to the
 * caller. 0, or negative with err set.
 */
int store_migration_lock(const char *target, struct db_conn **held, struct error *err);
void store_migration_unlock(struct db_conn *held); /* NULL is fine */

/*
 * Before a server opens target: on PostgreSQL, where several servers share a database and
 * one of them (or the administrator's `civdesk init`) migrates it, waits while the schema
 * is older than this build's, saying so in the log and looking again every few seconds,
 * for at most wait_s seconds; returns 0 once it matches. A newer schema, a timeout or an
 * unreachable database: negative with err naming both versions. On SQLite it returns 0 at
 * once and store_open refuses an old schema as it always has.
 */
int store_schema_wait(const char *target, int wait_s, struct error *err);

#define STORE_SCHEMA_WAIT_DEFAULT 300 /* seconds `serve` waits for a migration */
#define STORE_SCHEMA_WAIT_MAX     86400
#define STORE_SCHEMA_POLL_S       2 /* seconds between looks */

#endif
