#define BOOST_TEST_MODULE bookings
#include <boost/test/unit_test.hpp>
