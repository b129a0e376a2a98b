import pytest

import eventify
from conftest import admin, approved_event, verified_organizer, verified_user


@pytest.fixture
def pair(engine):
    """An organizer and an attendee holding a confirmed booking of one of their events: the two
    may talk (the start rule in eventify/chat.h)."""
    root = admin(engine)
    organizer = verified_organizer(engine, root)
    event = approved_event(engine, root, organizer, capacity=10)
    ada = verified_user(engine, "ada")
    engine.bookings.book_and_pay(ada, event.id, 1, "seat")
    return engine, organizer, ada, event


def test_send_and_read_the_history_page_by_page(pair):
    engine, organizer, ada, _ = pair
    conversation = engine.chat.open_direct(ada, organizer.user_id)
    assert conversation.kind == "direct"
    assert sorted(conversation.participants) == sorted([ada.user_id, organizer.user_id])
    assert engine.chat.open_direct(organizer, ada.user_id).id == conversation.id

    sent = [engine.chat.send(ada, conversation.id, f"hello {i}", f"m{i}") for i in range(5)]
    assert [message.seq for message in sent] == [1, 2, 3, 4, 5]
    # A resend with the same key returns the stored message.
    assert engine.chat.send(ada, conversation.id, "hello 0", "m0").id == sent[0].id

    history = list(engine.chat.history(organizer, conversation.id, page_size=2))
    assert [message.text for message in history] == [f"hello {i}" for i in (4, 3, 2, 1, 0)]
    assert all(message.sender_id == ada.user_id for message in history)

    seen = engine.chat.get_conversation(organizer, conversation.id)
    assert (seen.last_seq, seen.unread) == (5, 5)
    engine.chat.mark_read(organizer, conversation.id, sent[-1].id)
    assert engine.chat.get_conversation(organizer, conversation.id).unread == 0
    listed = list(engine.chat.list_conversations(organizer))
    assert [c.id for c in listed] == [conversation.id]
    assert listed[0].last_message.text == "hello 4"


def test_the_event_room_and_chat_errors(pair):
    engine, organizer, ada, event = pair
    room = engine.chat.open_event_room(ada, event.id)
    assert (room.kind, room.event_id, room.organizer_id) == ("event_room", event.id,
                                                             organizer.user_id)
    announcement = engine.chat.send(organizer, room.id, "Doors open at 6", "a1", announcement=True)
    assert announcement.kind == "announcement"
    with pytest.raises(eventify.PermissionDeniedError) as read_only:
        engine.chat.send(ada, room.id, "Thanks!", "r1", reply_to_id=announcement.id)
    assert read_only.value.reason == "announcement_read_only"

    with pytest.raises(eventify.InvalidArgumentError) as empty:
        engine.chat.send(ada, room.id, "   ", "e1")
    assert (empty.value.reason, empty.value.field) == ("empty_message", "text")

    stranger = verified_user(engine, "eve")
    with pytest.raises(eventify.PermissionDeniedError) as outsider:
        engine.chat.history(stranger, room.id)
    assert outsider.value.reason == "not_a_member"
    with pytest.raises(eventify.PermissionDeniedError) as not_allowed:
        engine.chat.open_direct(stranger, organizer.user_id)
    assert not_allowed.value.reason == "conversation_not_allowed"
