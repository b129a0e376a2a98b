// The files of load.h, and the server's memory.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "load.h"

namespace eventify::load {
namespace {

std::vector<std::string> Split(const std::string& text, char by) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, by)) out.push_back(part);
  return out;
}

bool Lines(const std::string& path, std::vector<std::vector<std::string>>& records,
           std::size_t fields) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "eventify-load: cannot read %s (run `eventify-load seed` first)\n",
                 path.c_str());
    return false;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::vector<std::string> record = Split(line, '\t');
    if (record.size() != fields) {
      std::fprintf(stderr, "eventify-load: %s line %d: %zu fields, expected %zu\n", path.c_str(),
                   number, record.size(), fields);
      return false;
    }
    records.push_back(std::move(record));
  }
  return true;
}

}  // namespace

bool ReadUsers(const std::string& folder, std::vector<SeededUser>& users) {
  std::vector<std::vector<std::string>> records;
  if (!Lines(folder + "/users.tsv", records, 3)) return false;
  for (auto& r : records) users.push_back({r[0], r[1], r[2]});
  return true;
}

bool ReadRooms(const std::string& folder, std::vector<SeededRoom>& rooms) {
  std::vector<std::vector<std::string>> records;
  if (!Lines(folder + "/rooms.tsv", records, 3)) return false;
  for (auto& r : records) rooms.push_back({r[0], r[1], Split(r[2], ',')});
  return true;
}

bool ReadBooking(const std::string& folder, std::string& event_id, int& capacity,
                 std::vector<std::string>& buyers) {
  std::vector<std::vector<std::string>> records;
  if (!Lines(folder + "/booking.tsv", records, 3)) return false;
  if (records.size() != 1) {
    std::fprintf(stderr, "eventify-load: %s/booking.tsv has no event (seed with --buyers)\n",
                 folder.c_str());
    return false;
  }
  event_id = records[0][0];
  capacity = std::atoi(records[0][1].c_str());
  buyers = Split(records[0][2], ',');
  return true;
}

long ResidentKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

}  // namespace eventify::load
