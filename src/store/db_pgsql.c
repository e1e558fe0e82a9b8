/*
 * The PostgreSQL driver of the driver table (db.h), over libpq.
 *
 * One SQL text serves both engines: at prepare time the driver turns SQLite's
 * placeholders (`?`, `?NNN`) into PostgreSQL's (`$n`), outside string literals and quoted
 * names. Statements kept long (store_prep's cache) are prepared on the server once per
 * connection; others run with PQexecParams. Values travel as text, blobs as binary
 * bytea; results come back as text and are converted when read.
 *
 * What SQLite's single writer gave for free is explicit here: a write transaction takes
 * a transaction-scoped advisory lock first, so writes of every server on the database
 * are serialised as SQLite's are (the audit chain's append, the rules spanning rows);
 * a read transaction is REPEATABLE READ READ ONLY, one snapshot like SQLite's.
 *
 * A connection the server lost (PostgreSQL restarted, the network cut) fails what runs on
 * it — the store answers those requests 503 — and is connected again at the start of the
 * next transaction, or the next statement outside one (reconnect): its statements are
 * prepared again on the new session as they are next run (gen).
 */
#define _GNU_SOURCE
#include "store/internal.h"

#include <assert.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock every write transaction holds ("civdesk" in ASCII). */
#define WRITER_LOCK 0x63697664657368LL
#define MAX_PARAMS  999 /* as SQLite's default */

#define OID_BOOL    16
#define OID_BYTEA   17
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_FLOAT4  700
#define OID_FLOAT8  701
#define OID_NUMERIC 1700
#define OID_TEXT    25

struct pg_conn {
    struct db_conn base;
    PGconn *pg;
    char *error;        /* owned: the last error's message, one line */
    char sqlstate[6];   /* of the last error, "" if none */
    char *detail;       /* owned: its detail (a unique violation's key), or NULL */
    int64_t changes;    /* rows changed by the last statement */
    int64_t total;      /* rows changed by this connection */
    unsigned next_name; /* server-side statement names: s1, s2, … */
    unsigned flags;     /* of db_open: the session's setup is made again on reconnecting */
    unsigned gen;       /* sessions so far: a statement prepared in an older one is not
                         * prepared in this one */
    bool in_tx;         /* a transaction was begun and not yet ended: a lost connection
                         * is not reconnected inside it */
};

struct pg_param {
    char *text;    /* owned copy, or NULL */
    const char *p; /* what is sent: text or borrowed */
    int len;
    int format; /* 0 text, 1 binary */
    Oid type;
};

struct pg_stmt {
    struct db_stmt base;
    char *sql;            /* owned: with $n placeholders */
    char name[16];        /* kept long (store_prep's cache): prepared on the server as this */
    bool prepared;        /* name is prepared on the server (at the first step) */
    unsigned gen;         /* in the connection's session of this number */
    unsigned char *texty; /* per parameter: untyped, it must be sent as text (not used, or
                           * only tested for NULL: nothing to infer its type from) */
    int nparams;
    struct pg_param *params; /* nparams of them */
    PGresult *res;
    int row, nrows;
    bool ran;
    unsigned char **blobs; /* per column: unescaped bytea of the current row, owned */
    size_t *blob_len;
};

static struct pg_conn *conn_of(struct db_conn *c)
{
    assert(c);
    return (struct pg_conn *)c;
}

static struct pg_stmt *st_of(struct db_stmt *st)
{
    assert(st);
    return (struct pg_stmt *)st;
}

/* Records the error of a result (or of the connection, res NULL) as the last one. */
static void set_error(struct pg_conn *pc, const PGresult *res)
{
    free(pc->error);
    free(pc->detail);
    pc->detail = NULL;
    pc->sqlstate[0] = '\0';
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pc->pg);
    if (!msg || !*msg)
        msg = PQerrorMessage(pc->pg);
    pc->error = strdup(msg && *msg ? msg : "unknown PostgreSQL error");
    if (!pc->error)
        die("out of memory");
    size_t n = strlen(pc->error);
    while (n && (pc->error[n - 1] == '\n' || pc->error[n - 1] == ' '))
        pc->error[--n] = '\0';
    if (res) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (state)
            snprintf(pc->sqlstate, sizeof(pc->sqlstate), "%s", state);
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        if (detail && !(pc->detail = strdup(detail)))
            die("out of memory");
    }
}

static void pg_close(struct db_conn *c)
{
    if (!c)
        return;
    struct pg_conn *pc = conn_of(c);
    if (pc->pg)
        PQfinish(pc->pg);
    free(pc->error);
    free(pc->detail);
    free(pc);
}

static int pg_exec(struct db_conn *c, const char *sql, struct error *err)
{
    struct pg_conn *pc = conn_of(c);
    PGresult *res = PQexec(pc->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = STORE_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_error(pc, res);
        if (err)
            error_set(err, "%s", pc->error);
        rc = STORE_ERROR;
    }
    PQclear(res);
    return rc;
}

/* Notices (a NOTICE that a table exists already, …) are not errors: kept out of stderr. */
static void quiet(void *arg, const char *message)
{
}

/* UTC times, text in UTF-8, and readers that cannot write: run on each new session. */
static int setup(struct pg_conn *pc, struct error *err)
{
    PQsetNoticeProcessor(pc->pg, quiet, NULL);
    const char *sql = pc->flags & DB_OPEN_READONLY
                          ? "SET client_encoding='UTF8'; SET TIME ZONE 'UTC';"
                            "SET default_transaction_read_only=on;"
                          : "SET client_encoding='UTF8'; SET TIME ZONE 'UTC';";
    return pg_exec(&pc->base, sql, err);
}

/*
 * A lost connection connected again (PQreset), its session set up as a new one's. Only
 * between transactions: a write half done on the lost session is rolled back by the
 * server, and its caller has already failed.
 */
static int reconnect(struct pg_conn *pc)
{
    if (PQstatus(pc->pg) == CONNECTION_OK)
        return STORE_OK;
    PQreset(pc->pg);
    pc->gen++;
    if (PQstatus(pc->pg) != CONNECTION_OK) {
        set_error(pc, NULL);
        return STORE_ERROR;
    }
    log_info("store: connected to PostgreSQL again");
    return setup(pc, NULL);
}

static int pg_open(const char *target, unsigned flags, struct db_conn **out, struct error *err)
{
    *out = NULL;
    struct pg_conn *pc = calloc(1, sizeof(*pc));
    if (!pc)
        die("out of memory");
    pc->base.drv = &db_pgsql_driver;
    pc->flags = flags;
    pc->pg = PQconnectdb(target);
    if (!pc->pg || PQstatus(pc->pg) != CONNECTION_OK) {
        const char *why = pc->pg ? PQerrorMessage(pc->pg) : "out of memory";
        char line[512];
        snprintf(line, sizeof(line), "%s", why);
        line[strcspn(line, "\n")] = '\0';
        error_set(err, "cannot connect to PostgreSQL: %s", line);
        if (pc->pg && (flags & DB_OPEN_LATER)) {
            set_error(pc, NULL);
            *out = &pc->base; /* reconnect() tries again at its first transaction */
            return STORE_OK;
        }
        pg_close(&pc->base);
        return STORE_ERROR;
    }
    if (setup(pc, err) < 0) {
        pg_close(&pc->base);
        return STORE_ERROR;
    }
    *out = &pc->base;
    return STORE_OK;
}

/*
 * SQLite's placeholders as PostgreSQL's: `?` is the next number, `?NNN` that number.
 * Quoted text ('…', "…") and comments are copied as they are. The number of parameters
 * (the highest) goes into *nparams.
 */
static char *placeholders(const char *sql, int *nparams, unsigned char *texty)
{
    struct buf b = BUF_INIT;
    int next = 0, max = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            buf_putc(&b, *p);
            for (p++; *p; p++) {
                buf_putc(&b, *p);
                if (*p == q) {
                    if (p[1] == q) {
                        buf_putc(&b, *++p);
                        continue;
                    }
                    break;
                }
            }
            if (!*p)
                break;
            continue;
        }
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                buf_putc(&b, *p++);
            if (!*p)
                break;
            buf_putc(&b, *p);
            continue;
        }
        if (*p != '?') {
            buf_putc(&b, *p);
            continue;
        }
        int n;
        if (p[1] >= '0' && p[1] <= '9') {
            n = 0;
            while (p[1] >= '0' && p[1] <= '9' && n < 100000)
                n = n * 10 + (*++p - '0');
        } else {
            n = ++next;
        }
        if (n > next)
            next = n;
        if (n > max)
            max = n;
        buf_printf(&b, "$%d", n);
        /* Seen: no longer "unused". Only tested for NULL: no type to infer from. */
        if (n <= MAX_PARAMS) {
            const char *after = p + 1;
            while (*after == ' ')
                after++;
            bool null_test =
                strncmp(after, "IS NULL", 7) == 0 || strncmp(after, "IS NOT NULL", 11) == 0;
            texty[n - 1] = (texty[n - 1] & ~1u) | (null_test ? 2u : 0u);
        }
    }
    *nparams = max;
    return buf_detach(&b);
}

static struct db_stmt *pg_prepare(struct db_conn *c, const char *sql, bool persistent)
{
    struct pg_conn *pc = conn_of(c);
    struct pg_stmt *st = calloc(1, sizeof(*st));
    if (!st)
        die("out of memory");
    st->base.drv = &db_pgsql_driver;
    st->base.conn = c;
    unsigned char texty[MAX_PARAMS + 1];
    memset(texty, 1, sizeof(texty)); /* bit 1: not used; bit 2: tested for NULL */
    st->sql = placeholders(sql, &st->nparams, texty);
    if (st->nparams > MAX_PARAMS) {
        free(st->sql);
        free(st);
        set_error(pc, NULL);
        return NULL;
    }
    st->params = calloc((size_t)st->nparams + 1, sizeof(*st->params));
    st->texty = malloc((size_t)st->nparams + 1);
    if (!st->params || !st->texty)
        die("out of memory");
    memcpy(st->texty, texty, (size_t)st->nparams);
    /* Prepared on the server at the first step, when the values bound tell their types. */
    if (persistent)
        snprintf(st->name, sizeof(st->name), "s%u", ++pc->next_name);
    return &st->base;
}

static void clear_result(struct pg_stmt *st)
{
    if (st->blobs) {
        int ncol = st->res ? PQnfields(st->res) : 0;
        for (int i = 0; i < ncol; i++)
            PQfreemem(st->blobs[i]);
        free(st->blobs);
        free(st->blob_len);
        st->blobs = NULL;
        st->blob_len = NULL;
    }
    PQclear(st->res);
    st->res = NULL;
    st->ran = false;
    st->row = st->nrows = 0;
}

static void pg_reset(struct db_stmt *s)
{
    struct pg_stmt *st = st_of(s);
    clear_result(st);
    for (int i = 0; i < st->nparams; i++) {
        free(st->params[i].text);
        st->params[i] = (struct pg_param){0};
    }
}

static void pg_finalize(struct db_stmt *s)
{
    struct pg_stmt *st = st_of(s);
    pg_reset(s);
    if (st->prepared && st->gen == conn_of(s->conn)->gen) {
        struct pg_conn *pc = conn_of(s->conn);
        char sql[40];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        if (PQstatus(pc->pg) == CONNECTION_OK && PQtransactionStatus(pc->pg) != PQTRANS_INERROR)
            PQclear(PQexec(pc->pg, sql));
    }
    free(st->params);
    free(st->texty);
    free(st->sql);
    free(st);
}

static struct pg_param *param(struct pg_stmt *st, int i)
{
    if (i < 1 || i > st->nparams)
        return NULL; /* as SQLite, a bind out of range does nothing */
    struct pg_param *p = &st->params[i - 1];
    free(p->text);
    *p = (struct pg_param){0};
    return p;
}

static void pg_bind_null(struct db_stmt *s, int i)
{
    param(st_of(s), i);
}

static void pg_bind_int64(struct db_stmt *s, int i, int64_t v)
{
    struct pg_param *p = param(st_of(s), i);
    if (!p)
        return;
    if (asprintf(&p->text, "%lld", (long long)v) < 0)
        die("out of memory");
    p->p = p->text;
    p->len = (int)strlen(p->text);
    p->type = OID_INT8; /* sent untyped unless nothing else tells (run) */
}

static void pg_bind_double(struct db_stmt *s, int i, double v)
{
    struct pg_param *p = param(st_of(s), i);
    if (!p)
        return;
    if (asprintf(&p->text, "%.17g", v) < 0)
        die("out of memory");
    p->p = p->text;
    p->len = (int)strlen(p->text);
    p->type = OID_FLOAT8; /* sent untyped unless nothing else tells (run) */
}

static void pg_bind_text(struct db_stmt *s, int i, const char *v, int n, bool copy)
{
    struct pg_param *p = param(st_of(s), i);
    if (!p || !v)
        return; /* NULL text is SQL NULL, as sqlite3_bind_text has it */
    size_t len = n < 0 ? strlen(v) : (size_t)n;
    /* Text parameters end at a NUL: always a copy of exactly len bytes. */
    p->text = strndup(v, len);
    if (!p->text)
        die("out of memory");
    p->p = p->text;
    p->len = (int)len;
}

static void pg_bind_blob(struct db_stmt *s, int i, const void *v, size_t n, bool copy)
{
    struct pg_param *p = param(st_of(s), i);
    if (!p)
        return;
    p->text = malloc(n ? n : 1);
    if (n)
        assert(v);
    if (!p->text)
        die("out of memory");
    memcpy(p->text, v, n);
    p->p = p->text;
    p->len = (int)n;
    p->format = 1;
    p->type = OID_BYTEA;
}

/*
 * The parameter $k a "could not determine data type of parameter $k" error names (a
 * parameter only compared with NULL, or not used at all, has no type to infer); 0 if the
 * error is another.
 */
static int indeterminate(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *dollar = msg ? strrchr(msg, '$') : NULL;
    if (!state || strcmp(state, "42P18") != 0 || !dollar)
        return 0;
    return atoi(dollar + 1);
}

/*
 * Runs the statement with its bound values. Values go untyped (blobs as bytea), for the
 * server to infer from where they are used — so that 5 compares with a bigint column and
 * with the text of a JSON array's element alike; where it cannot (`? IS NULL`, a number
 * not used) they are typed as bound, text for NULL, and retried as text should the
 * server still find one it cannot type. A statement
 * kept long is prepared on the server the first time, with the types so found.
 */
static PGresult *run(struct pg_stmt *st, struct pg_conn *pc)
{
    int n = st->nparams;
    const char *vals[MAX_PARAMS + 1];
    int lens[MAX_PARAMS + 1], fmts[MAX_PARAMS + 1];
    Oid types[MAX_PARAMS + 1];
    for (int i = 0; i < n; i++) {
        vals[i] = st->params[i].p;
        lens[i] = st->params[i].len;
        fmts[i] = st->params[i].format;
        /* Untyped but where nothing tells the type: as bound (text for NULL). */
        types[i] = st->texty[i]           ? (st->params[i].type ? st->params[i].type : OID_TEXT)
                   : st->params[i].format ? st->params[i].type
                                          : 0;
    }
    if (st->prepared && st->gen != pc->gen)
        st->prepared = false; /* prepared on a session since lost */
    if (st->prepared)
        return PQexecPrepared(pc->pg, st->name, n, vals, lens, fmts, 0);
    for (int tries = 0;; tries++) {
        PGresult *res;
        if (st->name[0]) {
            res = PQprepare(pc->pg, st->name, st->sql, n, types);
            if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                PQclear(res);
                st->prepared = true;
                st->gen = pc->gen;
                return PQexecPrepared(pc->pg, st->name, n, vals, lens, fmts, 0);
            }
        } else {
            res = PQexecParams(pc->pg, st->sql, n, types, vals, lens, fmts, 0);
        }
        int k = indeterminate(res);
        if (tries >= n || k < 1 || k > n || types[k - 1] != 0)
            return res;
        PQclear(res);
        types[k - 1] = OID_TEXT;
    }
}

static int pg_step(struct db_stmt *s)
{
    struct pg_stmt *st = st_of(s);
    struct pg_conn *pc = conn_of(s->conn);
    if (!st->ran) {
        if (!pc->in_tx && reconnect(pc) < 0) {
            st->ran = true;
            return DB_FAIL;
        }
        PGresult *res = run(st, pc);
        st->ran = true;
        ExecStatusType status = PQresultStatus(res);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            set_error(pc, res);
            PQclear(res);
            return DB_FAIL;
        }
        const char *tuples = PQcmdTuples(res);
        pc->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
        const char *cmd = PQcmdStatus(res);
        if (cmd && (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
                    strncmp(cmd, "DELETE", 6) == 0))
            pc->total += pc->changes;
        st->res = res;
        st->nrows = status == PGRES_TUPLES_OK ? PQntuples(res) : 0;
        st->row = -1;
    }
    if (st->blobs) {
        for (int i = 0; i < PQnfields(st->res); i++) {
            PQfreemem(st->blobs[i]);
            st->blobs[i] = NULL;
        }
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return DB_ROW;
    }
    st->row = st->nrows;
    return DB_DONE;
}

static bool has_value(struct pg_stmt *st, int col)
{
    return st->res && st->row >= 0 && st->row < st->nrows && col >= 0 && col < PQnfields(st->res) &&
           !PQgetisnull(st->res, st->row, col);
}

static enum db_type pg_column_type(struct db_stmt *s, int col)
{
    struct pg_stmt *st = st_of(s);
    if (!has_value(st, col))
        return DB_NULL;
    switch (PQftype(st->res, col)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        return DB_INTEGER;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return DB_FLOAT;
    case OID_BYTEA:
        return DB_BLOB;
    default:
        return DB_TEXT;
    }
}

static const char *pg_column_text(struct db_stmt *s, int col)
{
    struct pg_stmt *st = st_of(s);
    return has_value(st, col) ? PQgetvalue(st->res, st->row, col) : NULL;
}

static const void *pg_column_blob(struct db_stmt *s, int col)
{
    struct pg_stmt *st = st_of(s);
    if (!has_value(st, col))
        return NULL;
    if (PQftype(st->res, col) != OID_BYTEA)
        return PQgetvalue(st->res, st->row, col);
    int ncol = PQnfields(st->res);
    if (!st->blobs) {
        st->blobs = calloc((size_t)ncol, sizeof(*st->blobs));
        st->blob_len = calloc((size_t)ncol, sizeof(*st->blob_len));
        if (!st->blobs || !st->blob_len)
            die("out of memory");
    }
    if (!st->blobs[col]) {
        st->blobs[col] = PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, col),
                                         &st->blob_len[col]);
        if (!st->blobs[col])
            die("out of memory");
    }
    return st->blobs[col];
}

static int pg_column_bytes(struct db_stmt *s, int col)
{
    struct pg_stmt *st = st_of(s);
    if (!has_value(st, col))
        return 0;
    if (PQftype(st->res, col) == OID_BYTEA) {
        pg_column_blob(s, col);
        return (int)st->blob_len[col];
    }
    return PQgetlength(st->res, st->row, col);
}

static int64_t pg_column_int64(struct db_stmt *s, int col)
{
    const char *t = pg_column_text(s, col);
    if (!t)
        return 0;
    if (*t == 't')
        return 1;
    if (*t == 'f')
        return 0;
    return strtoll(t, NULL, 10);
}

static double pg_column_double(struct db_stmt *s, int col)
{
    const char *t = pg_column_text(s, col);
    return t ? strtod(t, NULL) : 0;
}

static int64_t pg_changes(struct db_conn *c)
{
    return conn_of(c)->changes;
}

static int64_t pg_total_changes(struct db_conn *c)
{
    return conn_of(c)->total;
}

/* The value the session's last nextval() gave: the id of the row just inserted (tables
 * give ids from an identity sequence). 0 when none was given yet. */
static int64_t pg_last_insert_id(struct db_conn *c)
{
    struct pg_conn *pc = conn_of(c);
    PGresult *res = PQexec(pc->pg, "SELECT lastval()");
    int64_t id = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

static bool pg_in_transaction(struct db_conn *c)
{
    struct pg_conn *pc = conn_of(c);
    if (PQstatus(pc->pg) != CONNECTION_OK)
        return pc->in_tx; /* lost: the transaction begun, if any, until it is ended */
    return PQtransactionStatus(pc->pg) != PQTRANS_IDLE;
}

static int pg_begin(struct db_conn *c, bool write)
{
    struct pg_conn *pc = conn_of(c);
    if (reconnect(pc) < 0)
        return STORE_ERROR;
    char sql[160];
    if (write)
        snprintf(sql, sizeof(sql),
                 "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%lld)",
                 WRITER_LOCK);
    else
        snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (pg_exec(c, sql, NULL) < 0) {
        /* The lock refused or the connection lost between BEGIN and the lock: nothing
         * is left open for the next begin to trip over. */
        if (PQtransactionStatus(pc->pg) == PQTRANS_INERROR ||
            PQtransactionStatus(pc->pg) == PQTRANS_INTRANS)
            PQclear(PQexec(pc->pg, "ROLLBACK"));
        return STORE_ERROR;
    }
    pc->in_tx = true;
    return STORE_OK;
}

static int pg_commit(struct db_conn *c)
{
    struct pg_conn *pc = conn_of(c);
    pc->in_tx = false;
    PGresult *res = PQexec(pc->pg, "COMMIT");
    int rc = STORE_OK;
    /* A COMMIT of a failed transaction answers ROLLBACK: that is a failure too. */
    if (PQresultStatus(res) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        set_error(pc, res);
        rc = STORE_ERROR;
    }
    PQclear(res);
    return rc;
}

static int pg_rollback(struct db_conn *c)
{
    conn_of(c)->in_tx = false;
    return pg_exec(c, "ROLLBACK", NULL);
}

static const char *pg_error_text(struct db_conn *c)
{
    struct pg_conn *pc = conn_of(c);
    return pc->error ? pc->error : "no error";
}

static enum db_fault pg_fault(struct db_conn *c)
{
    struct pg_conn *pc = conn_of(c);
    if (strcmp(pc->sqlstate, "23505") == 0)
        return DB_FAULT_UNIQUE;
    if (strcmp(pc->sqlstate, "23503") == 0)
        return DB_FAULT_FOREIGN_KEY;
    return DB_FAULT_OTHER;
}

/* "Key (country, registration_no)=(RU, 1) already exists." → "country and registration_no";
 * an expression index's key (lower(email)) is named as it is written. */
static void pg_fault_columns(struct db_conn *c, const char *table, struct buf *out)
{
    struct pg_conn *pc = conn_of(c);
    const char *d = pc->detail ? strstr(pc->detail, "Key (") : NULL;
    if (!d)
        return;
    d += 5;
    const char *end = strstr(d, ")=(");
    if (!end)
        return;
    while (d < end) {
        const char *comma = memchr(d, ',', (size_t)(end - d));
        const char *e = comma ? comma : end;
        if (out->n)
            buf_puts(out, " and ");
        buf_append(out, d, (size_t)(e - d));
        d = e;
        while (d < end && (*d == ',' || *d == ' '))
            d++;
    }
}

static int pg_sort_threads(struct db_conn *c, int n)
{
    return 0; /* PostgreSQL plans its own parallel index builds */
}

static int pg_backup(const char *target, const char *dest, struct error *err)
{
    return error_set(err, "civdesk backup copies SQLite databases only; back up PostgreSQL "
                          "with its own tools: pg_dump for a consistent logical copy, "
                          "pg_basebackup with WAL archiving for point-in-time recovery "
                          "(docs/operations.md)"),
           STORE_ERROR;
}

const struct db_driver db_pgsql_driver = {
    .name = "pgsql",
    .dialect = DB_PGSQL,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_null = pg_bind_null,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .column_type = pg_column_type,
    .column_text = pg_column_text,
    .column_bytes = pg_column_bytes,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_blob = pg_column_blob,
    .reset = pg_reset,
    .changes = pg_changes,
    .total_changes = pg_total_changes,
    .last_insert_id = pg_last_insert_id,
    .in_transaction = pg_in_transaction,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .error_text = pg_error_text,
    .fault = pg_fault,
    .fault_columns = pg_fault_columns,
    .sort_threads = pg_sort_threads,
    .backup = pg_backup,
};
