#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace eventify::e2e {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
            const std::filesystem::path& out, const std::filesystem::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // The test runner may block signals; the child must see SIGTERM with default handling.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // The extra entries come first: getenv returns the first of duplicate names, so they override
  // whatever the test runner's environment holds.
  std::vector<char*> env;
  for (const std::string& entry : extra_env) env.push_back(const_cast<char*>(entry.c_str()));
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(nullptr);

  pid_t pid = -1;
  const int failed = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) {
    throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(failed));
  }
  return pid;
}

ExitStatus Decode(int wait_status) {
  if (WIFEXITED(wait_status)) return {true, WEXITSTATUS(wait_status)};
  if (WIFSIGNALED(wait_status)) return {false, WTERMSIG(wait_status)};
  return {};
}

// Waits for pid until the deadline; kills it (SIGKILL) when it is still running then.
ExitStatus WaitOrKill(pid_t pid, std::chrono::steady_clock::duration deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return Decode(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ExitStatus killed = Decode(status);
  killed.exited = false;
  return killed;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "eventify-e2e-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string Describe(const ExitStatus& status) {
  if (status.exited) return "exit code " + std::to_string(status.code);
  return "killed by signal " + std::to_string(status.code);
}

Completed RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const std::filesystem::path& scratch, std::chrono::seconds deadline) {
  static std::atomic<int> counter{0};
  const std::string stem = "run-" + std::to_string(++counter);
  const auto out = scratch / (stem + ".out");
  const auto err = scratch / (stem + ".err");
  const pid_t pid = Spawn(argv, env, out, err);
  Completed completed;
  completed.status = WaitOrKill(pid, deadline);
  completed.out = ReadFile(out);
  completed.err = ReadFile(err);
  return completed;
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv,
                             const std::filesystem::path& scratch,
                             const std::vector<std::string>& env)
    : out_path_(scratch / "server.out"), err_path_(scratch / "server.err") {
  pid_ = Spawn(argv, env, out_path_, err_path_);
  const std::regex listening(R"(listening on http://[^\s:]+:(\d+))");
  const std::regex websockets(R"(websockets on ws://[^\s:]+:(\d+))");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    std::smatch match;
    const std::string out = ReadFile(out_path_);
    if (std::regex_search(out, match, listening)) {
      port_ = std::stoi(match[1].str());
      if (std::regex_search(out, match, websockets)) ws_port_ = std::stoi(match[1].str());
      return;
    }
    if (!running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string log = err();
  if (running()) WaitOrKill(pid_, std::chrono::seconds(0));
  pid_ = -1;
  throw std::runtime_error("eventify-server did not start; its stderr:\n" + log);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) WaitOrKill(pid_, std::chrono::seconds(0));
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_ = Decode(status);
    pid_ = -1;
    return false;
  }
  return true;
}

void ServerProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

ExitStatus ServerProcess::Wait(std::chrono::seconds deadline) {
  if (pid_ <= 0) return exit_;
  exit_ = WaitOrKill(pid_, deadline);
  pid_ = -1;
  return exit_;
}

ExitStatus ServerProcess::Terminate(std::chrono::seconds deadline) {
  Signal(SIGTERM);
  return Wait(deadline);
}

std::string ServerProcess::err() const { return ReadFile(err_path_); }

}  // namespace eventify::e2e
