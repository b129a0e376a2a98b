/* Wallets, events, bookings and tickets through the C API: a top-up through the sandbox gateway,
 * the listing, book and pay, hold and pay, cancel with refund, check-in, history. */
#include <stdio.h>
#include <string.h>

#include "test_support.h"

static void book_pay_cancel_check_in(void) {
  eventify_session* organizer = test_organizer();
  eventify_session* buyer = test_signup("buyer", EVENTIFY_ROLE_ATTENDEE);
  eventify_session* broke = test_signup("broke", EVENTIFY_ROLE_ATTENDEE);
  eventify_event* event = NULL;
  eventify_event_list* list = NULL;
  eventify_event_query query = {0};
  eventify_booking* booking = NULL;
  eventify_booking* same = NULL;
  eventify_booking* held = NULL;
  eventify_booking* cancelled = NULL;
  eventify_booking_list* mine = NULL;
  eventify_ticket* ticket = NULL;
  eventify_history* history = NULL;
  eventify_balance balance;
  size_t i;
  int found = 0;

  REQUIRE(organizer != NULL && buyer != NULL && broke != NULL);
  event = test_approved_event(organizer, 10, 10000);
  REQUIRE(event != NULL);
  CHECK(test_streq(event->status, "approved"));
  CHECK(event->capacity == 10);
  CHECK(event->price_minor_units == 10000);
  CHECK(test_streq(event->currency, "INR"));

  query.organizer_id = eventify_session_user_id(organizer);
  REQUIRE_OK(eventify_list_events(test_engine, &query, &list));
  for (i = 0; i < list->count; ++i) found += test_streq(list->items[i].id, event->id);
  CHECK(found == 1);
  CHECK(list->count == 1);
  eventify_event_list_free(list);
  list = NULL;
  query.limit = 101;
  CHECK_FAILS(eventify_list_events(test_engine, &query, &list), EVENTIFY_INVALID_ARGUMENT,
              "invalid_limit");
  CHECK(list == NULL);

  /* Money first: 50000 through the sandbox gateway. */
  REQUIRE(test_fund(buyer, 50000));
  REQUIRE_OK(eventify_get_balance(test_engine, buyer, EVENTIFY_WALLET_USER, &balance));
  CHECK(balance.posted == 50000);
  CHECK(balance.available == 50000);
  CHECK(test_streq(balance.currency, "INR"));

  CHECK_FAILS(eventify_book_and_pay(test_engine, broke, event->id, 1, "b1", NULL, &booking),
              EVENTIFY_FAILED_PRECONDITION, "insufficient_funds");
  CHECK(booking == NULL);
  CHECK_FAILS(eventify_book_and_pay(test_engine, buyer, event->id, 6, "b1", NULL, &booking),
              EVENTIFY_INVALID_ARGUMENT, "invalid_seats");
  CHECK(test_streq(eventify_last_error_field(), "seats"));

  REQUIRE_OK(eventify_book_and_pay(test_engine, buyer, event->id, 2, "b1", NULL, &booking));
  CHECK(test_streq(booking->status, "confirmed"));
  CHECK(booking->seats == 2);
  CHECK(booking->amount == 20000);
  CHECK(test_streq(booking->user_id, eventify_session_user_id(buyer)));
  CHECK(strlen(booking->payment_transfer_id) == 36);
  REQUIRE(booking->ticket_count == 2);
  CHECK(booking->tickets[0].seat == 1 && booking->tickets[1].seat == 2);
  CHECK(strncmp(booking->tickets[0].code, "t1.", 3) == 0);
  CHECK(booking->tickets[0].has_checked_in == 0);

  /* A retry with the same key is the same booking. */
  REQUIRE_OK(eventify_book_and_pay(test_engine, buyer, event->id, 2, "b1", NULL, &same));
  CHECK(test_streq(same->id, booking->id));
  eventify_booking_free(same);
  same = NULL;
  CHECK_FAILS(eventify_book_and_pay(test_engine, buyer, event->id, 3, "b1", NULL, &same),
              EVENTIFY_ALREADY_EXISTS, "idempotency_key_reused");

  REQUIRE_OK(eventify_get_balance(test_engine, buyer, EVENTIFY_WALLET_USER, &balance));
  CHECK(balance.posted == 30000);

  /* Hold, then pay. */
  REQUIRE_OK(eventify_hold(test_engine, buyer, event->id, 1, "h1", NULL, &held));
  CHECK(test_streq(held->status, "held"));
  CHECK(held->ticket_count == 0);
  CHECK(held->hold_expires_at > 0);
  eventify_booking_free(held);
  held = NULL;
  REQUIRE_OK(eventify_list_my_bookings(test_engine, buyer, NULL, 10, &mine));
  REQUIRE(mine->count == 2);
  CHECK(test_streq(mine->items[1].id, booking->id)); /* newest first */
  CHECK(test_streq(mine->next_cursor, ""));
  REQUIRE_OK(eventify_pay(test_engine, buyer, mine->items[0].id, &held));
  CHECK(test_streq(held->status, "confirmed"));
  CHECK(held->ticket_count == 1);

  /* The organizer admits a ticket once. */
  CHECK_FAILS(eventify_check_in(test_engine, buyer, event->id, booking->tickets[0].code, NULL),
              EVENTIFY_PERMISSION_DENIED, "forbidden");
  REQUIRE_OK(eventify_check_in(test_engine, organizer, event->id, booking->tickets[0].code,
                               &ticket));
  CHECK(test_streq(ticket->id, booking->tickets[0].id));
  CHECK(ticket->has_checked_in == 1);
  CHECK(ticket->checked_in_at > 0);
  CHECK_FAILS(eventify_check_in(test_engine, organizer, event->id, booking->tickets[0].code,
                                NULL),
              EVENTIFY_FAILED_PRECONDITION, "already_checked_in");
  CHECK_FAILS(eventify_check_in(test_engine, organizer, event->id, "t1.forged", NULL),
              EVENTIFY_INVALID_ARGUMENT, "invalid_ticket_code");

  /* Cancelling: the checked-in booking stays; the other is refunded. */
  CHECK_FAILS(eventify_cancel_booking(test_engine, buyer, booking->id, NULL),
              EVENTIFY_FAILED_PRECONDITION, "ticket_checked_in");
  REQUIRE_OK(eventify_cancel_booking(test_engine, buyer, held->id, &cancelled));
  CHECK(test_streq(cancelled->status, "cancelled"));
  CHECK(strlen(cancelled->refund_transfer_id) == 36);
  REQUIRE_OK(eventify_get_balance(test_engine, buyer, EVENTIFY_WALLET_USER, &balance));
  CHECK(balance.posted == 30000);
  CHECK_FAILS(eventify_get_booking(test_engine, broke, booking->id, &same), EVENTIFY_NOT_FOUND,
              "booking_not_found");

  /* History, newest first: the refund, the two payments, the top-up. */
  REQUIRE_OK(eventify_wallet_history(test_engine, buyer, EVENTIFY_WALLET_USER, NULL, 10,
                                     &history));
  REQUIRE(history->count == 4);
  CHECK(test_streq(history->items[0].kind, "refund"));
  CHECK(history->items[0].amount == 10000);
  CHECK(test_streq(history->items[1].kind, "debit"));
  CHECK(history->items[1].amount == -10000);
  CHECK(test_streq(history->items[2].kind, "debit"));
  CHECK(history->items[2].amount == -20000);
  CHECK(test_streq(history->items[2].counterparty_kind, "escrow"));
  CHECK(test_streq(history->items[2].counterparty_owner_id, event->id));
  CHECK(test_streq(history->items[3].kind, "credit"));
  CHECK(test_streq(history->items[3].status, "posted"));
  CHECK(history->items[3].amount == 50000);
  CHECK(history->items[3].has_balance_after == 1);
  CHECK(history->items[3].balance_after == 50000);
  CHECK(test_streq(history->next_cursor, ""));
  CHECK_FAILS(eventify_get_balance(test_engine, buyer, EVENTIFY_WALLET_ORGANIZER, &balance),
              EVENTIFY_PERMISSION_DENIED, "forbidden");

  eventify_history_free(history);
  eventify_ticket_free(ticket);
  eventify_booking_free(cancelled);
  eventify_booking_free(held);
  eventify_booking_list_free(mine);
  eventify_booking_free(booking);
  eventify_event_free(event);
  eventify_session_free(broke);
  eventify_session_free(buyer);
  eventify_session_free(organizer);
}

static void cancel_event(void) {
  eventify_session* organizer = test_organizer();
  eventify_session* buyer = test_signup("free", EVENTIFY_ROLE_ATTENDEE);
  eventify_event* event = NULL;
  eventify_event* cancelled = NULL;
  eventify_event* missing = NULL;
  eventify_booking* booking = NULL;

  REQUIRE(organizer != NULL && buyer != NULL);
  event = test_approved_event(organizer, 1, 0);
  REQUIRE(event != NULL);
  /* A free event needs no money. */
  REQUIRE_OK(eventify_book_and_pay(test_engine, buyer, event->id, 1, "f1", NULL, &booking));
  CHECK(test_streq(booking->status, "confirmed"));
  CHECK(booking->amount == 0);
  CHECK(test_streq(booking->payment_transfer_id, ""));
  CHECK_FAILS(eventify_book_and_pay(test_engine, buyer, event->id, 1, "f2", NULL, NULL),
              EVENTIFY_FAILED_PRECONDITION, "sold_out");

  CHECK_FAILS(eventify_cancel_event(test_engine, buyer, event->id, "Rain", NULL),
              EVENTIFY_PERMISSION_DENIED, "forbidden");
  CHECK_FAILS(eventify_cancel_event(test_engine, organizer, event->id, "", NULL),
              EVENTIFY_INVALID_ARGUMENT, "invalid_note");
  REQUIRE_OK(eventify_cancel_event(test_engine, organizer, event->id, "Rain", &cancelled));
  CHECK(test_streq(cancelled->status, "cancelled"));
  CHECK_FAILS(eventify_book_and_pay(test_engine, buyer, event->id, 1, "f3", NULL, NULL),
              EVENTIFY_FAILED_PRECONDITION, "event_not_bookable");
  CHECK_FAILS(eventify_get_event(test_engine, NULL, "00000000-0000-7000-8000-000000000000",
                                 &missing),
              EVENTIFY_NOT_FOUND, "event_not_found");
  CHECK(missing == NULL);

  eventify_event_free(cancelled);
  eventify_event_free(event);
  eventify_booking_free(booking);
  eventify_session_free(buyer);
  eventify_session_free(organizer);
}

void bookings_tests(void) {
  book_pay_cancel_check_in();
  cancel_event();
}
