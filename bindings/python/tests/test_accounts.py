import pytest

import eventify
from conftest import PASSWORD, unique_email, verified_user


def test_register_verify_with_the_outbox_code_and_log_in(engine):
    email = unique_email("ada")
    user = engine.accounts.register(email, PASSWORD, "Ada Lovelace")
    assert (user.email, user.full_name, user.role, user.email_verified) == (
        email, "Ada Lovelace", "attendee", False)
    assert user.created_at.tzinfo is not None

    # The mail is written by a job: none before the jobs ran.
    assert eventify.read_outbox(engine.outbox_dir, email) == []
    engine.run_due_jobs()  # the mail job, and the recurring jobs that are due
    mails = eventify.read_outbox(engine.outbox_dir, email)
    assert len(mails) == 1
    engine.accounts.verify_email(email, eventify.latest_code(engine.outbox_dir, email))

    tokens = engine.accounts.login(email, PASSWORD)
    assert tokens.user.id == user.id
    assert tokens.user.email_verified is True
    me = engine.accounts.authenticate(tokens.access_token)
    assert (me.user_id, me.role) == (user.id, "attendee")
    assert engine.accounts.get_profile(me).full_name == "Ada Lovelace"


def test_statuses_become_exceptions_with_code_reason_and_field(engine):
    email = unique_email("ada")
    engine.accounts.register(email, PASSWORD, "Ada Lovelace")

    with pytest.raises(eventify.AlreadyExistsError) as taken:
        engine.accounts.register(email, PASSWORD, "Ada Again")
    assert (taken.value.code, taken.value.reason, taken.value.field) == (
        "already_exists", "email_taken", "email")
    assert isinstance(taken.value, eventify.EventifyError)

    with pytest.raises(eventify.InvalidArgumentError) as weak:
        engine.accounts.register(unique_email("bob"), "short", "Bob")
    assert (weak.value.code, weak.value.reason, weak.value.field) == (
        "invalid_argument", "weak_password", "password")
    assert isinstance(weak.value, ValueError)

    with pytest.raises(eventify.FailedPreconditionError) as unverified:
        engine.accounts.login(email, PASSWORD)
    assert unverified.value.reason == "email_not_verified"

    engine.run_due_jobs()
    code = eventify.latest_code(engine.outbox_dir, email)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(eventify.InvalidArgumentError) as bad_code:
        engine.accounts.verify_email(email, wrong)
    assert (bad_code.value.reason, bad_code.value.field) == ("invalid_code", "code")

    engine.accounts.verify_email(email, code)
    with pytest.raises(eventify.UnauthenticatedError) as wrong_password:
        engine.accounts.login(email, "Not-The-Password1")
    assert (wrong_password.value.code, wrong_password.value.reason) == (
        "unauthenticated", "invalid_credentials")

    with pytest.raises(eventify.UnauthenticatedError) as bad_token:
        engine.accounts.authenticate("not-a-token")
    assert bad_token.value.reason == "invalid_token"


def test_a_wrong_role_name_is_an_invalid_argument(engine):
    with pytest.raises(eventify.InvalidArgumentError) as role:
        engine.accounts.register(unique_email("ada"), PASSWORD, "Ada", "wizard")
    assert (role.value.reason, role.value.field) == ("invalid_role", "role")


def test_refresh_and_logout(engine):
    principal = verified_user(engine, "ada")
    tokens = engine.accounts.login(engine.accounts.get_profile(principal).email, PASSWORD)
    renewed = engine.accounts.refresh(tokens.refresh_token)
    assert renewed.refresh_token != tokens.refresh_token
    engine.accounts.logout(renewed.refresh_token)
    with pytest.raises(eventify.UnauthenticatedError) as revoked:
        engine.accounts.refresh(renewed.refresh_token)
    assert revoked.value.reason == "session_revoked"
