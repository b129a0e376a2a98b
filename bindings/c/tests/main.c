/* Runs every test case of the C API against one engine on the selected backend; exits 1 when a
 * check failed. */
#include <stdio.h>

#include "test_support.h"

void accounts_tests(void);
void bookings_tests(void);
void chat_tests(void);

int main(void) {
  if (!test_open_engine()) return 1;
  accounts_tests();
  bookings_tests();
  chat_tests();
  test_close_engine();
  if (test_failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", test_failures);
    return 1;
  }
  printf("all C API checks passed\n");
  return 0;
}
