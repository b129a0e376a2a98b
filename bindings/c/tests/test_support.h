/* Support of the C API's tests: checks that count failures, an engine on the backend the run
 * selects (EVENTIFY_TEST_BACKEND "sqlite", the default, or "postgresql" with EVENTIFY_TEST_PG_URL
 * from tests/support/with-postgres.sh), a mailer that keeps the mails, and helpers that make
 * verified users and an approved event through the C API itself.
 *
 * Threads: one; the engine runs no job threads, so mails arrive on the test's thread when
 * test_run_jobs runs the due jobs. */
#ifndef EVENTIFY_C_TEST_SUPPORT_H_
#define EVENTIFY_C_TEST_SUPPORT_H_

#include <stdint.h>

#include "eventify_c.h"

extern int test_failures;

void test_fail(const char* file, int line, const char* what);

/* A check that fails the run and goes on. */
#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) test_fail(__FILE__, __LINE__, #cond);           \
  } while (0)
/* A check that ends the test case (a void function) when it fails. */
#define REQUIRE(cond)                                            \
  do {                                                           \
    if (!(cond)) {                                               \
      test_fail(__FILE__, __LINE__, #cond);                      \
      return;                                                    \
    }                                                            \
  } while (0)
/* A call that must succeed; ends the test case otherwise. */
#define REQUIRE_OK(call) REQUIRE(test_ok((call), #call))
/* A call that must fail with exactly this code and reason. */
#define CHECK_FAILS(call, code, reason) CHECK(test_fails((call), (code), (reason), #call))

int test_ok(eventify_status status, const char* call);
int test_fails(eventify_status status, eventify_status code, const char* reason,
               const char* call);
int test_streq(const char* a, const char* b);

/* The engine of the run (opened by test_open_engine, closed by test_close_engine). */
extern eventify_engine* test_engine;
int test_open_engine(void);
void test_close_engine(void);
void test_run_jobs(void);
/* The run's database URL and a temporary folder of the run, removed at its end. */
const char* test_database_url(void);
const char* test_temp_dir(void);

/* A fresh address "<prefix>-<n>@example.com" into buf (64 bytes). */
void test_email(char* buf, const char* prefix);
/* The 6-digit code in the newest mail to `email` (after running the due jobs) into code (7
 * bytes); 0 when there is none. */
int test_code_for(const char* email, char* code);
/* Registers, verifies and logs in a user of `role`; NULL (and a failure) when a step fails. */
eventify_session* test_signup(const char* prefix, eventify_role role);
/* The run's admin, made on first use; owned by the support. */
eventify_session* test_admin(void);
/* A verified organizer (the caller frees it). */
eventify_session* test_organizer(void);
/* A new approved event of `organizer` starting in two days: capacity, price per ticket, at most
 * 5 tickets a booking (and at most the capacity), attendees may cancel. The caller frees it with eventify_event_free. */
eventify_event* test_approved_event(eventify_session* organizer, int64_t capacity,
                                    int64_t price);
/* Tops up the user's wallet by `amount` through the sandbox gateway; 1 on success. */
int test_fund(eventify_session* user, int64_t amount);

#endif /* EVENTIFY_C_TEST_SUPPORT_H_ */
