/*
 * The schemas of the OpenAPI document (src/http/openapi.c writes the operations): each
 * resource's record, its merge patch and its page, the RFC 9457 problem, and the fixed
 * shapes the other routes answer or take (a table in openapi_schema.c).
 */
#ifndef CIVDESK_OPENAPI_SCHEMA_H
#define CIVDESK_OPENAPI_SCHEMA_H

#include "http/http.h"

/* Writes every member of components.schemas with w; a for temporaries. */
void openapi_schemas(struct jw *w, struct arena *a);
/* Whether components.schemas has a schema of this name (name borrowed). */
bool openapi_schema_declared(const char *name);
/* Writes the schema of a list filter's value: one value of field f (borrowed). */
void openapi_filter_schema(struct jw *w, const struct field *f);
/* Writes the schema of a query parameter's value. */
void openapi_param_schema(struct jw *w, const struct route_param *p);

#endif
