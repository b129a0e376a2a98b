// Helpers of the SOCI storage's own suite: the conformance suite's helpers and fresh SOCI
// databases (support/test_storage.h), whose URLs raw sessions open.
#pragma once

#include "storage/conformance/conformance_helpers.h"
#include "support/test_storage.h"
