"""Embedding Eventify in Python: open an engine, register and verify an account, book seats of an
event and send its organizer a message (docs/python.md shows this file; the test suite runs it).

    PYTHONPATH=build/dev/bindings/python /usr/bin/python3 \
        bindings/python/examples/book_and_chat.py sqlite:/tmp/eventify-example.db /tmp/eventify-example
"""

import os
import sys
import uuid
from datetime import datetime, timedelta, timezone

import eventify

PASSWORD = "Analytical-Engine1"


def verified_login(engine, email, full_name, role="attendee"):
    """Registers an account, verifies it with the code the engine e-mailed, logs it in."""
    engine.accounts.register(email, PASSWORD, full_name, role)
    # Mail leaves through jobs; an engine opened without job_worker_threads runs them when told.
    engine.run_due_jobs()
    code = eventify.latest_code(engine.outbox_dir, email)  # read from outbox_dir/*.eml
    engine.accounts.verify_email(email, code)
    tokens = engine.accounts.login(email, PASSWORD)
    return engine.accounts.authenticate(tokens.access_token)


def publish_event(engine, suffix):
    """What the platform's admin and an organizer do before anybody can book: a verified organizer,
    a category and an approved event (free, so that booking needs no wallet top-up)."""
    engine.accounts.create_admin(f"root-{suffix}@example.com", PASSWORD, "Root")
    admin = engine.accounts.authenticate(
        engine.accounts.login(f"root-{suffix}@example.com", PASSWORD).access_token)
    organizer = verified_login(engine, f"grace-{suffix}@example.com", "Grace Hopper", "organizer")
    engine.events.apply_as_organizer(organizer, "Compilers Inc", "Talks about compilers",
                                     f"grace-{suffix}@example.com")
    engine.events.verify_organizer(admin, organizer.user_id)
    category = engine.events.create_category(admin, f"Talks {suffix}")
    starts = datetime.now(timezone.utc) + timedelta(days=7)
    event = engine.events.create_event(
        organizer, title="Compilers night", description="Three talks and a debate",
        category_id=category.id, starts_at=starts, ends_at=starts + timedelta(hours=3),
        time_zone="Asia/Kolkata", capacity=100, venue="1 Main Street", max_tickets_per_booking=4)
    engine.events.submit_event(organizer, event.id)
    return engine.events.approve_event(admin, event.id)


def main(database, workdir):
    engine = eventify.Engine.open(
        database=database,  # "sqlite:<file>" or "postgresql://user@host:port/db"
        secret_key="example-only-secret-use-32-random-bytes!",
        outbox_dir=os.path.join(workdir, "outbox"),
        media_dir=os.path.join(workdir, "media"))
    suffix = uuid.uuid4().hex[:8]
    event = publish_event(engine, suffix)

    ada = verified_login(engine, f"ada-{suffix}@example.com", "Ada Lovelace")
    try:
        booking = engine.bookings.book_and_pay(ada, event.id, seats=2,
                                               idempotency_key=f"example-{suffix}")
    except eventify.FailedPreconditionError as error:  # sold_out, event_started, ...
        print(f"cannot book: {error.reason}")
        return 1
    print(f"booked {booking.seats} seats of {event.title}: {booking.status}")
    for ticket in booking.tickets:
        print(f"  seat {ticket.seat}: {ticket.code[:16]}...")

    conversation = engine.chat.open_direct(ada, event.organizer_id)
    message = engine.chat.send(ada, conversation.id, "See you at the compilers night!",
                               idempotency_key=f"hello-{suffix}")
    print(f"sent message {message.seq} to the organizer")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
