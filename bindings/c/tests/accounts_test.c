/* Accounts through the C API: register, the mailed code, verify, login, sessions; the error
 * record; options that the engine refuses. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "test_support.h"

static void register_verify_login(void) {
  char email[64];
  char code[7];
  eventify_user* user = NULL;
  eventify_user* profile = NULL;
  eventify_session* session = NULL;
  eventify_session* again = NULL;

  test_email(email, "ada");
  REQUIRE_OK(eventify_register(test_engine, email, "Correct-Horse-9", "Ada Lovelace",
                               EVENTIFY_ROLE_ATTENDEE, &user));
  CHECK(test_streq(user->email, email));
  CHECK(test_streq(user->full_name, "Ada Lovelace"));
  CHECK(user->role == EVENTIFY_ROLE_ATTENDEE);
  CHECK(user->email_verified == 0);
  CHECK(strlen(user->id) == 36);
  CHECK(eventify_last_error_code() == EVENTIFY_OK);
  CHECK(test_streq(eventify_last_error_reason(), ""));

  CHECK_FAILS(eventify_login(test_engine, NULL, email, "Correct-Horse-9", &session),
              EVENTIFY_FAILED_PRECONDITION, "email_not_verified");
  CHECK(session == NULL);
  CHECK_FAILS(eventify_verify_email(test_engine, "192.0.2.1", email, "000000x"),
              EVENTIFY_INVALID_ARGUMENT, "invalid_code");

  REQUIRE(test_code_for(email, code));
  REQUIRE_OK(eventify_verify_email(test_engine, "192.0.2.1", email, code));
  CHECK_FAILS(eventify_verify_email(test_engine, "192.0.2.1", email, code),
              EVENTIFY_FAILED_PRECONDITION, "already_verified");

  CHECK_FAILS(eventify_login(test_engine, NULL, email, "Wrong-Horse-9", &session),
              EVENTIFY_UNAUTHENTICATED, "invalid_credentials");
  REQUIRE_OK(eventify_login(test_engine, "192.0.2.1", email, "Correct-Horse-9", &session));
  CHECK(test_streq(eventify_session_user_id(session), user->id));
  CHECK(eventify_session_role(session) == EVENTIFY_ROLE_ATTENDEE);
  CHECK(strlen(eventify_session_access_token(session)) > 0);
  CHECK(strlen(eventify_session_refresh_token(session)) > 0);

  REQUIRE_OK(eventify_get_profile(test_engine, session, &profile));
  CHECK(test_streq(profile->id, user->id));
  CHECK(profile->email_verified == 1);

  REQUIRE_OK(eventify_authenticate(test_engine, eventify_session_access_token(session), &again));
  CHECK(test_streq(eventify_session_user_id(again), user->id));
  CHECK(test_streq(eventify_session_access_token(again), eventify_session_access_token(session)));
  CHECK(test_streq(eventify_session_refresh_token(again), ""));
  eventify_session_free(again);
  again = NULL;

  REQUIRE_OK(eventify_logout(test_engine, session));
  CHECK_FAILS(eventify_authenticate(test_engine, eventify_session_access_token(session), &again),
              EVENTIFY_UNAUTHENTICATED, "session_revoked");
  CHECK(again == NULL);

  eventify_user_free(profile);
  eventify_session_free(session);
  eventify_user_free(user);
}

static void register_errors(void) {
  char email[64];
  eventify_user* user = NULL;
  test_email(email, "grace");
  REQUIRE_OK(eventify_register(test_engine, email, "Correct-Horse-9", "Grace Hopper",
                               EVENTIFY_ROLE_ORGANIZER, NULL));
  CHECK_FAILS(eventify_register(test_engine, email, "Correct-Horse-9", "Grace Hopper",
                                EVENTIFY_ROLE_ORGANIZER, &user),
              EVENTIFY_ALREADY_EXISTS, "email_taken");
  CHECK(user == NULL);
  CHECK_FAILS(eventify_register(test_engine, "not an address", "Correct-Horse-9", "X",
                                EVENTIFY_ROLE_ATTENDEE, NULL),
              EVENTIFY_INVALID_ARGUMENT, "invalid_email");
  CHECK(test_streq(eventify_last_error_field(), "email"));
  CHECK(eventify_last_error_code() == EVENTIFY_INVALID_ARGUMENT);
  CHECK(strlen(eventify_last_error_message()) > 0);
  CHECK_FAILS(eventify_register(test_engine, "x@example.com", "Correct-Horse-9", "X",
                                EVENTIFY_ROLE_ADMIN, NULL),
              EVENTIFY_INVALID_ARGUMENT, "invalid_role");
  CHECK_FAILS(eventify_register(test_engine, "x@example.com", "Correct-Horse-9", "X",
                                (eventify_role)7, NULL),
              EVENTIFY_INVALID_ARGUMENT, "invalid_role");
  /* A success clears the record. */
  REQUIRE_OK(eventify_resend_verification(test_engine, NULL, "nobody@example.com"));
  CHECK(test_streq(eventify_last_error_reason(), ""));
}

static void null_arguments(void) {
  eventify_session* session = NULL;
  eventify_engine* engine = NULL;
  CHECK_FAILS(eventify_register(NULL, "a@example.com", "Correct-Horse-9", "A",
                                EVENTIFY_ROLE_ATTENDEE, NULL),
              EVENTIFY_INVALID_ARGUMENT, "null_argument");
  CHECK(test_streq(eventify_last_error_field(), "engine"));
  CHECK_FAILS(eventify_login(test_engine, NULL, "a@example.com", "x", NULL),
              EVENTIFY_INVALID_ARGUMENT, "null_argument");
  CHECK(test_streq(eventify_last_error_field(), "out"));
  CHECK_FAILS(eventify_get_profile(test_engine, NULL, NULL), EVENTIFY_INVALID_ARGUMENT,
              "null_argument");
  CHECK_FAILS(eventify_engine_open(NULL, &engine), EVENTIFY_INVALID_ARGUMENT, "null_argument");
  CHECK(engine == NULL);
  CHECK(session == NULL);
  /* Every free function accepts NULL. */
  eventify_session_free(NULL);
  eventify_user_free(NULL);
  eventify_engine_free(NULL);
  eventify_options_free(NULL);
  eventify_string_free(NULL);
  CHECK(test_streq(eventify_status_name(EVENTIFY_NOT_FOUND), "not_found"));
  CHECK(test_streq(eventify_status_name((eventify_status)99), "unknown"));
}

static void options_refused(void) {
  eventify_options* options = NULL;
  eventify_engine* engine = NULL;
  REQUIRE_OK(eventify_options_new(&options));
  CHECK_FAILS(eventify_engine_open(options, &engine), EVENTIFY_INVALID_ARGUMENT,
              "missing_database_url");
  CHECK_FAILS(eventify_options_set_database_url(options, ""), EVENTIFY_INVALID_ARGUMENT,
              "missing_database_url");
  CHECK_FAILS(eventify_options_set_job_threads(options, -1), EVENTIFY_INVALID_ARGUMENT,
              "invalid_worker_threads");
  CHECK_FAILS(eventify_options_set_mailer(options, NULL, NULL), EVENTIFY_INVALID_ARGUMENT,
              "missing_mailer");
  CHECK_FAILS(eventify_options_set_password_hash_cost(options, (eventify_password_hash_cost)9),
              EVENTIFY_INVALID_ARGUMENT, "invalid_password_hash_cost");
  CHECK_FAILS(eventify_options_set_database_url(options, "mysql://nowhere"), EVENTIFY_OK, "");
  CHECK_FAILS(eventify_engine_open(options, &engine), EVENTIFY_INVALID_ARGUMENT,
              "invalid_database_url");
  CHECK(engine == NULL);
  eventify_options_free(options);
}

/* A second engine on the same database whose mails go to an outbox folder as .eml files. */
static void outbox_mailer(void) {
  char outbox[300];
  char email[64];
  char path[400];
  eventify_options* options = NULL;
  eventify_engine* engine = NULL;
  DIR* dir;
  struct dirent* entry;
  int files = 0;

  snprintf(outbox, sizeof outbox, "%s/outbox", test_temp_dir());
  REQUIRE_OK(eventify_options_new(&options));
  CHECK_FAILS(eventify_options_set_outbox_dir(options, NULL), EVENTIFY_INVALID_ARGUMENT,
              "missing_outbox_dir");
  REQUIRE_OK(eventify_options_set_database_url(options, test_database_url()));
  REQUIRE_OK(eventify_options_set_secret_key(options, "another-secret-of-32-bytes-or-more!!"));
  snprintf(path, sizeof path, "%s/media2", test_temp_dir());
  REQUIRE_OK(eventify_options_set_media_dir(options, path, "/media/"));
  REQUIRE_OK(eventify_options_set_outbox_dir(options, outbox));
  REQUIRE_OK(eventify_options_set_password_hash_cost(options, EVENTIFY_PASSWORD_HASH_MINIMUM));
  REQUIRE_OK(eventify_engine_open(options, &engine));
  eventify_options_free(options);

  test_email(email, "outbox");
  REQUIRE_OK(eventify_register(engine, email, "Correct-Horse-9", "Out Box",
                               EVENTIFY_ROLE_ATTENDEE, NULL));
  REQUIRE_OK(eventify_engine_run_due_jobs(engine, 16, NULL));
  dir = opendir(outbox);
  REQUIRE(dir != NULL);
  while ((entry = readdir(dir)) != NULL) {
    const char* dot = strrchr(entry->d_name, '.');
    if (dot != NULL && strcmp(dot, ".eml") == 0) {
      ++files;
    }
  }
  closedir(dir);
  CHECK(files == 1);
  eventify_engine_free(engine);
}

void accounts_tests(void) {
  register_verify_login();
  register_errors();
  null_arguments();
  options_refused();
  outbox_mailer();
}
