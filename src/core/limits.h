/*
 * Every limit on input, in one place. Anything a client sends is bounded by one of these;
 * change a limit here and nowhere else.
 */
#ifndef CIVDESK_LIMITS_H
#define CIVDESK_LIMITS_H

#define LIMIT_HEADER_BYTES       (16 * 1024)   /* request line + headers, else a 431 problem */
/* libmicrohttpd's memory per connection. It holds the whole header block, so blocks up to
 * about 47 KiB get our 431 problem JSON and larger ones libmicrohttpd's own 431. It is
 * cleared at each request (1.5x its size in memset), so it is no larger than that needs:
 * 64 KiB cost a point read ~40,000 more instructions. */
#define LIMIT_CONNECTION_MEMORY  (48 * 1024)
#define LIMIT_JSON_BODY          (1024 * 1024) /* a JSON request body: 1 MiB, else 413 */
#define LIMIT_ATTACHMENT         (20 * 1024 * 1024) /* an uploaded attachment: 20 MiB, else 413 */
#define LIMIT_CSV_UPLOAD         (64 * 1024 * 1024) /* a CSV uploaded for import */
#define LIMIT_IMPORT_REJECTS     (1024 * 1024)      /* rows set aside, returned in an import's answer */
#define LIMIT_CSV_RECORD         (1024 * 1024)      /* one CSV record (all its cells) */
#define LIMIT_EXPORT_XLSX_ROWS   200000             /* records in an XLSX export over HTTP */
#define LIMIT_DISCARD            (64 * 1024 * 1024) /* a too-large body is drained up to this, then cut */
#define LIMIT_JSON_DEPTH         32                 /* nesting of objects and arrays */
#define LIMIT_URL_BYTES          4096               /* path + query string */
#define LIMIT_QUERY_PARAMS       32                 /* distinct query parameters */
#define LIMIT_QUERY_PAIRS        256 /* name=value pairs in a query string, counted before parsing */
#define LIMIT_CONNECTIONS_PER_IP 256 /* concurrent HTTP connections from one client address */
#define LIMIT_HEADER_SECONDS     10  /* to send a request's line and headers, however trickled */
#define LIMIT_TEXT_SHORT         200                /* names, titles, cities (code points) */
#define LIMIT_TEXT_MEDIUM        2000               /* addresses, notes (code points) */
#define LIMIT_TEXT_ONE_LINE      400    /* text fields this short (names, titles, cities) are one line */
#define LIMIT_TEXT_LONG          200000 /* descriptions, document bodies (code points) */
#define LIMIT_ARRAY_ITEMS        100    /* items in a list-valued field */
#define LIMIT_EMAIL              254
#define LIMIT_URL_FIELD          2000
#define LIMIT_PASSWORD_MIN       12   /* code points */
#define LIMIT_PASSWORD_MAX       1024 /* bytes: long passphrases allowed, no truncation */
#define LIMIT_LIST_DEFAULT       50
#define LIMIT_LIST_MAX           500
#define LIMIT_ID_SET             500 /* ids in one id=1,2,3 filter (a selection) */
#define LIMIT_CALENDAR_DAYS      3660 /* span of one calendar query (days) */
#define LIMIT_ICS_DAY_REPORTS    20   /* ICS: more reports due at a body on a day are one event */
#define LIMIT_ICS_EVENTS         5000 /* ICS: events in one feed; later ones are left out */
#define LIMIT_SEARCH_QUERY       500  /* bytes of a search query */
#define LIMIT_SEARCH_RESULTS     100  /* results on one page of /search */
#define LIMIT_CURSOR             512  /* bytes of an opaque cursor */
#define LIMIT_CONNECTIONS        1024 /* concurrent HTTP connections */
#define LIMIT_LOG_BUFFER         32768 /* access-log bytes held before one write(2); flushed each second */
#define LIMIT_READER_CACHE_KIB   16384 /* page cache of each reader connection (one per server thread) */
#define LIMIT_CONNECTION_TIMEOUT 30   /* seconds idle before a connection is closed */
#define LIMIT_LOGIN_HASHES       2    /* passwords checked at once (Argon2id: 19 MiB each) */
#define LIMIT_LOGIN_WAIT_MS      3000 /* wait for a hashing slot before answering 429 */

#endif
