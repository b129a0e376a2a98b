/* eventify_c.h: the C API of libeventify (C99), a thin layer over the C++ engine
 * (eventify/engine.h) for programs that cannot use C++. docs/c-api.md is the guide.
 *
 * Errors. Every function that can fail returns an eventify_status: EVENTIFY_OK (0) or the code of
 * the C++ Status it stands for (the values are eventify::StatusCode's and never change). It also
 * records what happened for the calling thread: eventify_last_error_reason() gives the stable word
 * clients switch on ("email_taken"), eventify_last_error_message() the explanation and
 * eventify_last_error_field() the offending input. No C++ exception ever crosses this API: the
 * layer catches everything and answers EVENTIFY_INTERNAL.
 *
 * Handles. eventify_options, eventify_engine, eventify_session and eventify_hub are opaque; each
 * is created by one function and destroyed by its eventify_*_free. Results are plain structs the
 * library allocates and the caller frees with the eventify_*_free function named next to them
 * (every free accepts NULL). Fields may be appended to result structs in later versions, never
 * removed or reordered; a caller never allocates one. Input structs (eventify_event_draft,
 * eventify_event_query) are the caller's: zero them (`= {0}`) and set what is needed.
 *
 * Strings are UTF-8 and NUL-terminated. String arguments are borrowed for the call; NULL counts as
 * "" unless a function says otherwise. Out pointers must not be NULL unless marked optional; on
 * failure they are set to NULL (or left zero). Besides the errors each function lists, a NULL
 * handle (engine, session, options, hub) or a NULL required out pointer answers
 * EVENTIFY_INVALID_ARGUMENT null_argument, and a failure inside the layer (out of memory, a broken
 * invariant) EVENTIFY_INTERNAL.
 *
 * Times are microseconds since the Unix epoch, UTC (int64_t). Money is in minor units of the
 * engine's currency (int64_t).
 *
 * Threads. An engine may be used from any number of threads at once; so may a session (it is read
 * only). A result struct belongs to whoever holds it and is freed once, from any thread, when no
 * other thread reads it; an options object is used by one thread at a time. Calls block on the database (and on password hashing for register and login), so never
 * make them on a network I/O thread. The last-error functions read the calling thread's own
 * record. Each function below repeats what it blocks on and who owns what. */
#ifndef EVENTIFY_C_H_
#define EVENTIFY_C_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define EVENTIFY_C_API
#elif defined(EVENTIFY_C_BUILDING)
#define EVENTIFY_C_API __attribute__((visibility("default")))
#else
#define EVENTIFY_C_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ------------------------------------------------------------------------------- */

/* eventify::StatusCode, value for value (eventify/status.h says what each means). */
typedef enum eventify_status {
  EVENTIFY_OK = 0,
  EVENTIFY_INVALID_ARGUMENT = 1,
  EVENTIFY_NOT_FOUND = 2,
  EVENTIFY_ALREADY_EXISTS = 3,
  EVENTIFY_UNAUTHENTICATED = 4,
  EVENTIFY_PERMISSION_DENIED = 5,
  EVENTIFY_FAILED_PRECONDITION = 6,
  EVENTIFY_RESOURCE_EXHAUSTED = 7,
  EVENTIFY_ABORTED = 8,
  EVENTIFY_UNAVAILABLE = 9,
  EVENTIFY_INTERNAL = 10,
  EVENTIFY_PAYLOAD_TOO_LARGE = 11,
  EVENTIFY_UNSUPPORTED_MEDIA_TYPE = 12
} eventify_status;

/* The last call that returned an eventify_status on this thread: its reason ("email_taken"; the
 * code's name, e.g. "not_found", when the failure gave none; "" after EVENTIFY_OK), message and
 * field ("" when none), and for throttles the seconds to wait (0 when not said). The strings are
 * owned by the library and valid on this thread until its next eventify_* call that returns an
 * eventify_status. Never fail; thread-safe (each thread has its own record). */
EVENTIFY_C_API eventify_status eventify_last_error_code(void);
EVENTIFY_C_API const char* eventify_last_error_reason(void);
EVENTIFY_C_API const char* eventify_last_error_message(void);
EVENTIFY_C_API const char* eventify_last_error_field(void);
EVENTIFY_C_API int64_t eventify_last_error_retry_after(void);

/* The stable lower-case name of a code ("invalid_argument"); "unknown" for another value. The
 * string is static. Never fails; thread-safe. */
EVENTIFY_C_API const char* eventify_status_name(eventify_status code);

/* Frees a string the library returned (eventify_create_category, eventify_sandbox_sign_callback).
 * NULL is ignored. Any thread. */
EVENTIFY_C_API void eventify_string_free(char* text);

/* ---- Opening an engine -------------------------------------------------------------------- */

typedef struct eventify_options eventify_options;
typedef struct eventify_engine eventify_engine;

/* An e-mail the engine sends (a verification code, a booking confirmation). Borrowed for the
 * callback only. `html` is NULL when the mail has no HTML part. */
typedef struct eventify_mail {
  const char* to;
  const char* subject;
  const char* text;
  const char* html;
} eventify_mail;

/* Delivers one mail; returns 0 when it was handed over, anything else to have the engine's mail
 * job retry it later with backoff (the same mail may come again: at-least-once). Runs on an engine
 * job worker thread, or on the thread calling eventify_engine_run_due_jobs, possibly on several
 * threads at once; it may block (within the job lease, 60 s by default) and must not call back
 * into the engine. */
typedef int (*eventify_mail_fn)(void* user_data, const eventify_mail* mail);

typedef enum eventify_password_hash_cost {
  EVENTIFY_PASSWORD_HASH_INTERACTIVE = 0, /* the default */
  EVENTIFY_PASSWORD_HASH_MODERATE = 1,
  EVENTIFY_PASSWORD_HASH_MINIMUM = 2 /* for tests only */
} eventify_password_hash_cost;

/* A set of engine options with the defaults of eventify::EngineOptions: no storage, no mailer, no
 * media directory, no payment gateway, currency "INR", no job threads (the host calls
 * eventify_engine_run_due_jobs). The caller owns *out and frees it with eventify_options_free
 * (any time after eventify_engine_open: the engine keeps a copy). An options object may be used
 * by one thread at a time. Errors: EVENTIFY_INTERNAL (out of memory). */
EVENTIFY_C_API eventify_status eventify_options_new(eventify_options** out);
EVENTIFY_C_API void eventify_options_free(eventify_options* options);

/* The setters copy their strings, never block, and are for the thread that uses the options. */

/* Required. "sqlite:<path>" (created if missing) or "postgresql://user@host:port/dbname". The
 * database is opened and migrated by eventify_engine_open. Errors: EVENTIFY_INVALID_ARGUMENT
 * (missing_database_url: NULL or empty). */
EVENTIFY_C_API eventify_status eventify_options_set_database_url(eventify_options* options,
                                                                 const char* url);
/* Required: at least 32 bytes, secret and stable (it signs tokens and one-time codes). Checked by
 * eventify_engine_open. Never fails. */
EVENTIFY_C_API eventify_status eventify_options_set_secret_key(eventify_options* options,
                                                               const char* secret_key);
/* Required: where images (avatars, covers, chat images) are stored, and the URL prefix clients
 * fetch them under ("/media/"). Errors: EVENTIFY_INVALID_ARGUMENT (missing_media_dir). */
EVENTIFY_C_API eventify_status eventify_options_set_media_dir(eventify_options* options,
                                                              const char* directory,
                                                              const char* url_prefix);
/* The mailer, one of the two (the later call wins): `send` with `user_data` (which must stay
 * valid until the engine is freed), or a folder where every mail is written as an .eml file
 * (created if missing; a developer reads codes there). One of them is required.
 * Errors: EVENTIFY_INVALID_ARGUMENT (missing_mailer: send NULL; missing_outbox_dir). */
EVENTIFY_C_API eventify_status eventify_options_set_mailer(eventify_options* options,
                                                           eventify_mail_fn send,
                                                           void* user_data);
EVENTIFY_C_API eventify_status eventify_options_set_outbox_dir(eventify_options* options,
                                                               const char* directory);
/* Engine threads that run due jobs (mails, expiries, refunds); 0 (the default): the host calls
 * eventify_engine_run_due_jobs. Errors: EVENTIFY_INVALID_ARGUMENT (invalid_worker_threads:
 * negative). */
EVENTIFY_C_API eventify_status eventify_options_set_job_threads(eventify_options* options,
                                                                int threads);
/* Errors: EVENTIFY_INVALID_ARGUMENT (invalid_password_hash_cost). */
EVENTIFY_C_API eventify_status eventify_options_set_password_hash_cost(
    eventify_options* options, eventify_password_hash_cost cost);
/* Three upper-case letters; checked by eventify_engine_open. Never fails. */
EVENTIFY_C_API eventify_status eventify_options_set_currency(eventify_options* options,
                                                             const char* currency);
/* Top-ups go through the sandbox payment gateway (eventify/spi/payment_gateway.h: card token
 * "tok_sandbox_success" is accepted, "tok_sandbox_decline" declined), whose callbacks are signed
 * with `webhook_secret`; eventify_sandbox_sign_callback plays the gateway. Without it top-ups
 * answer gateway_unavailable. Errors: EVENTIFY_INVALID_ARGUMENT (missing_webhook_secret). */
EVENTIFY_C_API eventify_status eventify_options_set_sandbox_gateway(eventify_options* options,
                                                                    const char* webhook_secret);

/* Opens the storage (migrating it) and the engine. The caller owns *out and frees it with
 * eventify_engine_free. Blocks on the database. Thread-safe.
 * Errors: those of eventify::spi::OpenSociStorage (EVENTIFY_INVALID_ARGUMENT
 * invalid_database_url, EVENTIFY_UNAVAILABLE cannot connect, EVENTIFY_FAILED_PRECONDITION
 * schema_too_new) and of eventify::Engine::Open (EVENTIFY_INVALID_ARGUMENT secret_key_too_short,
 * missing_mailer, missing_media_store, invalid_currency, ...); EVENTIFY_INVALID_ARGUMENT
 * missing_database_url. */
EVENTIFY_C_API eventify_status eventify_engine_open(const eventify_options* options,
                                                    eventify_engine** out);
/* Stops the engine's threads and closes the storage. Free every hub of the engine first; no other
 * call on the engine may be running or made afterwards. NULL is ignored. */
EVENTIFY_C_API void eventify_engine_free(eventify_engine* engine);

/* Runs up to `limit` due jobs (mails among them, on this thread) and sets *ran (optional) to how
 * many ran. Blocks on the database and the mailer. Thread-safe.
 * Errors: EVENTIFY_INVALID_ARGUMENT invalid_limit; storage failures. */
EVENTIFY_C_API eventify_status eventify_engine_run_due_jobs(eventify_engine* engine, int limit,
                                                            int* ran);

/* ---- Accounts ------------------------------------------------------------------------------ */

typedef enum eventify_role {
  EVENTIFY_ROLE_ATTENDEE = 0,
  EVENTIFY_ROLE_ORGANIZER = 1,
  EVENTIFY_ROLE_ADMIN = 2
} eventify_role;

typedef struct eventify_user {
  char* id;
  char* email; /* normalised: trimmed, lower-case */
  char* full_name;
  eventify_role role;
  int email_verified; /* 0 or 1 */
  int blocked;        /* 0 or 1 */
  int64_t created_at;
} eventify_user;
EVENTIFY_C_API void eventify_user_free(eventify_user* user);

/* A logged-in caller: what every call acting for a user takes. Read-only, so usable from any
 * number of threads; the caller owns it and frees it with eventify_session_free. */
typedef struct eventify_session eventify_session;
EVENTIFY_C_API void eventify_session_free(eventify_session* session);
/* Owned by the session, valid while it lives. Never fail; any thread (a NULL session gives ""
 * and EVENTIFY_ROLE_ATTENDEE). */
EVENTIFY_C_API const char* eventify_session_user_id(const eventify_session* session);
EVENTIFY_C_API eventify_role eventify_session_role(const eventify_session* session);
/* The session's access token (hand it to eventify_hub_opened) and the refresh token of a login
 * ("" for a session from eventify_authenticate). */
EVENTIFY_C_API const char* eventify_session_access_token(const eventify_session* session);
EVENTIFY_C_API const char* eventify_session_refresh_token(const eventify_session* session);

/* Creates an unverified account and queues the mail with its 6-digit verification code (it leaves
 * through the mailer when the job runs). *out (optional) is the caller's, freed with
 * eventify_user_free. Blocks on the database and password hashing. Thread-safe.
 * Errors: EVENTIFY_INVALID_ARGUMENT (invalid_email, weak_password, invalid_full_name,
 * invalid_role: admins come from eventify_create_admin), EVENTIFY_ALREADY_EXISTS email_taken. */
EVENTIFY_C_API eventify_status eventify_register(eventify_engine* engine, const char* email,
                                                 const char* password, const char* full_name,
                                                 eventify_role role, eventify_user** out);
/* A verified admin account, for the host's operator (never for a remote client). As
 * eventify_register. */
EVENTIFY_C_API eventify_status eventify_create_admin(eventify_engine* engine, const char* email,
                                                     const char* password, const char* full_name,
                                                     eventify_user** out);

/* `client_address` (optional) is the remote client's IP address as text: guessing is throttled
 * per address as well as per account. */

/* Verifies the address with the mailed code. Blocks on the database. Thread-safe.
 * Errors: EVENTIFY_INVALID_ARGUMENT invalid_code, EVENTIFY_FAILED_PRECONDITION (code_expired,
 * too_many_attempts, already_verified), EVENTIFY_NOT_FOUND no_pending_code,
 * EVENTIFY_RESOURCE_EXHAUSTED attempts_throttled (eventify_last_error_retry_after). */
EVENTIFY_C_API eventify_status eventify_verify_email(eventify_engine* engine,
                                                     const char* client_address,
                                                     const char* email, const char* code);
/* Queues a fresh code for an unverified address (any address gets the same answer).
 * Errors: EVENTIFY_RESOURCE_EXHAUSTED (resend_throttled, attempts_throttled). */
EVENTIFY_C_API eventify_status eventify_resend_verification(eventify_engine* engine,
                                                            const char* client_address,
                                                            const char* email);
/* Logs in; *out is the caller's, freed with eventify_session_free. Blocks on the database and
 * password hashing. Thread-safe. Errors: EVENTIFY_UNAUTHENTICATED invalid_credentials,
 * EVENTIFY_FAILED_PRECONDITION email_not_verified, EVENTIFY_PERMISSION_DENIED account_blocked,
 * EVENTIFY_RESOURCE_EXHAUSTED attempts_throttled. */
EVENTIFY_C_API eventify_status eventify_login(eventify_engine* engine, const char* client_address,
                                              const char* email, const char* password,
                                              eventify_session** out);
/* A session for an access token a client presented. *out as for eventify_login.
 * Errors: EVENTIFY_UNAUTHENTICATED (invalid_token, token_expired, session_revoked),
 * EVENTIFY_PERMISSION_DENIED account_blocked. */
EVENTIFY_C_API eventify_status eventify_authenticate(eventify_engine* engine,
                                                     const char* access_token,
                                                     eventify_session** out);
/* Ends the login the session's access token belongs to (idempotent); the session handle itself
 * must still be freed. Errors: EVENTIFY_UNAUTHENTICATED (invalid_token, token_expired). */
EVENTIFY_C_API eventify_status eventify_logout(eventify_engine* engine,
                                               const eventify_session* session);
/* The caller's own account; *out freed with eventify_user_free. Errors: EVENTIFY_NOT_FOUND
 * user_not_found. */
EVENTIFY_C_API eventify_status eventify_get_profile(eventify_engine* engine,
                                                    const eventify_session* session,
                                                    eventify_user** out);

/* ---- Wallets ------------------------------------------------------------------------------- */

typedef enum eventify_wallet_kind {
  EVENTIFY_WALLET_USER = 0,
  EVENTIFY_WALLET_ORGANIZER = 1 /* organizers only: where settlements land */
} eventify_wallet_kind;

/* Filled by eventify_get_balance into the caller's struct; nothing to free. */
typedef struct eventify_balance {
  int64_t posted;          /* credits minus debits of posted transfers */
  int64_t pending_debits;  /* held by pending transfers out */
  int64_t pending_credits; /* on their way in, not yet usable */
  int64_t available;       /* posted - pending_debits: what may be spent now */
  char currency[4];
} eventify_balance;

/* Errors: EVENTIFY_PERMISSION_DENIED forbidden (an organizer wallet of a non-organizer).
 * Blocks on the database. Thread-safe. */
EVENTIFY_C_API eventify_status eventify_get_balance(eventify_engine* engine,
                                                    const eventify_session* session,
                                                    eventify_wallet_kind wallet,
                                                    eventify_balance* out);

/* One line of a wallet's history. Names are eventify/ledger.h's: kind "credit" (a top-up),
 * "debit" (a payment: a booking), "refund", "withdrawal", "commission", "settlement"; status
 * "pending", "posted", "voided"; counterparty "user_wallet", "organizer_wallet", "escrow" (its
 * owner: the event), "gateway_clearing", "platform_revenue", "withdrawals_payable". */
typedef struct eventify_history_item {
  char* transfer_id;
  char* kind;
  char* status;
  char* counterparty_kind;
  char* counterparty_owner_id; /* "" for platform accounts */
  char* reference;
  int64_t amount; /* signed from the wallet's view: + in, - out */
  int has_balance_after;
  int64_t balance_after; /* the posted balance after it, when has_balance_after */
  int64_t created_at;
} eventify_history_item;

typedef struct eventify_history {
  eventify_history_item* items; /* newest first */
  size_t count;
  char* next_cursor; /* "" when there is nothing older */
} eventify_history;
EVENTIFY_C_API void eventify_history_free(eventify_history* history);

/* `limit` (1-100) lines after `cursor` (NULL or "" for the newest). *out freed with
 * eventify_history_free. Errors: as eventify_get_balance, EVENTIFY_INVALID_ARGUMENT
 * (invalid_limit, invalid_cursor). */
EVENTIFY_C_API eventify_status eventify_wallet_history(eventify_engine* engine,
                                                       const eventify_session* session,
                                                       eventify_wallet_kind wallet,
                                                       const char* cursor, int limit,
                                                       eventify_history** out);

typedef struct eventify_topup {
  char* transfer_id;
  char* status;    /* "pending" until the gateway's callback posts or voids it */
  char* charge_id; /* the gateway's, "" while unknown */
  int64_t amount;
} eventify_topup;
EVENTIFY_C_API void eventify_topup_free(eventify_topup* topup);

/* Starts a card top-up (eventify::Wallets::StartTopUp has the whole story); the gateway's signed
 * callback, handed to eventify_handle_gateway_callback, posts it. *out freed with
 * eventify_topup_free. Blocks on the database and the gateway. Thread-safe.
 * Errors: EVENTIFY_INVALID_ARGUMENT (invalid_amount, invalid_card_token,
 * invalid_idempotency_key), EVENTIFY_FAILED_PRECONDITION card_declined, EVENTIFY_UNAVAILABLE
 * gateway_unavailable, EVENTIFY_ALREADY_EXISTS idempotency_key_reused, EVENTIFY_ABORTED
 * topup_in_progress, EVENTIFY_PERMISSION_DENIED forbidden. */
EVENTIFY_C_API eventify_status eventify_start_topup(eventify_engine* engine,
                                                    const eventify_session* session,
                                                    eventify_wallet_kind wallet, int64_t amount,
                                                    const char* card_token,
                                                    const char* idempotency_key,
                                                    eventify_topup** out);
/* Applies the gateway's signed callback (payload and signature as received).
 * Errors: EVENTIFY_UNAUTHENTICATED invalid_signature, EVENTIFY_INVALID_ARGUMENT
 * (malformed_callback, callback_mismatch), EVENTIFY_NOT_FOUND transfer_not_found,
 * EVENTIFY_FAILED_PRECONDITION (transfer_expired, transfer_voided, transfer_posted). */
EVENTIFY_C_API eventify_status eventify_handle_gateway_callback(eventify_engine* engine,
                                                                const char* payload,
                                                                const char* signature);
/* Plays the sandbox gateway: the signed callback announcing that the charge `charge_id` succeeded
 * (succeeded != 0) or was declined. *payload and *signature are the caller's, freed with
 * eventify_string_free. Errors: EVENTIFY_FAILED_PRECONDITION no_sandbox_gateway (the options did
 * not set one), EVENTIFY_NOT_FOUND charge_not_found. */
EVENTIFY_C_API eventify_status eventify_sandbox_sign_callback(eventify_engine* engine,
                                                              const char* charge_id,
                                                              int succeeded, char** payload,
                                                              char** signature);

/* ---- Organizers, categories and events ----------------------------------------------------- */

/* Names are eventify/events.h's: "draft", "pending_approval", "approved", "rejected",
 * "cancelled", "completed". */
typedef struct eventify_event {
  char* id;
  char* organizer_id;
  char* title;
  char* description;
  char* category_id;
  char* venue;
  char* online_url;
  char* time_zone;
  char* status;
  char* currency;
  int64_t starts_at;
  int64_t ends_at;
  int64_t capacity;
  int64_t price_minor_units;
  int64_t max_tickets_per_booking;
  int64_t seats_sold;
  int64_t seats_held;
  int attendees_may_cancel;
  int on_hold;
} eventify_event;
EVENTIFY_C_API void eventify_event_free(eventify_event* event);

typedef struct eventify_event_list {
  eventify_event* items;
  size_t count;
  char* next_cursor; /* "" when this is the last page */
} eventify_event_list;
EVENTIFY_C_API void eventify_event_list_free(eventify_event_list* list);

/* What an organizer writes; the rules (and their reasons, all EVENTIFY_INVALID_ARGUMENT with a
 * field unless said) are eventify::EventDraft's. */
typedef struct eventify_event_draft {
  const char* title;
  const char* description;
  const char* category_id;
  const char* venue;      /* at least one of venue and online_url */
  const char* online_url;
  const char* time_zone;  /* IANA, e.g. "Asia/Kolkata" */
  int64_t starts_at;      /* in the future */
  int64_t ends_at;        /* after starts_at */
  int64_t capacity;
  int64_t price_minor_units; /* 0: free */
  int64_t max_tickets_per_booking;
  int attendees_may_cancel;
} eventify_event_draft;

/* Every call below blocks on the database and is thread-safe; *out (optional where it says so)
 * is the caller's, freed with the free function of its type. Calls taking a session also answer
 * EVENTIFY_PERMISSION_DENIED forbidden when the events area's permission table says no. */

/* The caller's organizer profile goes to the admins' queue (eventify::Events::ApplyAsOrganizer).
 * Errors: EVENTIFY_INVALID_ARGUMENT (invalid_organisation_name, invalid_about, invalid_contact),
 * EVENTIFY_FAILED_PRECONDITION already_verified. */
EVENTIFY_C_API eventify_status eventify_apply_as_organizer(eventify_engine* engine,
                                                           const eventify_session* organizer,
                                                           const char* organisation_name,
                                                           const char* about,
                                                           const char* contact);
/* Admin. Errors: EVENTIFY_NOT_FOUND no_organizer_profile, EVENTIFY_FAILED_PRECONDITION
 * profile_not_pending. */
EVENTIFY_C_API eventify_status eventify_verify_organizer(eventify_engine* engine,
                                                         const eventify_session* admin,
                                                         const char* user_id);
/* Admin. *id_out (optional) is the new category's id, freed with eventify_string_free.
 * Errors: EVENTIFY_INVALID_ARGUMENT invalid_category_name, EVENTIFY_ALREADY_EXISTS
 * category_exists. */
EVENTIFY_C_API eventify_status eventify_create_category(eventify_engine* engine,
                                                        const eventify_session* admin,
                                                        const char* name, char** id_out);
/* A verified organizer's draft. Errors: the draft's, EVENTIFY_NOT_FOUND unknown_category,
 * EVENTIFY_FAILED_PRECONDITION (organizer_not_verified, category_unlisted). */
EVENTIFY_C_API eventify_status eventify_create_event(eventify_engine* engine,
                                                     const eventify_session* organizer,
                                                     const eventify_event_draft* draft,
                                                     eventify_event** out);
/* The organizer submits it for approval. Errors: EVENTIFY_NOT_FOUND event_not_found,
 * EVENTIFY_FAILED_PRECONDITION (event_not_submittable, organizer_not_verified,
 * category_unlisted), EVENTIFY_INVALID_ARGUMENT start_in_past. */
EVENTIFY_C_API eventify_status eventify_submit_event(eventify_engine* engine,
                                                     const eventify_session* organizer,
                                                     const char* event_id, eventify_event** out);
/* Admin: it is listed and on sale. Errors: EVENTIFY_NOT_FOUND event_not_found,
 * EVENTIFY_FAILED_PRECONDITION (event_not_pending, start_in_past). */
EVENTIFY_C_API eventify_status eventify_approve_event(eventify_engine* engine,
                                                      const eventify_session* admin,
                                                      const char* event_id, eventify_event** out);
/* Its organizer or an admin cancels an approved event; `note` (1-1000 characters) is shown to
 * attendees, whose paid bookings the refund job pays back. Errors: EVENTIFY_NOT_FOUND
 * event_not_found, EVENTIFY_FAILED_PRECONDITION (event_not_approved, event_ended: its end has
 * passed), EVENTIFY_INVALID_ARGUMENT invalid_note. */
EVENTIFY_C_API eventify_status eventify_cancel_event(eventify_engine* engine,
                                                     const eventify_session* caller,
                                                     const char* event_id, const char* note,
                                                     eventify_event** out);
/* A public event, or one the caller (optional: NULL for anonymous) may see.
 * Errors: EVENTIFY_NOT_FOUND event_not_found. */
EVENTIFY_C_API eventify_status eventify_get_event(eventify_engine* engine,
                                                  const eventify_session* caller,
                                                  const char* event_id, eventify_event** out);

/* The public listing's filters (NULL or "" for any); limit 0 means 20. */
typedef struct eventify_event_query {
  const char* category_id;
  const char* organizer_id;
  const char* text; /* words that must all occur in the title or description */
  const char* cursor;
  int limit; /* 1-100 */
} eventify_event_query;

/* Approved events on sale, soonest first. `query` may be NULL (no filter). *out freed with
 * eventify_event_list_free. Errors: EVENTIFY_INVALID_ARGUMENT (invalid_limit, invalid_cursor,
 * invalid_search). */
EVENTIFY_C_API eventify_status eventify_list_events(eventify_engine* engine,
                                                    const eventify_event_query* query,
                                                    eventify_event_list** out);

/* ---- Bookings and tickets ------------------------------------------------------------------ */

typedef struct eventify_ticket {
  char* id;
  char* booking_id;
  char* event_id;
  char* code; /* what the door scans (eventify_check_in) */
  int64_t seat;
  int has_checked_in;
  int64_t checked_in_at; /* when has_checked_in */
} eventify_ticket;
EVENTIFY_C_API void eventify_ticket_free(eventify_ticket* ticket);

/* status: "held", "confirmed", "expired", "cancelled". */
typedef struct eventify_booking {
  char* id;
  char* event_id;
  char* user_id;
  char* status;
  char* currency;
  char* payment_transfer_id; /* "" when free or unpaid */
  char* refund_transfer_id;  /* "" when not refunded */
  int64_t seats;
  int64_t amount; /* what the buyer pays */
  int64_t hold_expires_at;
  eventify_ticket* tickets; /* confirmed bookings: one per seat */
  size_t ticket_count;
} eventify_booking;
EVENTIFY_C_API void eventify_booking_free(eventify_booking* booking);

typedef struct eventify_booking_list {
  eventify_booking* items; /* newest first */
  size_t count;
  char* next_cursor;
} eventify_booking_list;
EVENTIFY_C_API void eventify_booking_list_free(eventify_booking_list* list);

/* Every booking call blocks until its commit is durable and is thread-safe; *out freed with
 * eventify_booking_free. `idempotency_key` (1-200 printable ASCII characters, per buyer) makes a
 * retry return the same booking; `coupon_code` is optional.
 * Errors of both: EVENTIFY_PERMISSION_DENIED forbidden, EVENTIFY_INVALID_ARGUMENT
 * (invalid_idempotency_key, invalid_seats), EVENTIFY_NOT_FOUND event_not_found,
 * EVENTIFY_FAILED_PRECONDITION (event_not_bookable, event_on_hold, event_started, sold_out),
 * EVENTIFY_ALREADY_EXISTS idempotency_key_reused, EVENTIFY_UNAVAILABLE pipeline_full, and the
 * coupon's (eventify/bookings.h). */

/* Holds and pays from the buyer's user wallet in one commit: confirmed, with its tickets.
 * Errors also: EVENTIFY_FAILED_PRECONDITION insufficient_funds (nothing is kept). */
EVENTIFY_C_API eventify_status eventify_book_and_pay(eventify_engine* engine,
                                                     const eventify_session* buyer,
                                                     const char* event_id, int seats,
                                                     const char* idempotency_key,
                                                     const char* coupon_code,
                                                     eventify_booking** out);
/* Holds the seats for the engine's hold time; pay with eventify_pay. */
EVENTIFY_C_API eventify_status eventify_hold(eventify_engine* engine,
                                             const eventify_session* buyer, const char* event_id,
                                             int seats, const char* idempotency_key,
                                             const char* coupon_code, eventify_booking** out);
/* Pays a live hold. Errors: EVENTIFY_NOT_FOUND booking_not_found, EVENTIFY_FAILED_PRECONDITION
 * (hold_expired, booking_cancelled, event_not_bookable, event_on_hold, event_started,
 * insufficient_funds), EVENTIFY_UNAVAILABLE pipeline_full. */
EVENTIFY_C_API eventify_status eventify_pay(eventify_engine* engine,
                                            const eventify_session* buyer,
                                            const char* booking_id, eventify_booking** out);
/* The buyer cancels: a hold is released, a confirmed booking refunded in full to the wallet when
 * the event allows it (eventify::Bookings::Cancel). Errors: EVENTIFY_NOT_FOUND
 * booking_not_found, EVENTIFY_FAILED_PRECONDITION (hold_expired, cancellation_not_allowed,
 * event_started, event_not_bookable, ticket_checked_in), EVENTIFY_UNAVAILABLE pipeline_full. */
EVENTIFY_C_API eventify_status eventify_cancel_booking(eventify_engine* engine,
                                                       const eventify_session* buyer,
                                                       const char* booking_id,
                                                       eventify_booking** out);
/* The buyer's booking with its tickets. Errors: EVENTIFY_NOT_FOUND booking_not_found. */
EVENTIFY_C_API eventify_status eventify_get_booking(eventify_engine* engine,
                                                    const eventify_session* buyer,
                                                    const char* booking_id,
                                                    eventify_booking** out);
/* The buyer's bookings, newest first, `limit` (1-100) after `cursor` (NULL: the first page).
 * *out freed with eventify_booking_list_free. Errors: EVENTIFY_INVALID_ARGUMENT (invalid_limit,
 * invalid_cursor). */
EVENTIFY_C_API eventify_status eventify_list_my_bookings(eventify_engine* engine,
                                                         const eventify_session* buyer,
                                                         const char* cursor, int limit,
                                                         eventify_booking_list** out);
/* The event's organizer admits the ticket whose code was scanned, exactly once. *out (optional)
 * freed with eventify_ticket_free. Errors: EVENTIFY_INVALID_ARGUMENT invalid_ticket_code,
 * EVENTIFY_NOT_FOUND (event_not_found, ticket_not_found), EVENTIFY_PERMISSION_DENIED forbidden,
 * EVENTIFY_FAILED_PRECONDITION (event_cancelled, ticket_for_another_event, ticket_cancelled,
 * already_checked_in). */
EVENTIFY_C_API eventify_status eventify_check_in(eventify_engine* engine,
                                                 const eventify_session* organizer,
                                                 const char* event_id, const char* code,
                                                 eventify_ticket** out);

/* ---- Chat ---------------------------------------------------------------------------------- */

/* kind: "direct" or "event_room". */
typedef struct eventify_conversation {
  char* id;
  char* kind;
  char* event_id; /* event rooms; "" otherwise */
  int64_t last_seq;
  int64_t read_seq; /* the caller's read mark */
  int64_t unread;   /* messages of others after it */
} eventify_conversation;
EVENTIFY_C_API void eventify_conversation_free(eventify_conversation* conversation);

/* kind: "text" or "announcement". */
typedef struct eventify_message {
  char* id;
  char* conversation_id;
  char* sender_id;
  char* kind;
  char* text;
  int64_t seq; /* 1, 2, 3 ... within the conversation */
  int64_t created_at;
} eventify_message;
EVENTIFY_C_API void eventify_message_free(eventify_message* message);

typedef struct eventify_message_list {
  eventify_message* items; /* newest first */
  size_t count;
  char* next_cursor;
} eventify_message_list;
EVENTIFY_C_API void eventify_message_list_free(eventify_message_list* list);

/* The chat's rules are eventify/chat.h's. Every call blocks on the database (a send until its
 * commit is durable) and is thread-safe; *out freed with the free function of its type. */

/* The direct conversation with `other_user_id`, made if needed. Errors:
 * EVENTIFY_INVALID_ARGUMENT self_conversation, EVENTIFY_NOT_FOUND user_not_found,
 * EVENTIFY_PERMISSION_DENIED (user_blocked, conversation_not_allowed, forbidden). */
EVENTIFY_C_API eventify_status eventify_open_direct(eventify_engine* engine,
                                                    const eventify_session* caller,
                                                    const char* other_user_id,
                                                    eventify_conversation** out);
/* The event's room (its organizer and holders of confirmed bookings). Errors:
 * EVENTIFY_NOT_FOUND event_not_found, EVENTIFY_FAILED_PRECONDITION event_room_unavailable,
 * EVENTIFY_PERMISSION_DENIED not_a_member. */
EVENTIFY_C_API eventify_status eventify_open_event_room(eventify_engine* engine,
                                                        const eventify_session* caller,
                                                        const char* event_id,
                                                        eventify_conversation** out);
/* Writes a text message (`idempotency_key` 1-200 printable ASCII characters, per sender: a resend
 * returns the stored message). *out optional. Errors: EVENTIFY_INVALID_ARGUMENT (empty_message,
 * message_too_long, invalid_text, invalid_idempotency_key), EVENTIFY_ALREADY_EXISTS
 * idempotency_key_reused, EVENTIFY_NOT_FOUND conversation_not_found,
 * EVENTIFY_PERMISSION_DENIED (not_a_member, user_blocked), EVENTIFY_UNAVAILABLE pipeline_full. */
EVENTIFY_C_API eventify_status eventify_send_message(eventify_engine* engine,
                                                     const eventify_session* sender,
                                                     const char* conversation_id,
                                                     const char* text,
                                                     const char* idempotency_key,
                                                     eventify_message** out);
/* History, newest first: `limit` (1-100) messages older than `cursor` (NULL: from the newest).
 * Errors: EVENTIFY_INVALID_ARGUMENT (invalid_limit, invalid_cursor), EVENTIFY_NOT_FOUND
 * conversation_not_found, EVENTIFY_PERMISSION_DENIED not_a_member. */
EVENTIFY_C_API eventify_status eventify_chat_history(eventify_engine* engine,
                                                     const eventify_session* caller,
                                                     const char* conversation_id,
                                                     const char* cursor, int limit,
                                                     eventify_message_list** out);
/* The caller read everything up to `message_id`. Errors: EVENTIFY_NOT_FOUND
 * (conversation_not_found, message_not_found), EVENTIFY_PERMISSION_DENIED not_a_member. */
EVENTIFY_C_API eventify_status eventify_mark_read(eventify_engine* engine,
                                                  const eventify_session* caller,
                                                  const char* conversation_id,
                                                  const char* message_id);

/* ---- The real-time hub over a transport of the host's ---------------------------------------
 * The hub (eventify/hub.h) routes live chat events to connected clients as JSON text frames
 * (docs/protocol.md); the host's network code is the transport: it delivers the frames the hub
 * hands to `send` and reports connections and inbound frames with eventify_hub_*. */

/* The host's transport. Both callbacks run on the hub's one worker thread, never concurrently
 * with each other, and must not block (queue the frame for the connection's socket) nor call
 * eventify_hub_flush or eventify_hub_free. `frame` and `reason` are borrowed for the call;
 * `frame` holds `length` bytes followed by a NUL. `user_data` must stay valid until
 * eventify_hub_free returns. */
typedef struct eventify_transport {
  void* user_data;
  void (*send)(void* user_data, uint64_t connection, const char* frame, size_t length);
  /* Close the connection after the frames already sent, telling the peer `reason`
   * ("unauthenticated", "shutting_down", "heartbeat_timeout"); report eventify_hub_closed
   * afterwards. */
  void (*close)(void* user_data, uint64_t connection, const char* reason);
} eventify_transport;

typedef struct eventify_hub eventify_hub;

/* A hub over the engine's chat; the transport struct is copied. It ticks its timers every second.
 * The caller owns *out and frees it with eventify_hub_free before the engine. Thread-safe.
 * Errors: EVENTIFY_INVALID_ARGUMENT missing_transport (send or close NULL). */
EVENTIFY_C_API eventify_status eventify_hub_create(eventify_engine* engine,
                                                   const eventify_transport* transport,
                                                   eventify_hub** out);
/* Finishes the queued work, closes the open connections ("shutting_down") and joins the worker.
 * NULL is ignored. */
EVENTIFY_C_API void eventify_hub_free(eventify_hub* hub);

/* What the host's network code reports. Each only queues the work and returns at once; callable
 * from any number of threads. Connection ids are the host's: unique among its open connections,
 * reusable after eventify_hub_closed. Errors: none but EVENTIFY_INTERNAL (out of memory). */
/* A client connected with this access token (eventify_session_access_token): it gets a `ready`
 * frame, or an `error` frame and a close when the token is refused. */
EVENTIFY_C_API eventify_status eventify_hub_opened(eventify_hub* hub, uint64_t connection,
                                                   const char* access_token);
/* One text frame of `length` bytes the client sent. */
EVENTIFY_C_API eventify_status eventify_hub_frame(eventify_hub* hub, uint64_t connection,
                                                  const char* frame, size_t length);
/* The transport's own keep-alive came (the connection is alive). */
EVENTIFY_C_API eventify_status eventify_hub_keep_alive(eventify_hub* hub, uint64_t connection);
/* The connection is gone. */
EVENTIFY_C_API eventify_status eventify_hub_closed(eventify_hub* hub, uint64_t connection);
/* Blocks until everything queued before it was handled and its frames handed to the transport.
 * Never call it from a transport callback. */
EVENTIFY_C_API eventify_status eventify_hub_flush(eventify_hub* hub);

#ifdef __cplusplus
}
#endif

#endif /* EVENTIFY_C_H_ */
