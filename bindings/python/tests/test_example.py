"""Runs examples/book_and_chat.py, the program docs/python.md shows, on the suite's backend."""

import importlib.util
import os

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "book_and_chat.py")


def load_example():
    spec = importlib.util.spec_from_file_location("book_and_chat", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_embedding_example_books_and_sends_a_message(tmp_path, database_url, capsys):
    assert load_example().main(database_url, str(tmp_path)) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "booked 2 seats of Compilers night: confirmed"
    assert [line.split(":")[0] for line in printed[1:3]] == ["  seat 1", "  seat 2"]
    assert printed[3] == "sent message 1 to the organizer"

    # What it wrote is there for another engine on the same database.
    from conftest import open_engine
    again = open_engine(tmp_path, database_url)
    listed = list(again.events.list_events(text="compilers"))
    assert [(event.title, event.seats_sold) for event in listed] == [("Compilers night", 2)]
