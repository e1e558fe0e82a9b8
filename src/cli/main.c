/* civdesk: one program for the ministry's work with civil society. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
