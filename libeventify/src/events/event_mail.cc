#include "events/event_mail.h"

#include <utility>

#include "core/status_macros.h"
#include "eventify/spi/account_repository.h"
#include "mail/templates.h"

namespace eventify::events {
namespace {

// The organizer's account, or none (kNotFound: nothing to mail).
Result<spi::UserRecord> Organizer(spi::Transaction& tx, const std::string& user_id) {
  return tx.accounts().FindUserById(user_id, spi::LockMode::kNone);
}

}  // namespace

std::string_view OrganizerRejectCauseWords(OrganizerRejectCause cause) {
  switch (cause) {
    case OrganizerRejectCause::kIncompleteProfile:
      return "the profile is incomplete";
    case OrganizerRejectCause::kUnverifiableContact:
      return "its contact could not be verified";
    case OrganizerRejectCause::kNotAnOrganizer:
      return "it does not describe an organizer of events";
    case OrganizerRejectCause::kOther:
      break;
  }
  return "see the reviewer's note below";
}

std::string_view EventRejectCauseWords(EventRejectCause cause) {
  switch (cause) {
    case EventRejectCause::kIncompleteDetails:
      return "its details are incomplete";
    case EventRejectCause::kMisleadingContent:
      return "its content is misleading";
    case EventRejectCause::kWrongCategory:
      return "it is in the wrong category";
    case EventRejectCause::kPolicyViolation:
      return "it breaks the platform's policy";
    case EventRejectCause::kOther:
      break;
  }
  return "see the reviewer's note below";
}

EventMail::EventMail(std::shared_ptr<const mail::MailJobs> outbox, std::string_view product_name)
    : outbox_(std::move(outbox)), product_name_(product_name) {}

Status EventMail::AddOrganizerReviewed(spi::Transaction& tx,
                                       const OrganizerProfile& profile) const {
  auto user = Organizer(tx, profile.user_id);
  if (!user.ok()) {
    return user.status().code() == StatusCode::kNotFound ? Status::Ok() : user.status();
  }
  const mail::OrganizerMailValues values{user->email, product_name_, user->full_name,
                                         profile.organisation_name};
  const spi::MailMessage message =
      profile.status == OrganizerStatus::kVerified
          ? mail::OrganizerVerifiedMail(values)
          : mail::OrganizerRejectedMail(
                values,
                OrganizerRejectCauseWords(profile.reject_cause.value_or(OrganizerRejectCause::kOther)),
                profile.review_note);
  return outbox_->Add(tx, message, /*send_before=*/std::nullopt);
}

Status EventMail::AddEventReviewed(spi::Transaction& tx, const Event& event) const {
  auto user = Organizer(tx, event.organizer_id);
  if (!user.ok()) {
    return user.status().code() == StatusCode::kNotFound ? Status::Ok() : user.status();
  }
  const mail::EventMailValues values{user->email, product_name_, user->full_name, event.title,
                                     event.starts_at};
  const spi::MailMessage message =
      event.status == EventStatus::kApproved
          ? mail::EventApprovedMail(values)
          : mail::EventRejectedMail(
                values, EventRejectCauseWords(event.reject_cause.value_or(EventRejectCause::kOther)),
                event.review_note);
  return outbox_->Add(tx, message, /*send_before=*/std::nullopt);
}

void EventMail::NotifyCommitted() const { outbox_->NotifyCommitted(); }

}  // namespace eventify::events
