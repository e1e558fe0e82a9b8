/*
 * GET /api/v1/search (src/http/search_handler.c): one search across every resource with
 * searchable text. One line in routes[] (src/http/routes.c).
 */
#ifndef CIVDESK_SEARCH_HANDLER_H
#define CIVDESK_SEARCH_HANDLER_H

#include "http/http.h"

void h_search(struct request *r); /* GET /api/v1/search?q=&types=&lang=&limit=&cursor= */

#endif
