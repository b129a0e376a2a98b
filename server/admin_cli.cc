#include "admin_cli.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "config.h"
#include "engine_setup.h"
#include "eventify/accounts.h"
#include "eventify/ledger.h"

namespace eventify::server {
namespace {

constexpr std::size_t kMaxPasswordInput = 4096;

volatile std::sig_atomic_t prompt_interrupted = 0;
extern "C" void NotePromptSignal(int signal) { prompt_interrupted = signal; }

std::string WithoutLineBreak(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

// Reads one line from standard input with read(2), so that a signal interrupts it.
std::optional<std::string> ReadLine() {
  std::string line;
  char c = 0;
  while (line.size() < kMaxPasswordInput) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR && !prompt_interrupted) continue;
    if (n <= 0) return line.empty() ? std::nullopt : std::optional<std::string>(line);
    if (c == '\n') return line;
    line.push_back(c);
  }
  return line;
}

// Prompts on the terminal with echo off. A SIGINT or SIGTERM meanwhile restores the terminal
// before the process ends with that signal; the handler itself only records it.
std::optional<std::string> PromptWithoutEcho(const std::string& prompt) {
  termios saved{};
  if (::tcgetattr(STDIN_FILENO, &saved) != 0) return std::nullopt;
  struct sigaction action {};
  action.sa_handler = NotePromptSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: read() returns EINTR
  struct sigaction old_int {
  }, old_term{};
  ::sigaction(SIGINT, &action, &old_int);
  ::sigaction(SIGTERM, &action, &old_term);

  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  fmt::print(stderr, "{}", prompt);
  std::fflush(stderr);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::optional<std::string> line = ReadLine();
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);

  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (prompt_interrupted) {
    fmt::print(stderr, "\n");
    std::raise(prompt_interrupted);
  }
  return line;
}

// Errors are printed; nullopt means give up.
std::optional<std::string> ReadPassword(const std::optional<std::string>& password_file,
                                        const std::string& email) {
  if (password_file) {
    std::ifstream in(*password_file, std::ios::binary);
    std::ostringstream contents;
    if (in) contents << in.rdbuf();
    if (!in || in.bad()) {
      fmt::print(stderr, "eventify-server: cannot read the password file {}\n", *password_file);
      return std::nullopt;
    }
    return WithoutLineBreak(std::move(contents).str());
  }
  if (const char* from_env = std::getenv("EVENTIFY_ADMIN_PASSWORD");
      from_env != nullptr && *from_env != '\0') {
    return std::string(from_env);
  }
  if (!::isatty(STDIN_FILENO)) {
    auto line = ReadLine();
    if (!line) fmt::print(stderr, "eventify-server: no password on standard input\n");
    if (line) line = WithoutLineBreak(std::move(*line));
    return line;
  }
  auto first = PromptWithoutEcho(fmt::format("Password for {}: ", email));
  if (!first) return std::nullopt;
  auto second = PromptWithoutEcho("Repeat the password: ");
  if (!second) return std::nullopt;
  if (WithoutLineBreak(*first) != WithoutLineBreak(*second)) {
    fmt::print(stderr, "eventify-server: the passwords differ\n");
    return std::nullopt;
  }
  return WithoutLineBreak(std::move(*first));
}

int Usage(const std::string& problem, const std::string& usage = AdminUsage()) {
  fmt::print(stderr, "eventify-server: {}\n{}", problem, usage);
  return 2;
}

// Prints why `what` failed; returns the exit code: 2 for bad input, 1 otherwise.
int Failed(std::string_view what, const Status& status) {
  fmt::print(stderr, "eventify-server: cannot {}: {}\n", what, status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// The database URL for messages, with a password in it (user:PASSWORD@host, password=...) shown
// as ***.
std::string UrlForMessages(std::string url) {
  const std::size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const std::size_t authority = scheme + 3;
    const std::size_t at = url.rfind('@', url.find_first_of("/?", authority));
    const std::size_t colon = url.find(':', authority);
    if (at != std::string::npos && at > authority && colon < at) {
      url.replace(colon + 1, at - colon - 1, "***");
    }
  }
  constexpr std::string_view kPasswordParameter = "password=";
  if (const std::size_t password = url.find(kPasswordParameter); password != std::string::npos) {
    const std::size_t value = password + kPasswordParameter.size();
    url.replace(value, url.find('&', value) - value, "***");  // npos - value: to the end
  }
  return url;
}

// Opens the engine of an existing installation; prints why not and returns null when that fails.
std::unique_ptr<Engine> OpenInstallation(const ServerConfig& config) {
  auto engine = OpenEngine(config, WhenMissing::kRefuse);
  if (engine.ok()) return std::move(engine).value();
  const Status failure = engine.status();
  if (failure.reason() == "database_not_found") {
    fmt::print(stderr,
               "eventify-server: no Eventify database at {}: {}; start the server once to set "
               "it up\n",
               UrlForMessages(config.database_url), failure.message());
  } else {
    Failed("open the engine", failure);
  }
  return nullptr;
}

// A command's own options (by name), the configuration flags that followed it, and --help.
struct CommandLine {
  std::map<std::string, std::string, std::less<>> options;
  std::vector<Flag> config_flags;
  bool help = false;

  std::optional<std::string> Option(std::string_view name) const {
    const auto it = options.find(name);
    return it == options.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

// Splits `args` into the options named `names` and configuration flags.
// Errors: kInvalidArgument with the usage problem.
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                     const std::vector<std::string_view>& names) {
  auto flags = ParseFlags(args);
  if (!flags.ok()) return flags.status();
  CommandLine line;
  for (Flag& flag : *flags) {
    if (flag.name == "help") {
      line.help = true;
    } else if (std::find(names.begin(), names.end(), flag.name) == names.end()) {
      line.config_flags.push_back(std::move(flag));
    } else if (!flag.has_value) {
      return InvalidArgument("usage", fmt::format("option --{} needs a value", flag.name));
    } else {
      line.options[flag.name] = std::move(flag.value);
    }
  }
  return line;
}

// --NAME=true|false when given. Errors: kInvalidArgument (usage).
Status ReadBoolOption(const CommandLine& line, std::string_view name, std::optional<bool>& out) {
  const auto text = line.Option(name);
  if (!text) return Status::Ok();
  if (*text != "true" && *text != "false") {
    return InvalidArgument("usage", fmt::format("--{} takes true or false", name));
  }
  out = *text == "true";
  return Status::Ok();
}

// Users as tab-separated lines under a header line.
void PrintUsers(const std::vector<User>& users) {
  fmt::print("id\temail\trole\temail_verified\tblocked\tcreated_at\tfull_name\n");
  for (const User& user : users) {
    fmt::print("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", user.id, user.email, RoleName(user.role),
               user.email_verified, user.blocked, FormatTimestamp(user.created_at), user.full_name);
  }
  std::fflush(stdout);
}

int CreateAdmin(const CommandLine& line, const ServerConfig& config) {
  const std::string email = *line.Option("email");
  const auto password = ReadPassword(line.Option("password-file"), email);
  if (!password) return 1;
  const auto engine = OpenInstallation(config);
  if (!engine) return 1;
  Registration registration;
  registration.email = email;
  registration.full_name = *line.Option("full-name");
  registration.password = *password;
  auto admin = engine->accounts().CreateAdmin(registration);
  if (!admin.ok()) return Failed("create the admin", admin.status());
  fmt::print("{}\n", admin->id);
  std::fflush(stdout);
  return 0;
}

int ListUsers(const CommandLine& line, const ServerConfig& config) {
  UserQuery query;
  query.email = line.Option("email").value_or("");
  query.name = line.Option("name").value_or("");
  query.cursor = line.Option("cursor").value_or("");
  if (const auto role = line.Option("role")) {
    auto parsed = ParseRole(*role);
    if (!parsed.ok()) return Usage(parsed.status().message());
    query.role = *parsed;
  }
  Status read = ReadBoolOption(line, "blocked", query.blocked);
  if (read.ok()) read = ReadBoolOption(line, "verified", query.email_verified);
  if (!read.ok()) return Usage(read.message());
  if (const auto limit = line.Option("limit")) {
    const char* end = limit->data() + limit->size();
    const auto [ptr, ec] = std::from_chars(limit->data(), end, query.limit);
    if (limit->empty() || ec != std::errc() || ptr != end) return Usage("--limit takes a number");
  }
  const auto engine = OpenInstallation(config);
  if (!engine) return 1;
  auto page = engine->accounts().ListUsers(OperatorPrincipal(), query);
  if (!page.ok()) return Failed("list the users", page.status());
  PrintUsers(page->items);
  if (!page->next_cursor.empty()) {
    fmt::print(stderr, "eventify-server: more users follow: add --cursor={}\n", page->next_cursor);
  }
  return 0;
}

int SetRole(const CommandLine& line, const ServerConfig& config) {
  auto role = ParseRole(*line.Option("role"));
  if (!role.ok()) return Usage(role.status().message());
  const auto engine = OpenInstallation(config);
  if (!engine) return 1;
  Accounts& accounts = engine->accounts();
  const Principal the_operator = OperatorPrincipal();
  auto user = accounts.FindUserByEmail(the_operator, *line.Option("email"));
  if (!user.ok()) return Failed("find the user", user.status());
  auto changed = accounts.SetRole(the_operator, user->id, *role);
  if (!changed.ok()) return Failed("change the role", changed.status());
  PrintUsers({*changed});
  return 0;
}

struct AdminCommand {
  std::string_view name;
  std::vector<std::string_view> options;
  std::vector<std::string_view> required;
  int (*run)(const CommandLine& line, const ServerConfig& config);
};

const std::vector<AdminCommand>& AdminCommands() {
  static const std::vector<AdminCommand> commands = {
      {"create", {"email", "full-name", "password-file"}, {"email", "full-name"}, CreateAdmin},
      {"list", {"email", "name", "role", "blocked", "verified", "limit", "cursor"}, {}, ListUsers},
      {"set-role", {"email", "role"}, {"email", "role"}, SetRole},
  };
  return commands;
}

}  // namespace

std::string LedgerUsage() {
  return "usage: eventify-server ledger audit [--KEY=VALUE ...]\n"
         "  Checks every balance against the ledger entries; exits 0 when clean, 1 when not.\n";
}

int RunLedgerCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "audit") {
    return Usage(
        args.empty() ? "ledger needs a command" : "unknown ledger command '" + args[0] + "'",
        LedgerUsage());
  }
  auto line = ParseCommandLine(std::vector<std::string>(args.begin() + 1, args.end()), {});
  if (!line.ok()) return Usage(line.status().message(), LedgerUsage());
  if (line->help) {
    fmt::print("{}", LedgerUsage());
    return 0;
  }
  auto config = LoadConfig(line->config_flags);
  if (!config.ok()) return Usage(config.status().message(), LedgerUsage());

  const auto engine = OpenInstallation(*config);
  if (!engine) return 1;
  auto report = engine->ledger().Audit();
  if (!report.ok()) {
    fmt::print(stderr, "eventify-server: the audit failed: {}\n", report.status().ToString());
    return 1;
  }
  // One summary line, then one line per discrepancy.
  fmt::print("ledger audit: {}; accounts checked: {}, transfers checked: {}\n",
             report->clean()
                 ? std::string("clean")
                 : fmt::format("NOT CLEAN, discrepancies: {}", report->discrepancies.size()),
             report->accounts_checked, report->transfers_checked);
  for (const std::string& line : report->discrepancies) fmt::print("{}\n", line);
  std::fflush(stdout);
  return report->clean() ? 0 : 1;
}

std::string AdminUsage() {
  return "usage: eventify-server admin create --email EMAIL --full-name NAME "
         "[--password-file FILE] [--KEY=VALUE ...]\n"
         "  The password comes from --password-file, else EVENTIFY_ADMIN_PASSWORD, else a "
         "prompt.\n"
         "usage: eventify-server admin list [--email TEXT] [--name TEXT] [--role ROLE] "
         "[--blocked true|false] [--verified true|false] [--limit N] [--cursor C] "
         "[--KEY=VALUE ...]\n"
         "  Lists users newest first, tab-separated under a header line; TEXT matches any part "
         "of the address or name. When more users follow, standard error names the --cursor of "
         "the next page.\n"
         "usage: eventify-server admin set-role --email EMAIL --role attendee|organizer|admin "
         "[--KEY=VALUE ...]\n"
         "  Changes the role of an existing user; the last admin cannot be demoted.\n"
         "  Admin and ledger commands work on an existing installation: they create no database "
         "or key; start the server once first.\n";
}

int RunAdminCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("admin needs a command");
  const auto& commands = AdminCommands();
  const auto command = std::find_if(commands.begin(), commands.end(),
                                    [&](const AdminCommand& c) { return c.name == args[0]; });
  if (command == commands.end()) return Usage("unknown admin command '" + args[0] + "'");
  auto line =
      ParseCommandLine(std::vector<std::string>(args.begin() + 1, args.end()), command->options);
  if (!line.ok()) return Usage(line.status().message());
  if (line->help) {
    fmt::print("{}", AdminUsage());
    return 0;
  }
  for (std::string_view required : command->required) {
    if (!line->Option(required)) return Usage(fmt::format("--{} is required", required));
  }
  auto config = LoadConfig(line->config_flags);
  if (!config.ok()) return Usage(config.status().message());
  return command->run(*line, *config);
}

}  // namespace eventify::server
