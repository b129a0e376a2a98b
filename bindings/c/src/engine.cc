// Engine options, opening and freeing an engine, and running its jobs (eventify_c.h, "Opening an
// engine").
#include <utility>

#include "eventify/backends/soci.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/media_store.h"
#include "handles.h"

namespace eventify::capi {
namespace {

// The host's mail callback as a spi::Mailer.
class CallbackMailer final : public spi::Mailer {
 public:
  CallbackMailer(eventify_mail_fn send, void* user_data) : send_(send), user_data_(user_data) {}

  Status Send(const spi::MailMessage& message) override {
    const eventify_mail mail{message.to.c_str(), message.subject.c_str(), message.text.c_str(),
                             message.html ? message.html->c_str() : nullptr};
    if (send_(user_data_, &mail) != 0) {
      return Unavailable("mail_callback_failed", "the host's mail callback reported a failure");
    }
    return Status::Ok();
  }

 private:
  eventify_mail_fn send_;
  void* user_data_;
};

eventify_status Open(const eventify_options& options, eventify_engine** out) {
  if (options.database_url.empty()) {
    return Record(InvalidArgument("missing_database_url", "the options name no database",
                                  "database_url"));
  }
  auto storage = spi::OpenSociStorage({.url = options.database_url});
  if (!storage.ok()) return Record(storage.status());

  EngineOptions engine_options = options.engine;
  engine_options.storage = *storage;
  if (options.mail_fn != nullptr) {
    engine_options.mailer = std::make_shared<CallbackMailer>(options.mail_fn,
                                                             options.mail_user_data);
  } else if (!options.outbox_dir.empty()) {
    engine_options.mailer = spi::MakeOutboxMailer(options.outbox_dir);
  }
  if (!options.media_dir.empty()) {
    engine_options.media_store =
        spi::MakeFilesystemMediaStore(options.media_dir, options.media_url_prefix);
  }
  auto handle = std::make_unique<eventify_engine>();
  if (!options.webhook_secret.empty()) {
    if (!engine_options.clock) engine_options.clock = std::make_shared<spi::SystemClock>();
    handle->sandbox = spi::MakeSandboxPaymentGateway(options.webhook_secret, engine_options.clock);
    engine_options.payment_gateway = handle->sandbox;
  }
  auto engine = Engine::Open(std::move(engine_options));
  if (!engine.ok()) return Record(engine.status());
  handle->engine = std::move(*engine);
  *out = handle.release();
  return RecordOk();
}

}  // namespace

extern "C" {

eventify_status eventify_options_new(eventify_options** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = new eventify_options();
    return RecordOk();
  });
}

void eventify_options_free(eventify_options* options) { delete options; }

eventify_status eventify_options_set_database_url(eventify_options* options, const char* url) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (Arg(url).empty()) {
      return Record(InvalidArgument("missing_database_url", "the URL is empty",
                                              "database_url"));
    }
    options->database_url = Arg(url);
    return RecordOk();
  });
}

eventify_status eventify_options_set_secret_key(eventify_options* options,
                                                const char* secret_key) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    options->engine.secret_key = Arg(secret_key);
    return RecordOk();
  });
}

eventify_status eventify_options_set_media_dir(eventify_options* options, const char* directory,
                                               const char* url_prefix) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (Arg(directory).empty()) {
      return Record(InvalidArgument("missing_media_dir", "the directory is empty",
                                              "media_dir"));
    }
    options->media_dir = Arg(directory);
    options->media_url_prefix = Arg(url_prefix);
    return RecordOk();
  });
}

eventify_status eventify_options_set_mailer(eventify_options* options, eventify_mail_fn send,
                                            void* user_data) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (send == nullptr) {
      return Record(InvalidArgument("missing_mailer", "the mail callback is NULL",
                                              "mailer"));
    }
    options->mail_fn = send;
    options->mail_user_data = user_data;
    options->outbox_dir.clear();
    return RecordOk();
  });
}

eventify_status eventify_options_set_outbox_dir(eventify_options* options,
                                                const char* directory) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (Arg(directory).empty()) {
      return Record(InvalidArgument("missing_outbox_dir", "the directory is empty",
                                              "outbox_dir"));
    }
    options->outbox_dir = Arg(directory);
    options->mail_fn = nullptr;
    options->mail_user_data = nullptr;
    return RecordOk();
  });
}

eventify_status eventify_options_set_job_threads(eventify_options* options, int threads) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (threads < 0) {
      return Record(InvalidArgument("invalid_worker_threads",
                                              "job threads must not be negative", "threads"));
    }
    options->engine.jobs.worker_threads = threads;
    return RecordOk();
  });
}

eventify_status eventify_options_set_password_hash_cost(eventify_options* options,
                                                        eventify_password_hash_cost cost) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    switch (RawEnum(cost)) {
      case EVENTIFY_PASSWORD_HASH_INTERACTIVE:
        options->engine.accounts.password_hash_cost = PasswordHashCost::kInteractive;
        return RecordOk();
      case EVENTIFY_PASSWORD_HASH_MODERATE:
        options->engine.accounts.password_hash_cost = PasswordHashCost::kModerate;
        return RecordOk();
      case EVENTIFY_PASSWORD_HASH_MINIMUM:
        options->engine.accounts.password_hash_cost = PasswordHashCost::kMinimum;
        return RecordOk();
    }
    return Record(InvalidArgument("invalid_password_hash_cost",
                                            "not an eventify_password_hash_cost", "cost"));
  });
}

eventify_status eventify_options_set_currency(eventify_options* options, const char* currency) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    options->engine.currency = Arg(currency);
    return RecordOk();
  });
}

eventify_status eventify_options_set_sandbox_gateway(eventify_options* options,
                                                     const char* webhook_secret) {
  return Guard([&] {
    if (options == nullptr) return NullArgument("options");
    if (Arg(webhook_secret).empty()) {
      return Record(InvalidArgument("missing_webhook_secret", "the secret is empty",
                                              "webhook_secret"));
    }
    options->webhook_secret = Arg(webhook_secret);
    return RecordOk();
  });
}

eventify_status eventify_engine_open(const eventify_options* options, eventify_engine** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (options == nullptr) return NullArgument("options");
    return Open(*options, out);
  });
}

void eventify_engine_free(eventify_engine* engine) {
  // Stopping the engine's threads throws nothing the engine would not itself treat as a bug;
  // the guard keeps even that from unwinding into C.
  Guard([&] {
    delete engine;
    return EVENTIFY_OK;
  });
}

eventify_status eventify_engine_run_due_jobs(eventify_engine* engine, int limit, int* ran) {
  return Guard([&] {
    if (ran != nullptr) *ran = 0;
    if (engine == nullptr) return NullArgument("engine");
    auto result = engine->engine->jobs().RunDueJobs(limit);
    if (!result.ok()) return Record(result.status());
    if (ran != nullptr) *ran = *result;
    return RecordOk();
  });
}

}  // extern "C"

}  // namespace eventify::capi
