/* Embedding libeventify from C (bindings/c, docs/c-api.md): open an engine on a SQLite file,
 * register and verify an attendee (the verification code arrives through a mail callback), set up
 * an organizer's free event (an admin approves it), book a seat and send the organizer a message.
 * The engine runs no job threads, so the program runs the due jobs itself to send the mails.
 *
 *   eventify-example-c /tmp/eventify-example-c.db */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventify_c.h"

/* The newest mail's body, where the 6-digit code is. The callback runs on the thread that calls
 * eventify_engine_run_due_jobs (this program's only thread). */
static char last_mail[4096];

static int print_mail(void* user_data, const eventify_mail* mail) {
  (void)user_data;
  printf("--- mail to %s: %s\n", mail->to, mail->subject);
  snprintf(last_mail, sizeof last_mail, "%s", mail->text);
  return 0;
}

static int fail(const char* what, eventify_status status) {
  fprintf(stderr, "%s failed: %s (%s): %s\n", what, eventify_status_name(status),
          eventify_last_error_reason(), eventify_last_error_message());
  return 1;
}

#define TRY(what, call)                              \
  do {                                               \
    eventify_status status_ = (call);                \
    if (status_ != EVENTIFY_OK) return fail(what, status_); \
  } while (0)

/* The first run of six digits in the last mail. */
static void code_from_mail(char code[7]) {
  const char* p;
  code[0] = '\0';
  for (p = last_mail; *p; ++p) {
    if (strspn(p, "0123456789") == 6) {
      memcpy(code, p, 6);
      code[6] = '\0';
      return;
    }
    p += strspn(p, "0123456789");
    if (*p == '\0') return;
  }
}

/* Registers, verifies and logs in. */
static int sign_up(eventify_engine* engine, const char* email, eventify_role role,
                   eventify_session** session) {
  char code[7];
  TRY("register", eventify_register(engine, email, "Analytical-Engine1", "Ada Lovelace", role,
                                    NULL));
  TRY("sending mail", eventify_engine_run_due_jobs(engine, 16, NULL));
  code_from_mail(code);
  TRY("verify", eventify_verify_email(engine, NULL, email, code));
  TRY("login", eventify_login(engine, NULL, email, "Analytical-Engine1", session));
  return 0;
}

static int run(eventify_engine* engine) {
  char email[64], organizer_email[64], admin_email[64];
  long stamp = (long)time(NULL);
  eventify_session *attendee = NULL, *organizer = NULL, *admin = NULL;
  eventify_event_draft draft = {0};
  eventify_event* event = NULL;
  eventify_booking* booking = NULL;
  eventify_conversation* conversation = NULL;
  eventify_message* message = NULL;
  char* category = NULL;
  int rc;

  snprintf(email, sizeof email, "ada%ld@example.com", stamp);
  snprintf(organizer_email, sizeof organizer_email, "org%ld@example.com", stamp);
  snprintf(admin_email, sizeof admin_email, "admin%ld@example.com", stamp);
  if (sign_up(engine, email, EVENTIFY_ROLE_ATTENDEE, &attendee)) return 1;
  if (sign_up(engine, organizer_email, EVENTIFY_ROLE_ORGANIZER, &organizer)) return 1;

  /* The operator's admin verifies the organizer and approves the event. */
  TRY("create admin", eventify_create_admin(engine, admin_email, "Analytical-Engine1", "Admin",
                                            NULL));
  TRY("admin login", eventify_login(engine, NULL, admin_email, "Analytical-Engine1", &admin));
  TRY("apply", eventify_apply_as_organizer(engine, organizer, "Lovelace Events", "Concerts.",
                                           organizer_email));
  TRY("verify organizer",
      eventify_verify_organizer(engine, admin, eventify_session_user_id(organizer)));
  {
    char name[64];
    snprintf(name, sizeof name, "Concerts %ld", stamp);
    TRY("category", eventify_create_category(engine, admin, name, &category));
  }
  draft.title = "Difference Engine Night";
  draft.description = "A free evening of music.";
  draft.category_id = category;
  draft.venue = "1 Park Lane";
  draft.time_zone = "Europe/London";
  draft.starts_at = ((int64_t)stamp + 7 * 86400) * 1000000;
  draft.ends_at = draft.starts_at + (int64_t)3 * 3600 * 1000000;
  draft.capacity = 100;
  draft.max_tickets_per_booking = 4;
  rc = eventify_create_event(engine, organizer, &draft, &event);
  eventify_string_free(category);
  TRY("create event", rc);
  TRY("submit", eventify_submit_event(engine, organizer, event->id, NULL));
  TRY("approve", eventify_approve_event(engine, admin, event->id, NULL));

  /* The attendee books a seat (free: nothing to pay) and writes to the organizer. */
  TRY("book", eventify_book_and_pay(engine, attendee, event->id, 1, "first-booking", NULL,
                                    &booking));
  printf("booked %s: %s, ticket %s\n", booking->id, booking->status, booking->tickets[0].code);
  TRY("open conversation", eventify_open_direct(engine, attendee,
                                                eventify_session_user_id(organizer),
                                                &conversation));
  TRY("send", eventify_send_message(engine, attendee, conversation->id, "See you there!",
                                    "first-message", &message));
  printf("sent message %lld: %s\n", (long long)message->seq, message->text);

  eventify_message_free(message);
  eventify_conversation_free(conversation);
  eventify_booking_free(booking);
  eventify_event_free(event);
  eventify_session_free(admin);
  eventify_session_free(organizer);
  eventify_session_free(attendee);
  return 0;
}

int main(int argc, char** argv) {
  char url[512];
  eventify_options* options = NULL;
  eventify_engine* engine = NULL;
  int rc;

  snprintf(url, sizeof url, "sqlite:%s", argc > 1 ? argv[1] : "eventify-example-c.db");
  TRY("options", eventify_options_new(&options));
  TRY("database", eventify_options_set_database_url(options, url));
  TRY("secret", eventify_options_set_secret_key(options,
                                                "example-only-secret-use-32-random-bytes!"));
  TRY("media", eventify_options_set_media_dir(options, "example-media", "/media/"));
  TRY("mailer", eventify_options_set_mailer(options, print_mail, NULL));
  rc = eventify_engine_open(options, &engine);
  eventify_options_free(options);
  TRY("open", rc);
  rc = run(engine);
  eventify_engine_free(engine);
  return rc;
}
