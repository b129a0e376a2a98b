#include "storage/soci/database_url.h"

namespace eventify::storage {
namespace {

Status InvalidUrl(std::string message) {
  return InvalidArgument("invalid_database_url", std::move(message));
}

}  // namespace

Result<DatabaseTarget> ParseDatabaseUrl(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite)) {
    std::string_view path = url.substr(kSqlite.size());
    if (path.empty()) return InvalidUrl("the sqlite: database URL names no file");
    if (path == ":memory:" || path.starts_with("file:")) {
      // Every pooled connection would see its own database (or URI flags would bypass ours).
      return InvalidUrl("the sqlite: database URL must name a file path");
    }
    // SOCI reads a connect string containing '=' as "key=value" pairs separated by spaces, so a
    // path with '=' must be given as db=<path>, which in turn cannot hold a space.
    const bool has_equals = path.find('=') != std::string_view::npos;
    if (has_equals && path.find_first_of(" \"") != std::string_view::npos) {
      return InvalidUrl("a SQLite path may not contain both '=' and spaces or quotes");
    }
    DatabaseTarget target{Dialect::kSqlite, std::string(path), std::string(path)};
    if (has_equals) target.connect_string = "db=" + target.connect_string;
    return target;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    if (url.find_first_of(" \t\r\n") != std::string_view::npos) {
      return InvalidUrl("a PostgreSQL URL may not contain whitespace; percent-encode it");
    }
    DatabaseTarget target{Dialect::kPostgresql, std::string(url), ""};
    // SOCI 4.0.3 rewrites a connect string without any '=' by appending one, which corrupts the
    // last part of a URI ("/db" becomes database "db="). Naming the application gives every URL
    // an '=' and labels our connections in pg_stat_activity.
    const std::size_t query = url.find('?');
    const bool named = query != std::string_view::npos &&
                       (url.find("?application_name=") != std::string_view::npos ||
                        url.find("&application_name=") != std::string_view::npos);
    if (!named) {
      if (query == std::string_view::npos) {
        target.connect_string += '?';
      } else if (!url.ends_with('?') && !url.ends_with('&')) {
        target.connect_string += '&';
      }
      target.connect_string += "application_name=eventify";
    }
    return target;
  }
  return InvalidUrl("the database URL must start with sqlite:, postgresql:// or postgres://");
}

}  // namespace eventify::storage
