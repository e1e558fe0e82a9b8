/*
 * bulk_handlers: POST /api/v1/{collection}/bulk — one change to a selection of records,
 * all or none (src/domain/bulk.c). docs/api.md, "Bulk changes".
 */
#ifndef CIVDESK_BULK_HANDLERS_H
#define CIVDESK_BULK_HANDLERS_H

#include "http/http.h"

void h_bulk(struct request *r);

#endif
