/* See test_support.h. */
#define _XOPEN_SOURCE 700

#include "test_support.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int test_failures = 0;
eventify_engine* test_engine = NULL;

static char temp_dir[256];
static char database_url[512];
static eventify_session* admin = NULL;
static int counter = 0;

/* The mails the engine sent, newest last. */
#define MAX_MAILS 256
static struct {
  char to[128];
  char text[4096];
} mails[MAX_MAILS];
static int mail_count = 0;

void test_fail(const char* file, int line, const char* what) {
  ++test_failures;
  fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

int test_ok(eventify_status status, const char* call) {
  if (status == EVENTIFY_OK) return 1;
  fprintf(stderr, "%s: %s (%s): %s [field %s]\n", call, eventify_status_name(status),
          eventify_last_error_reason(), eventify_last_error_message(),
          eventify_last_error_field());
  return 0;
}

int test_fails(eventify_status status, eventify_status code, const char* reason,
               const char* call) {
  if (status == code && strcmp(eventify_last_error_reason(), reason) == 0) return 1;
  fprintf(stderr, "%s: expected %s (%s), got %s (%s): %s\n", call, eventify_status_name(code),
          reason, eventify_status_name(status), eventify_last_error_reason(),
          eventify_last_error_message());
  return 0;
}

int test_streq(const char* a, const char* b) { return a != NULL && b != NULL && !strcmp(a, b); }

static int keep_mail(void* user_data, const eventify_mail* mail) {
  (void)user_data;
  if (mail_count == MAX_MAILS) return 1;
  snprintf(mails[mail_count].to, sizeof mails[mail_count].to, "%s", mail->to);
  snprintf(mails[mail_count].text, sizeof mails[mail_count].text, "%s", mail->text);
  ++mail_count;
  return 0;
}

static int remove_entry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int test_open_engine(void) {
  const char* backend = getenv("EVENTIFY_TEST_BACKEND");
  char* url = database_url;
  char media[300];
  eventify_options* options = NULL;
  eventify_status status;

  snprintf(temp_dir, sizeof temp_dir, "/tmp/eventify-c-api-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) {
    perror("mkdtemp");
    return 0;
  }
  if (backend != NULL && strcmp(backend, "postgresql") == 0) {
    const char* pg = getenv("EVENTIFY_TEST_PG_URL");
    if (pg == NULL) {
      fprintf(stderr, "EVENTIFY_TEST_PG_URL is not set: run under with-postgres.sh\n");
      return 0;
    }
    snprintf(url, sizeof database_url, "%s", pg);
  } else {
    snprintf(url, sizeof database_url, "sqlite:%s/eventify.db", temp_dir);
  }
  snprintf(media, sizeof media, "%s/media", temp_dir);

  if (!test_ok(eventify_options_new(&options), "eventify_options_new")) return 0;
  status = eventify_options_set_database_url(options, url);
  if (status == EVENTIFY_OK) {
    status = eventify_options_set_secret_key(options, "c-api-test-secret-of-32-bytes-or-more!!");
  }
  if (status == EVENTIFY_OK) status = eventify_options_set_media_dir(options, media, "/media/");
  if (status == EVENTIFY_OK) status = eventify_options_set_mailer(options, keep_mail, NULL);
  if (status == EVENTIFY_OK) {
    status = eventify_options_set_password_hash_cost(options, EVENTIFY_PASSWORD_HASH_MINIMUM);
  }
  if (status == EVENTIFY_OK) status = eventify_options_set_sandbox_gateway(options, "whsec-c");
  if (status == EVENTIFY_OK) status = eventify_engine_open(options, &test_engine);
  eventify_options_free(options);
  return test_ok(status, "opening the engine");
}

void test_close_engine(void) {
  eventify_session_free(admin);
  admin = NULL;
  eventify_engine_free(test_engine);
  test_engine = NULL;
  nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char* test_database_url(void) { return database_url; }
const char* test_temp_dir(void) { return temp_dir; }

void test_run_jobs(void) {
  int ran = 0;
  do {
    if (!test_ok(eventify_engine_run_due_jobs(test_engine, 64, &ran), "run_due_jobs")) return;
  } while (ran > 0);
}

void test_email(char* buf, const char* prefix) {
  snprintf(buf, 64, "%s-%d-%ld@example.com", prefix, ++counter, (long)getpid());
}

int test_code_for(const char* email, char* code) {
  int i;
  test_run_jobs();
  for (i = mail_count - 1; i >= 0; --i) {
    const char* p;
    if (strcmp(mails[i].to, email) != 0) continue;
    for (p = mails[i].text; *p != '\0'; ++p) {
      int n = 0;
      while (n < 6 && p[n] >= '0' && p[n] <= '9') ++n;
      if (n == 6 && !(p[6] >= '0' && p[6] <= '9') && (p == mails[i].text || p[-1] < '0' ||
                                                      p[-1] > '9')) {
        memcpy(code, p, 6);
        code[6] = '\0';
        return 1;
      }
    }
    return 0;
  }
  return 0;
}

eventify_session* test_signup(const char* prefix, eventify_role role) {
  char email[64];
  char code[7];
  eventify_session* session = NULL;
  test_email(email, prefix);
  if (!test_ok(eventify_register(test_engine, email, "Correct-Horse-9", "Test User", role, NULL),
               "register")) {
    ++test_failures;
    return NULL;
  }
  if (!test_code_for(email, code)) {
    test_fail(__FILE__, __LINE__, "no verification code");
    return NULL;
  }
  if (!test_ok(eventify_verify_email(test_engine, NULL, email, code), "verify") ||
      !test_ok(eventify_login(test_engine, NULL, email, "Correct-Horse-9", &session), "login")) {
    ++test_failures;
    return NULL;
  }
  return session;
}

eventify_session* test_admin(void) {
  char email[64];
  if (admin != NULL) return admin;
  test_email(email, "admin");
  if (!test_ok(eventify_create_admin(test_engine, email, "Correct-Horse-9", "Admin", NULL),
               "create_admin") ||
      !test_ok(eventify_login(test_engine, NULL, email, "Correct-Horse-9", &admin), "login")) {
    ++test_failures;
  }
  return admin;
}

eventify_session* test_organizer(void) {
  eventify_session* organizer = test_signup("organizer", EVENTIFY_ROLE_ORGANIZER);
  if (organizer == NULL) return NULL;
  if (!test_ok(eventify_apply_as_organizer(test_engine, organizer, "Test Events", "We test.",
                                           "contact@example.com"),
               "apply_as_organizer") ||
      !test_ok(eventify_verify_organizer(test_engine, test_admin(),
                                         eventify_session_user_id(organizer)),
               "verify_organizer")) {
    ++test_failures;
    eventify_session_free(organizer);
    return NULL;
  }
  return organizer;
}

eventify_event* test_approved_event(eventify_session* organizer, int64_t capacity,
                                    int64_t price) {
  char name[64];
  char* category = NULL;
  eventify_event* event = NULL;
  eventify_event_draft draft = {0};
  const int64_t day = (int64_t)86400 * 1000000;
  const int64_t now = (int64_t)time(NULL) * 1000000;

  snprintf(name, sizeof name, "Category %d-%ld", ++counter, (long)getpid());
  if (!test_ok(eventify_create_category(test_engine, test_admin(), name, &category),
               "create_category")) {
    ++test_failures;
    return NULL;
  }
  draft.title = "A concert";
  draft.description = "Music in the park.";
  draft.category_id = category;
  draft.venue = "1 Park Lane";
  draft.time_zone = "Asia/Kolkata";
  draft.starts_at = now + 2 * day;
  draft.ends_at = now + 2 * day + day / 8;
  draft.capacity = capacity;
  draft.price_minor_units = price;
  draft.max_tickets_per_booking = capacity < 5 ? capacity : 5;
  draft.attendees_may_cancel = 1;
  if (!test_ok(eventify_create_event(test_engine, organizer, &draft, &event), "create_event")) {
    ++test_failures;
    eventify_string_free(category);
    return NULL;
  }
  eventify_string_free(category);
  if (!test_ok(eventify_submit_event(test_engine, organizer, event->id, NULL), "submit_event") ||
      !test_ok(eventify_approve_event(test_engine, test_admin(), event->id, NULL),
               "approve_event")) {
    ++test_failures;
    eventify_event_free(event);
    return NULL;
  }
  {
    eventify_event* approved = NULL;
    if (!test_ok(eventify_get_event(test_engine, NULL, event->id, &approved), "get_event")) {
      ++test_failures;
    }
    eventify_event_free(event);
    return approved;
  }
}

int test_fund(eventify_session* user, int64_t amount) {
  char key[64];
  eventify_topup* topup = NULL;
  char* payload = NULL;
  char* signature = NULL;
  int ok;
  snprintf(key, sizeof key, "fund-%d", ++counter);
  if (!test_ok(eventify_start_topup(test_engine, user, EVENTIFY_WALLET_USER, amount,
                                    "tok_sandbox_success", key, &topup),
               "start_topup")) {
    return 0;
  }
  ok = test_ok(eventify_sandbox_sign_callback(test_engine, topup->charge_id, 1, &payload,
                                              &signature),
               "sandbox_sign_callback") &&
       test_ok(eventify_handle_gateway_callback(test_engine, payload, signature),
               "handle_gateway_callback");
  eventify_string_free(payload);
  eventify_string_free(signature);
  eventify_topup_free(topup);
  return ok;
}
