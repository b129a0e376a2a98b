import uuid
from datetime import datetime, timezone

import pytest

import eventify
from conftest import admin, approved_event, fund, verified_organizer, verified_user


@pytest.fixture
def world(engine):
    root = admin(engine)
    organizer = verified_organizer(engine, root)
    return engine, root, organizer


def test_book_and_pay_moves_the_money_and_issues_one_ticket_per_seat(world):
    engine, root, organizer = world
    event = approved_event(engine, root, organizer, capacity=10, price=2_500)
    ada = verified_user(engine, "ada")
    fund(engine, ada, 10_000)

    booking = engine.bookings.book_and_pay(ada, event.id, 3, "booking-1")
    assert (booking.status, booking.seats, booking.amount.minor_units) == ("confirmed", 3, 7_500)
    assert booking.amount.currency == "INR"
    assert [ticket.seat for ticket in booking.tickets] == [1, 2, 3]
    assert all(ticket.code.startswith("t1.") for ticket in booking.tickets)
    assert engine.wallets.balance(ada).posted == 2_500
    assert engine.events.get_event(event.id).seats_sold == 3

    # The same key again: the same booking, no second charge.
    again = engine.bookings.book_and_pay(ada, event.id, 3, "booking-1")
    assert again.id == booking.id
    assert engine.wallets.balance(ada).posted == 2_500

    admitted = engine.bookings.check_in(organizer, event.id, booking.tickets[0].code)
    assert admitted.checked_in_at is not None
    with pytest.raises(eventify.FailedPreconditionError) as twice:
        engine.bookings.check_in(organizer, event.id, booking.tickets[0].code)
    assert twice.value.reason == "already_checked_in"


def test_hold_then_pay_and_cancel_refunds(world):
    engine, root, organizer = world
    event = approved_event(engine, root, organizer, capacity=5, price=1_000)
    ada = verified_user(engine, "ada")
    fund(engine, ada, 1_000)

    held = engine.bookings.hold(ada, event.id, 1, "hold-1")
    assert held.status == "held"
    assert held.hold_expires_at > datetime.now(timezone.utc)
    assert held.tickets == []
    paid = engine.bookings.pay(ada, held.id)
    assert (paid.id, paid.status, len(paid.tickets)) == (held.id, "confirmed", 1)
    assert engine.wallets.balance(ada).posted == 0

    cancelled = engine.bookings.cancel(ada, paid.id)
    assert cancelled.status == "cancelled"
    assert cancelled.refund_transfer_id != ""
    assert engine.wallets.balance(ada).posted == 1_000
    assert engine.events.get_event(event.id).seats_sold == 0
    assert engine.bookings.get_booking(ada, paid.id).status == "cancelled"


def test_booking_errors_carry_their_reasons(world):
    engine, root, organizer = world
    event = approved_event(engine, root, organizer, capacity=2, price=1_000, max_tickets=2)
    ada = verified_user(engine, "ada")

    with pytest.raises(eventify.FailedPreconditionError) as broke:
        engine.bookings.book_and_pay(ada, event.id, 1, "k1")
    assert (broke.value.reason, broke.value.field) == ("insufficient_funds", "amount")

    fund(engine, ada, 5_000)
    with pytest.raises(eventify.InvalidArgumentError) as seats:
        engine.bookings.book_and_pay(ada, event.id, 3, "k2")
    assert (seats.value.reason, seats.value.field) == ("invalid_seats", "seats")

    with pytest.raises(eventify.NotFoundError) as missing:
        engine.bookings.book_and_pay(ada, str(uuid.uuid4()), 1, "k3")
    assert missing.value.reason == "event_not_found"

    adas = engine.bookings.book_and_pay(ada, event.id, 2, "k4")
    bob = verified_user(engine, "bob")
    fund(engine, bob, 5_000)
    with pytest.raises(eventify.FailedPreconditionError) as sold_out:
        engine.bookings.book_and_pay(bob, event.id, 1, "k1")
    assert (sold_out.value.reason, sold_out.value.field) == ("sold_out", "seats")

    with pytest.raises(eventify.NotFoundError) as not_mine:
        engine.bookings.get_booking(bob, adas.id)
    assert not_mine.value.reason == "booking_not_found"


def test_my_bookings_iterate_over_every_page_newest_first(world):
    engine, root, organizer = world
    event = approved_event(engine, root, organizer, capacity=10)
    ada = verified_user(engine, "ada")
    made = [engine.bookings.book_and_pay(ada, event.id, 1, f"key-{i}").id for i in range(5)]

    pager = engine.bookings.list_my_bookings(ada, page_size=2)
    assert iter(pager) is pager
    listed = [booking.id for booking in pager]
    assert listed == list(reversed(made))
    with pytest.raises(StopIteration):
        next(pager)


def test_the_public_listing_iterates_over_approved_events(world):
    engine, root, organizer = world
    made = [approved_event(engine, root, organizer, capacity=5).id for _ in range(3)]
    listed = [event.id for event in engine.events.list_events(organizer_id=organizer.user_id,
                                                              page_size=1)]
    assert sorted(listed) == sorted(made)
