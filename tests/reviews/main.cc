#define BOOST_TEST_MODULE reviews
#include <boost/test/unit_test.hpp>
