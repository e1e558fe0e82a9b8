/*
 * io_handlers: the HTTP face of src/io. A list asked for as a file (CSV, JSON or XLSX) is
 * answered with the whole filtered list, streamed; an admin's CSV (or JSON) upload is
 * imported and answered with the import's report. docs/api.md, "Export and import".
 */
#ifndef CIVDESK_IO_HANDLERS_H
#define CIVDESK_IO_HANDLERS_H

#include "http/http.h"
#include "io/io.h"

/*
 * Whether a list request asks for a file instead of a page of JSON: ?format=csv|json|xlsx,
 * or, without format, an Accept header whose first type (of those civdesk knows) is
 * text/csv or the XLSX type. 1 with *fmt set; 0 for the usual page; -1 with a 400
 * problem set on r (an unknown format).
 */
int io_http_wants_export(struct request *r, enum io_format *fmt);

/*
 * Answers the list request r with every record of res that q selects, as a file in fmt
 * (Content-Disposition: attachment). q is the list query as parsed and scoped for the
 * caller by the JSON list's code, so the file holds exactly what the list pages would;
 * its sort, cursor, limit and count are ignored (exports are in id order). q is borrowed:
 * what the stream needs of it is copied.
 *
 * CSV and JSON are streamed from a read-only connection of the export's own (one
 * consistent snapshot, held until the last byte is produced or the client goes away);
 * XLSX is written to a temporary file first, up to LIMIT_EXPORT_XLSX_ROWS records.
 */
void io_http_export(struct request *r, const struct resource *res, const struct list_query *q,
                    enum io_format fmt);

/* The query parameter io_http_wants_export reads; the list's own parser skips it. */
#define IO_HTTP_FORMAT_PARAM "format"
#define IO_HTTP_BOM_PARAM    "bom"    /* bom=true: a CSV starts with a UTF-8 BOM (for Excel) */
#define IO_HTTP_LABELS_PARAM "labels" /* labels=en|ru: a CSV's header row in the UI's words */

/*
 * POST /api/v1/{collection}/import: the body (text/csv, or a JSON array as
 * application/json) imported into the collection in one transaction. Query parameters:
 * skip_invalid=true|false, on_duplicate=error|skip|update, filename=NAME (for the audit
 * trail). 200 with the report when something was written or nothing needed to be; 422
 * (a problem whose members include the report) when nothing was imported.
 */
void h_import(struct request *r);

#endif
