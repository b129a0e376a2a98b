// SociTransaction: the spi::Transaction handed to a body by SociStorage::Run. It owns one
// repository per domain area, all sharing the transaction's TransactionContext; a new area adds
// a store member here and its case in FindStore (and SociStorage::Supports).
//
// Lives on the stack of Run for the duration of the body. Thread-safety: none.
#pragma once

#include "eventify/spi/storage.h"
#include "storage/soci/account_repository.h"
#include "storage/soci/admin_store.h"
#include "storage/soci/booking_store.h"
#include "storage/soci/chat_store.h"
#include "storage/soci/event_store.h"
#include "storage/soci/identity_store.h"
#include "storage/soci/job_store.h"
#include "storage/soci/ledger_repository.h"
#include "storage/soci/media_object_store.h"
#include "storage/soci/report_store.h"
#include "storage/soci/review_store.h"
#include "storage/soci/settlement_store.h"
#include "storage/soci/transaction_context.h"
#include "storage/soci/wallet_repository.h"
#include "storage/soci/waitlist_store.h"

namespace eventify::storage {

class SociTransaction final : public spi::Transaction {
 public:
  explicit SociTransaction(TransactionContext& context)
      : accounts_(context),
        ledger_(context),
        wallets_(context),
        jobs_(context),
        account_maintenance_(context),
        events_(context),
        bookings_(context),
        settlements_(context),
        reviews_(context),
        waitlist_(context),
        chat_(context),
        reports_(context),
        identities_(context),
        admin_(context),
        media_(context) {}

 protected:
  void* FindStore(spi::StoreArea area) override {
    if (area == spi::AccountRepository::kArea)
      return static_cast<spi::AccountRepository*>(&accounts_);
    if (area == spi::LedgerRepository::kArea) return static_cast<spi::LedgerRepository*>(&ledger_);
    if (area == spi::WalletRepository::kArea) return static_cast<spi::WalletRepository*>(&wallets_);
    if (area == spi::JobStore::kArea) return static_cast<spi::JobStore*>(&jobs_);
    if (area == spi::AccountMaintenanceStore::kArea) {
      return static_cast<spi::AccountMaintenanceStore*>(&account_maintenance_);
    }
    if (area == spi::EventStore::kArea) return static_cast<spi::EventStore*>(&events_);
    if (area == spi::BookingStore::kArea) return static_cast<spi::BookingStore*>(&bookings_);
    if (area == spi::SettlementStore::kArea) {
      return static_cast<spi::SettlementStore*>(&settlements_);
    }
    if (area == spi::ReviewStore::kArea) return static_cast<spi::ReviewStore*>(&reviews_);
    if (area == spi::WaitlistStore::kArea) return static_cast<spi::WaitlistStore*>(&waitlist_);
    if (area == spi::ChatStore::kArea) return static_cast<spi::ChatStore*>(&chat_);
    if (area == spi::ReportStore::kArea) return static_cast<spi::ReportStore*>(&reports_);
    if (area == spi::IdentityStore::kArea) return static_cast<spi::IdentityStore*>(&identities_);
    if (area == spi::AdminStore::kArea) return static_cast<spi::AdminStore*>(&admin_);
    if (area == spi::MediaObjectStore::kArea) {
      return static_cast<spi::MediaObjectStore*>(&media_);
    }
    return nullptr;
  }

 private:
  SociAccountRepository accounts_;
  SociLedgerRepository ledger_;
  SociWalletRepository wallets_;
  SociJobStore jobs_;
  SociAccountMaintenanceStore account_maintenance_;
  SociEventStore events_;
  SociBookingStore bookings_;
  SociSettlementStore settlements_;
  SociReviewStore reviews_;
  SociWaitlistStore waitlist_;
  SociChatStore chat_;
  SociReportStore reports_;
  SociIdentityStore identities_;
  SociAdminStore admin_;
  SociMediaObjectStore media_;
};

}  // namespace eventify::storage
