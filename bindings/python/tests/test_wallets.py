
import pytest

import eventify
from conftest import fund, verified_user


def test_a_sandbox_top_up_confirmed_by_its_callback_lands_in_the_wallet(engine):
    ada = verified_user(engine, "ada")
    assert engine.wallets.balance(ada).posted == 0

    top_up = engine.wallets.top_up(ada, 50_000, "tok_sandbox_success", "topup-1")
    assert top_up.transfer.status == "pending"
    assert top_up.charge_id != ""
    assert engine.wallets.balance(ada).pending_credits == 50_000

    posted = engine.settle_sandbox_charge(top_up.charge_id)
    assert (posted.id, posted.status, posted.kind) == (top_up.transfer.id, "posted", "credit")
    balance = engine.wallets.balance(ada)
    assert (balance.posted, balance.available, balance.currency) == (50_000, 50_000, "INR")


def test_a_declined_card_raises_with_its_reason(engine):
    ada = verified_user(engine, "ada")
    with pytest.raises(eventify.FailedPreconditionError) as declined:
        engine.wallets.top_up(ada, 1_000, "tok_sandbox_decline", "topup-1")
    assert declined.value.reason == "card_declined"


def test_history_iterates_over_every_page_newest_first(engine):
    ada = verified_user(engine, "ada")
    for amount in (100, 200, 300):
        fund(engine, ada, amount)
    items = list(engine.wallets.history(ada, page_size=2))
    assert [item.amount for item in items] == [300, 200, 100]
    assert [item.balance_after for item in items] == [600, 300, 100]
    assert all(item.transfer.status == "posted" for item in items)


def test_a_wrong_page_size_raises_at_the_call(engine):
    ada = verified_user(engine, "ada")
    with pytest.raises(eventify.InvalidArgumentError) as limit:
        engine.wallets.history(ada, page_size=0)
    assert (limit.value.reason, limit.value.field) == ("invalid_limit", "limit")


def test_a_wrong_wallet_name_is_an_invalid_argument(engine):
    ada = verified_user(engine, "ada")
    with pytest.raises(eventify.InvalidArgumentError) as wallet:
        engine.wallets.balance(ada, "piggy_bank")
    assert (wallet.value.reason, wallet.value.field) == ("invalid_wallet", "wallet")
    with pytest.raises(eventify.PermissionDeniedError) as organizer_wallet:
        engine.wallets.balance(ada, "organizer")
    assert organizer_wallet.value.reason == "forbidden"
