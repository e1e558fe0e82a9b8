/* cli: the civdesk command line. */
#ifndef CIVDESK_CLI_H
#define CIVDESK_CLI_H

/* Runs one command; returns the process exit status (0, 1 user error, 2 usage). */
int cli_main(int argc, char **argv);

#endif
