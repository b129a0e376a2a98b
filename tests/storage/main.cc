#define BOOST_TEST_MODULE storage_conformance
#include <boost/test/unit_test.hpp>
