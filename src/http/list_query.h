/*
 * list_query: the query string of a list (GET /api/v1/<collection>) read into a
 * struct list_query — limit, cursor, count, q, sort, id, the resource's declared
 * parameters and its filterable fields. No HTTP here: the handler collects the decoded
 * parameters and calls list_query_parse; the fuzz target (tests/fuzz/fuzz_list_query.c)
 * calls it the same way.
 */
#ifndef CIVDESK_HTTP_LIST_QUERY_H
#define CIVDESK_HTTP_LIST_QUERY_H

#include "core/core.h"
#include "resource/resource.h"
#include "store/store.h"

/* One decoded query-string parameter. Both borrowed, NUL-terminated; "" for a bare key. */
struct query_param {
    const char *key, *value;
};

/*
 * Reads params[0..nparams) into *q (zeroed first; defaults: sort by id, LIMIT_LIST_DEFAULT
 * items). Every problem — invalid UTF-8, an unknown or unfilterable name, a bad value, a
 * parameter given twice — is added to errs under the parameter's name. Returns 0 when
 * there were none, -1 otherwise (q is then not to be used). Strings in q borrow from
 * params or are allocated from a.
 */
int list_query_parse(const struct resource *res, const struct query_param *params, size_t nparams,
                     struct arena *a, struct list_query *q, struct errors *errs);

#endif
