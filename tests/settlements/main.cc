#define BOOST_TEST_MODULE settlements
#include <boost/test/unit_test.hpp>
