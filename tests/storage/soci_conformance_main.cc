// The storage conformance suite (conformance/) on the bundled SOCI storage: a new database per
// test on the backend EVENTIFY_TEST_BACKEND selects (support/test_storage.h).
#define BOOST_TEST_MODULE storage_conformance
#include <boost/test/unit_test.hpp>

#include "eventify/backends/soci.h"
#include "storage_conformance.h"
#include "support/test_storage.h"

namespace eventify::conformance {

StorageUnderTest MakeStorageUnderTest() {
  StorageUnderTest under_test;
  under_test.open_empty = [] { return testing::OpenFreshStorage(); };
  under_test.traits.run_attempts = spi::SociStorageOptions().max_attempts;
  under_test.traits.concurrent_writers = testing::TestBackend() == "postgresql";
  return under_test;
}

}  // namespace eventify::conformance
