/*
 * civdesk check: the database's own integrity (PRAGMA integrity_check, foreign keys) and
 * the audit trail's (every entry's hash over the one before it, and the head that
 * records how many were written), then every live row against its last audited image
 * (issue 16). Exit 0 when all hold; 1 with one line naming the first chain fault, or one
 * line per row written outside civdesk and a summary. The dashboard's kept counts
 * (migration 0016) are compared with a recount. Safe while the server runs (one
 * read transaction).
 */
#include "cli/commands.h"
#include "store/access.h"
#include "store/counts.h"

#include <stdio.h>

int cmd_check(struct opts *o)
{
    struct store *s;
    if (cli_open_db(o, STORE_OPEN_KEEP_INDEX, &s))
        return EXIT_USER;
    struct store_conn *c = store_reader(s);
    struct error err = ERROR_INIT;
    int rc = store_integrity(c, &err);
    if (rc < 0) {
        store_close(s);
        return user_error("%s: %s", o->db, err.msg);
    }
    struct audit_report rep;
    store_read_begin(c); /* one snapshot for the chain and the rows */
    rc = store_audit_check(c, &rep, &err);
    if (rc == STORE_CONFLICT || rc < 0) {
        store_read_end(c);
        store_close(s);
        if (rc == STORE_CONFLICT)
            return user_error("%s: the audit trail was tampered with: %s (%lld entries before "
                              "it verify)",
                              o->db, err.msg, (long long)rep.checked);
        return user_error("%s: %s", o->db, err.msg);
    }
    /* The dashboard's kept counts against a recount (migration 0016). */
    int64_t bad_counts;
    rc = store_counts_check(c, &bad_counts, &err);
    if (rc < 0) {
        store_read_end(c);
        store_close(s);
        if (rc == STORE_CONFLICT)
            return user_error("%s: %lld kept counts differ from a recount, first %s", o->db,
                              (long long)bad_counts, err.msg);
        return user_error("%s: %s", o->db, err.msg);
    }
    /* Every live row against its last audited image (issue 16). */
    struct arena a = ARENA_INIT;
    struct deep_report deep;
    rc = store_audit_deep_check(c, &a, &deep);
    store_read_end(c);
    store_close(s);
    if (rc < 0) {
        arena_release(&a);
        return user_error("%s: the rows could not be compared with the audit trail", o->db);
    }
    if (deep.faults_total) {
        for (size_t i = 0; i < deep.nfaults; i++)
            fprintf(stderr, "civdesk: %s %lld: %s\n", deep.faults[i].resource,
                    (long long)deep.faults[i].id, deep.faults[i].detail);
        if ((size_t)deep.faults_total > deep.nfaults)
            fprintf(stderr, "civdesk: ... and %lld more\n",
                    (long long)(deep.faults_total - (int64_t)deep.nfaults));
        user_error("%s: %lld of %lld rows were written outside civdesk (they differ from, or "
                   "have no, audit entry)",
                   o->db, (long long)deep.faults_total, (long long)deep.checked);
        arena_release(&a);
        return EXIT_USER;
    }
    printf("civdesk: %s is intact: database integrity ok; audit trail of %lld entries "
           "verifies, head entry %lld %s; %lld rows match their last audited image; the "
           "dashboard's counts match a recount\n",
           o->db, (long long)rep.checked, (long long)rep.head_id, rep.head_hash,
           (long long)deep.checked);
    arena_release(&a);
    return 0;
}
