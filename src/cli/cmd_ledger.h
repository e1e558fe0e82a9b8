/*
 * The ledger's commands (src/cli/cmd_ledger.c), each one line in commands[] (cli.c).
 */
#ifndef CIVDESK_CMD_LEDGER_H
#define CIVDESK_CMD_LEDGER_H

#include "cli/commands.h"

/* civdesk stats representation --body B [--as-of DATE]: the figures as a table. */
int cmd_stats_representation(struct opts *o);
/* civdesk import listing --body B --as-of DATE FILE.csv: replace that listing. */
int cmd_import_listing(struct opts *o);

/* civdesk obligations --org ID [--as-of DATE] [--lang en|ru]: what the organisation owes,
 * as judged on DATE (default today), one line per item (issue 14). */
int cmd_obligations(struct opts *o);

#endif
