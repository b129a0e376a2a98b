// The line chat example as a program (eventify-example-line-chat): started with --demo on a new
// SQLite file and port 0, it prints the demo users' tokens, their conversation and the port;
// two clients talk through it; SIGTERM closes both with shutting_down and the program exits 0.
// Started again on the same file, --demo finds the same users and conversation.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "chat/recording_transport.h"
#include "examples/line_client.h"

extern char** environ;

namespace eventify::testing {
namespace {

using R = RecordingTransport;

// The program, running with its standard output in a pipe.
class Program {
 public:
  explicit Program(const std::vector<std::string>& args) {
    int out[2];
    BOOST_REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv;
    std::string path = EVENTIFY_LINE_CHAT_PROGRAM;
    argv.push_back(path.data());
    std::vector<std::string> copies = args;
    for (std::string& arg : copies) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    out_ = out[0];
    BOOST_REQUIRE_EQUAL(spawned, 0);
  }
  ~Program() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }

  // The lines printed up to "listening on ...", as "key: value" pairs (other lines keyed by
  // themselves). Gives up after 60 seconds.
  std::map<std::string, std::string> ReadUntilListening() {
    std::map<std::string, std::string> values;
    std::string pending;
    for (;;) {
      pollfd ready{out_, POLLIN, 0};
      BOOST_REQUIRE_MESSAGE(::poll(&ready, 1, 60'000) == 1, "the program printed nothing");
      char chunk[4096];
      const ssize_t got = ::read(out_, chunk, sizeof chunk);
      BOOST_REQUIRE_MESSAGE(got > 0, "the program ended its output early: " + pending);
      pending.append(chunk, static_cast<std::size_t>(got));
      for (std::size_t end; (end = pending.find('\n')) != std::string::npos;) {
        const std::string line = pending.substr(0, end);
        pending.erase(0, end + 1);
        if (line.starts_with("listening on ")) {
          values["port"] = line.substr(line.rfind(':') + 1);
          return values;
        }
        const std::size_t colon = line.find(": ");
        if (colon == std::string::npos) continue;
        values[line.substr(0, colon)] = line.substr(colon + 2);
      }
    }
  }

  // Sends SIGTERM and returns the exit status (-1 when it did not exit normally).
  int Terminate() {
    BOOST_REQUIRE(::kill(pid_, SIGTERM) == 0);
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

std::string ReadyUserId(LineClient& client, const std::string& token) {
  client.SendLine(token);
  const std::string ready = client.ReadLine();
  BOOST_TEST(R::Member(ready, "type") == "ready");
  return R::Member(ready, "user_id");
}

BOOST_AUTO_TEST_CASE(the_program_serves_its_demo_users_and_stops_cleanly_on_sigterm) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("eventify-line-chat-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string database = (dir / "chat.db").string();

  std::string conversation;
  {
    Program program({database, "--demo", "--port", "0"});
    std::map<std::string, std::string> printed = program.ReadUntilListening();
    conversation = printed["conversation"];
    BOOST_REQUIRE(!conversation.empty());
    const auto port = static_cast<unsigned short>(std::stoi(printed["port"]));
    LineClient admin(port), attendee(port);
    ReadyUserId(admin, printed["admin token"]);
    const std::string attendee_id = ReadyUserId(attendee, printed["attendee token"]);
    BOOST_TEST(R::Member(admin.ReadLine(), "type") == "user_status_update");
    BOOST_TEST(R::Member(attendee.ReadLine(), "type") == "user_status_update");

    attendee.SendLine(R"({"type":"message","conversation_id":")" + conversation +
                      R"(","text":"hi admin","idempotency_key":"k1"})");
    BOOST_TEST(R::Member(attendee.ReadLine(), "type") == "sent");
    const std::string notification = admin.ReadLine();  // the admin joined nothing
    BOOST_TEST(R::Member(notification, "type") == "new_message");
    BOOST_TEST(R::MessageMember(notification, "text") == "hi admin");
    BOOST_TEST(R::MessageMember(notification, "sender_id") == attendee_id);

    BOOST_TEST(program.Terminate() == 0);
    const std::string close = R"({"type":"close","reason":"shutting_down"})";
    BOOST_TEST(admin.ReadLine() == close);
    BOOST_TEST(admin.ReadLine() == "<eof>");
    BOOST_TEST(attendee.ReadLine() == close);
    BOOST_TEST(attendee.ReadLine() == "<eof>");
  }
  {
    // Again on the same file: the same users, their conversation and the message kept.
    Program program({database, "--demo", "--port", "0"});
    std::map<std::string, std::string> printed = program.ReadUntilListening();
    BOOST_TEST(printed["conversation"] == conversation);
    LineClient admin(static_cast<unsigned short>(std::stoi(printed["port"])));
    ReadyUserId(admin, printed["admin token"]);
    admin.SendLine(R"({"type":"join","conversation_id":")" + conversation + R"("})");
    const std::string joined = admin.ReadLine();
    BOOST_TEST(R::Member(joined, "type") == "joined");
    BOOST_TEST(R::Member(joined, "last_seq") == "1");
    BOOST_TEST(R::Member(joined, "unread") == "1");
    BOOST_TEST(program.Terminate() == 0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eventify::testing
