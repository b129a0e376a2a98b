"""Fixtures of the Python suite: an engine on a fresh database of the backend that
EVENTIFY_TEST_BACKEND names (sqlite, or postgresql on the server EVENTIFY_TEST_PG_URL points at,
which tests/support/with-postgres.sh starts), and the steps most tests share."""

import os
import subprocess
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import eventify  # noqa: E402


def fresh_database_url(tmp_path):
    backend = os.environ.get("EVENTIFY_TEST_BACKEND", "sqlite")
    if backend == "sqlite":
        return f"sqlite:{tmp_path}/eventify.db"
    if backend != "postgresql":
        raise RuntimeError(f"EVENTIFY_TEST_BACKEND must be sqlite or postgresql, not {backend}")
    server = os.environ.get("EVENTIFY_TEST_PG_URL")
    if not server:
        raise RuntimeError("EVENTIFY_TEST_BACKEND=postgresql needs EVENTIFY_TEST_PG_URL: run the "
                           "suite through tests/support/with-postgres.sh (ctest does)")
    name = "eventify_py_" + uuid.uuid4().hex[:16]
    subprocess.run(["psql", server, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return server.rsplit("/", 1)[0] + "/" + name


def open_engine(tmp_path, database_url):
    return eventify.Engine.open(
        database=database_url,
        secret_key="python-tests-secret-key-of-32-bytes-at-least",
        outbox_dir=str(tmp_path / "outbox"),
        media_dir=str(tmp_path / "media"),
        sandbox_webhook_secret="python-tests-webhook-secret",
        password_hash_cost="minimum")


@pytest.fixture
def database_url(tmp_path):
    return fresh_database_url(tmp_path)


@pytest.fixture
def engine(tmp_path, database_url):
    return open_engine(tmp_path, database_url)


PASSWORD = "Analytical-Engine1"


def unique_email(name):
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def verified_user(engine, name, role="attendee"):
    """Registers, verifies with the code from the outbox, logs in: the user's Principal."""
    email = unique_email(name)
    engine.accounts.register(email, PASSWORD, name.title(), role)
    engine.run_due_jobs()
    engine.accounts.verify_email(email, eventify.latest_code(engine.outbox_dir, email))
    tokens = engine.accounts.login(email, PASSWORD)
    return engine.accounts.authenticate(tokens.access_token)


def admin(engine):
    email = unique_email("root")
    engine.accounts.create_admin(email, PASSWORD, "Root")
    return engine.accounts.authenticate(engine.accounts.login(email, PASSWORD).access_token)


def verified_organizer(engine, root):
    organizer = verified_user(engine, "grace", "organizer")
    engine.events.apply_as_organizer(organizer, "Compilers Inc", "Conferences", "grace@example.com")
    engine.events.verify_organizer(root, organizer.user_id)
    return organizer


def approved_event(engine, root, organizer, *, capacity, price=0, max_tickets=4,
                   attendees_may_cancel=True):
    from datetime import datetime, timedelta, timezone
    category = engine.events.create_category(root, "Talks " + uuid.uuid4().hex[:8])
    starts = datetime.now(timezone.utc) + timedelta(days=30)
    event = engine.events.create_event(
        organizer, title="Compilers night", description="Talks about compilers",
        category_id=category.id, starts_at=starts, ends_at=starts + timedelta(hours=3),
        time_zone="Asia/Kolkata", capacity=capacity, price_minor_units=price,
        venue="1 Main Street", attendees_may_cancel=attendees_may_cancel,
        max_tickets_per_booking=max_tickets)
    engine.events.submit_event(organizer, event.id)
    return engine.events.approve_event(root, event.id)


def fund(engine, principal, amount):
    """Tops the user's wallet up by card through the sandbox gateway and confirms the charge."""
    top_up = engine.wallets.top_up(principal, amount, "tok_sandbox_success", uuid.uuid4().hex)
    return engine.settle_sandbox_charge(top_up.charge_id)
