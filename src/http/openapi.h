/* The OpenAPI document, generated from routes[] and the resource declarations. */
#ifndef CIVDESK_OPENAPI_H
#define CIVDESK_OPENAPI_H

#include "http/http.h"

/* Writes the whole document with w; arena for temporaries. */
void openapi_write(struct jw *w, struct arena *a);
/* GET /api/v1/openapi.json (public). */
void h_openapi(struct request *r);

#endif
