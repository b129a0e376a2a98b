/* Chat through the C API: a direct conversation between an organizer and a buyer, history,
 * resends, refusals; and the hub over a transport of C callbacks delivering live frames. */
#include <stdio.h>
#include <string.h>

#include "test_support.h"

/* A transport that keeps every frame and close per connection (ids 1-4). The hub calls it from
 * its worker thread; the test reads it only after eventify_hub_flush. */
#define CONNECTIONS 5
typedef struct recorder {
  char frames[CONNECTIONS][16384];
  char closed[CONNECTIONS][64];
} recorder;

static void record_send(void* user_data, uint64_t connection, const char* frame, size_t length) {
  recorder* r = (recorder*)user_data;
  size_t used;
  if (connection >= CONNECTIONS) return;
  used = strlen(r->frames[connection]);
  if (used + length + 2 > sizeof r->frames[connection]) return;
  memcpy(r->frames[connection] + used, frame, length);
  r->frames[connection][used + length] = '\n';
  r->frames[connection][used + length + 1] = '\0';
}

static void record_close(void* user_data, uint64_t connection, const char* reason) {
  recorder* r = (recorder*)user_data;
  if (connection >= CONNECTIONS) return;
  snprintf(r->closed[connection], sizeof r->closed[connection], "%s", reason);
}

static recorder frames; /* static: too big for the stack of a test case */

static void direct_conversation_and_hub(void) {
  eventify_session* organizer = test_organizer();
  eventify_session* buyer = test_signup("chatter", EVENTIFY_ROLE_ATTENDEE);
  eventify_session* stranger = test_signup("stranger", EVENTIFY_ROLE_ATTENDEE);
  eventify_event* event = NULL;
  eventify_conversation* direct = NULL;
  eventify_conversation* same = NULL;
  eventify_conversation* room = NULL;
  eventify_message* first = NULL;
  eventify_message* resent = NULL;
  eventify_message_list* history = NULL;
  eventify_hub* hub = NULL;
  eventify_transport transport;

  REQUIRE(organizer != NULL && buyer != NULL && stranger != NULL);
  event = test_approved_event(organizer, 5, 0);
  REQUIRE(event != NULL);

  /* No booking yet: the organizer may not start a conversation with the buyer. */
  CHECK_FAILS(eventify_open_direct(test_engine, organizer, eventify_session_user_id(buyer),
                                   &direct),
              EVENTIFY_PERMISSION_DENIED, "conversation_not_allowed");
  CHECK(direct == NULL);
  REQUIRE_OK(eventify_book_and_pay(test_engine, buyer, event->id, 1, "chat-b", NULL, NULL));

  REQUIRE_OK(eventify_open_direct(test_engine, organizer, eventify_session_user_id(buyer),
                                  &direct));
  CHECK(test_streq(direct->kind, "direct"));
  CHECK(direct->last_seq == 0);
  REQUIRE_OK(eventify_open_direct(test_engine, buyer, eventify_session_user_id(organizer),
                                  &same));
  CHECK(test_streq(same->id, direct->id));
  CHECK_FAILS(eventify_open_direct(test_engine, stranger, eventify_session_user_id(buyer), &room),
              EVENTIFY_PERMISSION_DENIED, "conversation_not_allowed");
  CHECK_FAILS(eventify_open_direct(test_engine, buyer, eventify_session_user_id(buyer), &room),
              EVENTIFY_INVALID_ARGUMENT, "self_conversation");
  REQUIRE_OK(eventify_open_event_room(test_engine, buyer, event->id, &room));
  CHECK(test_streq(room->kind, "event_room"));
  CHECK(test_streq(room->event_id, event->id));
  eventify_conversation_free(room);
  room = NULL;
  CHECK_FAILS(eventify_open_event_room(test_engine, stranger, event->id, &room),
              EVENTIFY_PERMISSION_DENIED, "not_a_member");

  /* The hub: both users connect through the C transport. */
  transport.user_data = &frames;
  transport.send = record_send;
  transport.close = record_close;
  REQUIRE_OK(eventify_hub_create(test_engine, &transport, &hub));
  REQUIRE_OK(eventify_hub_opened(hub, 1, eventify_session_access_token(buyer)));
  REQUIRE_OK(eventify_hub_opened(hub, 2, eventify_session_access_token(organizer)));
  REQUIRE_OK(eventify_hub_opened(hub, 3, "not-a-token"));
  REQUIRE_OK(eventify_hub_flush(hub));
  CHECK(strstr(frames.frames[1], "\"type\":\"ready\"") != NULL);
  CHECK(strstr(frames.frames[2], "\"type\":\"ready\"") != NULL);
  CHECK(strstr(frames.frames[3], "\"code\":\"invalid_token\"") != NULL);
  CHECK(test_streq(frames.closed[3], "unauthenticated"));
  REQUIRE_OK(eventify_hub_closed(hub, 3));

  REQUIRE_OK(eventify_send_message(test_engine, organizer, direct->id, "  Welcome aboard!  ",
                                   "m1", &first));
  CHECK(test_streq(first->text, "Welcome aboard!"));
  CHECK(first->seq == 1);
  CHECK(test_streq(first->kind, "text"));
  CHECK(test_streq(first->sender_id, eventify_session_user_id(organizer)));
  REQUIRE_OK(eventify_send_message(test_engine, organizer, direct->id, "Welcome aboard!", "m1",
                                   &resent));
  CHECK(test_streq(resent->id, first->id));
  CHECK_FAILS(eventify_send_message(test_engine, organizer, direct->id, "Other", "m1", NULL),
              EVENTIFY_ALREADY_EXISTS, "idempotency_key_reused");
  CHECK_FAILS(eventify_send_message(test_engine, organizer, direct->id, "   ", "m2", NULL),
              EVENTIFY_INVALID_ARGUMENT, "empty_message");
  CHECK(test_streq(eventify_last_error_field(), "text"));
  CHECK_FAILS(eventify_send_message(test_engine, stranger, direct->id, "Hi", "s1", NULL),
              EVENTIFY_PERMISSION_DENIED, "not_a_member");
  REQUIRE_OK(eventify_send_message(test_engine, buyer, direct->id, "Thanks!", "r1", NULL));

  /* The buyer's connection got the organizer's message live; the frames carry the text. */
  REQUIRE_OK(eventify_hub_flush(hub));
  CHECK(strstr(frames.frames[1], "\"type\":\"new_message\"") != NULL);
  CHECK(strstr(frames.frames[1], "Welcome aboard!") != NULL);
  CHECK(strstr(frames.frames[2], "Thanks!") != NULL);
  REQUIRE_OK(eventify_hub_keep_alive(hub, 1));
  REQUIRE_OK(eventify_hub_frame(hub, 1, "{\"type\":\"ping\"}", 15));
  REQUIRE_OK(eventify_hub_flush(hub));
  CHECK(strstr(frames.frames[1], "\"type\":\"pong\"") != NULL);
  eventify_hub_free(hub);
  hub = NULL;
  CHECK(test_streq(frames.closed[1], "shutting_down"));

  REQUIRE_OK(eventify_chat_history(test_engine, buyer, direct->id, NULL, 10, &history));
  REQUIRE(history->count == 2);
  CHECK(test_streq(history->items[0].text, "Thanks!"));
  CHECK(history->items[0].seq == 2);
  CHECK(test_streq(history->items[1].id, first->id));
  CHECK(test_streq(history->next_cursor, ""));
  eventify_message_list_free(history);
  history = NULL;
  REQUIRE_OK(eventify_chat_history(test_engine, buyer, direct->id, NULL, 1, &history));
  REQUIRE(history->count == 1);
  CHECK(strlen(history->next_cursor) > 0);
  eventify_message_list_free(history);
  history = NULL;
  REQUIRE_OK(eventify_mark_read(test_engine, buyer, direct->id, first->id));
  CHECK_FAILS(eventify_chat_history(test_engine, stranger, direct->id, NULL, 10, &history),
              EVENTIFY_PERMISSION_DENIED, "not_a_member");
  CHECK(history == NULL);
  REQUIRE_OK(eventify_open_direct(test_engine, buyer, eventify_session_user_id(organizer),
                                  &room));
  CHECK(room->read_seq == 1);
  CHECK(room->last_seq == 2);
  CHECK(room->unread == 0);

  eventify_conversation_free(room);
  eventify_message_free(resent);
  eventify_message_free(first);
  eventify_conversation_free(same);
  eventify_conversation_free(direct);
  eventify_event_free(event);
  eventify_session_free(stranger);
  eventify_session_free(buyer);
  eventify_session_free(organizer);
}

void chat_tests(void) { direct_conversation_and_hub(); }
