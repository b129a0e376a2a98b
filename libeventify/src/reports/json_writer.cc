// The JSON report writer: one document, written to the sink a row at a time.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reports/writers.h"

namespace eventify::reports {
namespace {

class JsonWriter final : public ReportWriter {
 public:
  explicit JsonWriter(ByteSink& sink) : sink_(sink), json_(buffer_) {}

  Status Begin(const ReportHeading& heading) override {
    columns_ = heading.columns;
    json_.StartObject();
    Member("report", heading.kind);
    Member("title", heading.title);
    for (const auto& [key, value] : heading.about) Member(key, value);
    json_.Key("columns");
    json_.StartArray();
    for (const ReportColumn& column : columns_) {
      json_.String(column.key.data(), static_cast<rapidjson::SizeType>(column.key.size()));
    }
    json_.EndArray();
    json_.Key("rows");
    json_.StartArray();
    return Flush();
  }

  Status Row(std::span<const ReportCell> cells) override {
    if (cells.size() != columns_.size()) return WrongCellCount(cells.size(), columns_.size());
    Object(cells);
    return Flush();
  }

  Status Finish(std::span<const ReportCell> totals) override {
    if (totals.size() != columns_.size()) return WrongCellCount(totals.size(), columns_.size());
    json_.EndArray();
    json_.Key("totals");
    Object(totals);
    json_.EndObject();
    buffer_.Put('\n');
    return Flush();
  }

 private:
  void Member(std::string_view key, std::string_view value) {
    json_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    json_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }

  void Object(std::span<const ReportCell> cells) {
    json_.StartObject();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string& key = columns_[i].key;
      json_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      if (const auto* number = std::get_if<std::int64_t>(&cells[i])) {
        json_.Int64(*number);
      } else {
        const std::string text = CellText(cells[i]);
        json_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      }
    }
    json_.EndObject();
  }

  Status Flush() {
    const Status written = sink_.Write({buffer_.GetString(), buffer_.GetSize()});
    buffer_.Clear();
    return written;
  }

  ByteSink& sink_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> json_;
  std::vector<ReportColumn> columns_;
};

}  // namespace

std::unique_ptr<ReportWriter> MakeJsonWriter(ByteSink& sink) {
  return std::make_unique<JsonWriter>(sink);
}

}  // namespace eventify::reports
