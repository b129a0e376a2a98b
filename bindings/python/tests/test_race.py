"""Two Python threads book the last seats at once: exactly one wins, nothing is oversold.

Both calls run inside the engine at the same time (each releases the GIL while it waits on its
commit), so the rule that decides is the library's, not Python's serialisation."""

import threading

import eventify
from conftest import admin, approved_event, fund, verified_organizer, verified_user


def test_two_threads_booking_the_last_seats_exactly_one_wins(engine):
    root = admin(engine)
    organizer = verified_organizer(engine, root)
    event = approved_event(engine, root, organizer, capacity=3, price=1_000, max_tickets=2)
    early = verified_user(engine, "early")
    fund(engine, early, 1_000)
    engine.bookings.book_and_pay(early, event.id, 1, "early")  # 2 seats left

    buyers = [verified_user(engine, name) for name in ("ada", "bob")]
    for buyer in buyers:
        fund(engine, buyer, 2_000)
    start = threading.Barrier(len(buyers))
    outcomes = {}

    def book(buyer):
        start.wait()
        try:
            outcomes[buyer.user_id] = engine.bookings.book_and_pay(buyer, event.id, 2, "last-seats")
        except eventify.EventifyError as error:
            outcomes[buyer.user_id] = error

    threads = [threading.Thread(target=book, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    won = [o for o in outcomes.values() if isinstance(o, eventify.Booking)]
    lost = [o for o in outcomes.values() if isinstance(o, eventify.EventifyError)]
    assert len(won) == 1 and len(lost) == 1
    assert (won[0].status, won[0].seats, len(won[0].tickets)) == ("confirmed", 2, 2)
    assert isinstance(lost[0], eventify.FailedPreconditionError)
    assert (lost[0].reason, lost[0].field) == ("sold_out", "seats")

    after = engine.events.get_event(event.id)
    assert (after.seats_sold, after.seats_held, after.capacity) == (3, 0, 3)
    winner = won[0].user_id
    loser = next(buyer for buyer in buyers if buyer.user_id != winner)
    assert engine.wallets.balance(loser).posted == 2_000  # the loser paid nothing
    assert engine.wallets.balance(
        next(buyer for buyer in buyers if buyer.user_id == winner)).posted == 0
