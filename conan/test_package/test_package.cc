// The smallest use of the package: the version header and calls into the core library. Exits 0
// when the library answers what its headers promise.
#include <cstdio>
#include <string>

#include "eventify/status.h"
#include "eventify/types.h"
#include "eventify/version.h"

int main() {
  const eventify::Money price{2500, "EUR"};
  const std::string text = eventify::FormatMoney(price);
  const std::string code(eventify::StatusCodeName(eventify::StatusCode::kNotFound));
  std::printf("eventify %s: %s, %s\n", EVENTIFY_VERSION_STRING, text.c_str(), code.c_str());
  return eventify::IsValidCurrency(price.currency) && text == "EUR 25.00" && code == "not_found"
             ? 0
             : 1;
}
