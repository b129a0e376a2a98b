#include "admin_cli.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config.h"
#include "engine_setup.h"
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
  auto flags = ParseFlags(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!flags.ok()) return Usage(flags.status().message(), LedgerUsage());
  for (const Flag& flag : *flags) {
    if (flag.name == "help") {
      fmt::print("{}", LedgerUsage());
      return 0;
    }
  }
  auto config = LoadConfig(*flags);
  if (!config.ok()) return Usage(config.status().message(), LedgerUsage());

  auto engine = OpenEngine(*config);
  if (!engine.ok()) {
    fmt::print(stderr, "eventify-server: cannot open the engine: {}\n", engine.status().ToString());
    return 1;
  }
  auto report = (*engine)->ledger().Audit();
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
         "prompt.\n";
}

int RunAdminCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "create") {
    return Usage(args.empty() ? "admin needs a command"
                              : "unknown admin command '" + args[0] + "'");
  }
  auto flags = ParseFlags(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!flags.ok()) return Usage(flags.status().message());

  std::optional<std::string> email, full_name, password_file;
  std::vector<Flag> config_flags;
  for (Flag& flag : *flags) {
    if (flag.name == "help") {
      fmt::print("{}", AdminUsage());
      return 0;
    }
    std::optional<std::string>* target = flag.name == "email"           ? &email
                                         : flag.name == "full-name"     ? &full_name
                                         : flag.name == "password-file" ? &password_file
                                                                        : nullptr;
    if (target == nullptr) {
      config_flags.push_back(std::move(flag));
    } else if (!flag.has_value) {
      return Usage(fmt::format("option --{} needs a value", flag.name));
    } else {
      *target = std::move(flag.value);
    }
  }
  if (!email) return Usage("--email is required");
  if (!full_name) return Usage("--full-name is required");

  auto config = LoadConfig(config_flags);
  if (!config.ok()) return Usage(config.status().message());

  const auto password = ReadPassword(password_file, *email);
  if (!password) return 1;

  auto engine = OpenEngine(*config);
  if (!engine.ok()) {
    fmt::print(stderr, "eventify-server: cannot open the engine: {}\n", engine.status().ToString());
    return 1;
  }
  Registration registration;
  registration.email = *email;
  registration.full_name = *full_name;
  registration.password = *password;
  auto admin = (*engine)->accounts().CreateAdmin(registration);
  if (!admin.ok()) {
    fmt::print(stderr, "eventify-server: cannot create the admin: {}\n", admin.status().ToString());
    return 1;
  }
  fmt::print("{}\n", admin->id);
  std::fflush(stdout);
  return 0;
}

}  // namespace eventify::server
