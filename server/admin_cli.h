// The operator's command line:
// - `eventify-server admin create --email E --full-name N [--password-file F] [config flags]`
//   creates a verified admin account and prints its id. The password comes from --password-file,
//   else EVENTIFY_ADMIN_PASSWORD, else a prompt on the terminal without echo (or one line of
//   standard input when it is not a terminal). There is no default password.
// - `eventify-server admin list [--email T] [--name T] [--role R] [--blocked B] [--verified B]
//   [--limit N] [--cursor C]` prints users newest first, tab-separated under a header line.
// - `eventify-server admin set-role --email E --role R` changes the role of an existing user.
// - `eventify-server ledger audit [config flags]` checks the ledger (Ledger::Audit) and prints the
//   report: a summary line, then one discrepancy per line.
// They act as the operator (OperatorPrincipal) on an existing installation: a database, data
// folder or key file that does not exist yet is refused, never created (serving creates them).
#pragma once

#include <string>
#include <vector>

namespace eventify::server {

// args: what follows "admin" on the command line. Returns the process exit code: 0 done, 1 failed
// (no installation, unknown user, last admin...), 2 usage, configuration or input error.
int RunAdminCommand(const std::vector<std::string>& args);

// The usage lines of the admin command, for --help.
std::string AdminUsage();

// args: what follows "ledger" on the command line. Returns the process exit code: 0 the ledger is
// clean, 1 it is not (or the audit could not run), 2 usage or configuration error.
int RunLedgerCommand(const std::vector<std::string>& args);

// The usage lines of the ledger command, for --help.
std::string LedgerUsage();

}  // namespace eventify::server
