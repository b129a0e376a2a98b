"""Calls that wait on the database release the GIL: a Python thread blocked in the engine does not
stop the others.

Another SQLite connection (Python's sqlite3) holds the write lock; a thread calls register, whose
write waits for the lock (up to the storage's busy timeout). The main thread, which can only run
if that thread released the GIL, then releases the lock, and the registration goes through. Were
the GIL kept, the main thread would stay stuck until the busy timeout failed the registration."""

import os
import sqlite3
import threading

import pytest

from conftest import PASSWORD, unique_email


@pytest.mark.skipif(os.environ.get("EVENTIFY_TEST_BACKEND", "sqlite") != "sqlite",
                    reason="holds the database's write lock through Python's sqlite3")
def test_a_thread_waiting_on_the_database_lets_the_others_run(engine, database_url):
    blocker = sqlite3.connect(database_url[len("sqlite:"):], isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    calling = threading.Event()
    outcome = {}

    def register():
        calling.set()
        try:
            outcome["user"] = engine.accounts.register(unique_email("ada"), PASSWORD, "Ada")
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error

    thread = threading.Thread(target=register)
    thread.start()
    calling.wait()
    blocker.execute("ROLLBACK")
    blocker.close()
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["user"].full_name == "Ada"
