// Child processes for the end-to-end tests: the real eventify-server, started with posix_spawn,
// its standard output and error captured in files of a temporary folder.
//
// Thread-safety: use each object from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace eventify::e2e {

// A temporary folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ExitStatus {
  bool exited = false;  // false: killed by a signal (or still running at the deadline)
  int code = -1;        // the exit code, or the signal number when !exited
};

std::string Describe(const ExitStatus& status);

// Runs a program to completion (killing it at the deadline) with extra "NAME=value" environment
// entries, and returns its exit status and output.
struct Completed {
  ExitStatus status;
  std::string out;
  std::string err;
};
Completed RunProgram(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const std::filesystem::path& scratch,
                     std::chrono::seconds deadline = std::chrono::seconds(60));

// A running eventify-server. The constructor waits for its "listening on http://HOST:PORT" line
// (printed after "websockets on ws://HOST:PORT").
class ServerProcess {
 public:
  // env: extra "NAME=value" environment entries. Throws std::runtime_error (with the server's
  // stderr) when it does not start in time.
  ServerProcess(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                const std::vector<std::string>& env = {});
  ~ServerProcess();  // SIGKILL when still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  int ws_port() const { return ws_port_; }  // the WebSocket endpoint's
  bool running();
  void Signal(int signal);
  // Waits up to `deadline` for the exit, then kills it (SIGKILL).
  ExitStatus Wait(std::chrono::seconds deadline);
  // Signal(SIGTERM), then Wait(deadline).
  ExitStatus Terminate(std::chrono::seconds deadline);
  std::string err() const;

 private:
  pid_t pid_ = -1;
  ExitStatus exit_;  // once the process has been reaped
  int port_ = 0;
  int ws_port_ = 0;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

}  // namespace eventify::e2e
