// The storage conformance suite's factory hook: how a test program hands the suite the storage it
// checks. The suite (the Boost.Test cases of eventify::storage_conformance) checks what every
// spi::Storage must do, through the public SPI only: the guarantees of spi/storage.h and the
// contract of each store the engine needs (accounts, ledger, wallets, jobs,
// accounts.maintenance, events, bookings, reviews). A test program links
// eventify::storage_conformance, defines BOOST_TEST_MODULE in one source file, and defines
// MakeStorageUnderTest below exactly once (docs/storage-integrators.md has an example).
//
// Thread-safety: the suite calls the hook and open_empty from the test thread only; the storages
// it opens are used from several threads at once, as the engine does.
#pragma once

#include <functional>
#include <memory>

#include "eventify/spi/storage.h"

namespace eventify::conformance {

// What the storage under test does where spi/storage.h leaves the choice to it.
struct StorageTraits {
  // How many times Run runs a body that keeps returning kAborted, the first run included
  // (guarantee 4). 0: not fixed; the suite then checks only that Run gives up and returns
  // kAborted.
  int run_attempts = 0;
  // Several read-write transactions run at once, each locking only the rows it reads with
  // kForUpdate (PostgreSQL's row locks; not SQLite, which runs one writer at a time). Only then
  // can the suite check that JobStore::LockDueJobs passes over rows an open transaction holds
  // instead of waiting for them; without it that case is skipped.
  bool concurrent_writers = false;
};

struct StorageUnderTest {
  // Opens a new, empty storage: its schema set up, no rows, sharing nothing with the storages of
  // earlier calls. Called once per test case; returning nullptr fails that test.
  std::function<std::shared_ptr<spi::Storage>()> open_empty;
  StorageTraits traits;
};

// The hook. Defined by the test program, exactly once; the suite calls it once, before the first
// storage it opens.
StorageUnderTest MakeStorageUnderTest();

// A new, empty storage from the hook, for the suite's test cases and any a program adds; fails
// the current test (BOOST_REQUIRE) when the hook gives none or the storage lacks a store the
// suite checks.
std::shared_ptr<spi::Storage> OpenStorageUnderTest();

// The traits the hook gave.
const StorageTraits& TraitsOfStorageUnderTest();

}  // namespace eventify::conformance
