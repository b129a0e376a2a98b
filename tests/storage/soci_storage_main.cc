#define BOOST_TEST_MODULE soci_storage
#include <boost/test/unit_test.hpp>
