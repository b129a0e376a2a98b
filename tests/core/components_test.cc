// Unit tests of the library's storage-free components: input rules, access tokens, crypto
// helpers, the outbox mailer and the filesystem media store.
#define BOOST_TEST_MODULE components
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "accounts/access_token.h"
#include "accounts/throttle.h"
#include "accounts/validation.h"
#include "crypto/sodium.h"
#include "media/uploaded_image.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/payment_gateway.h"
#include "eventify/spi/media_store.h"

using namespace eventify;
using namespace eventify::accounts;
namespace fs = std::filesystem;

namespace {

fs::path MakeTempDir() {
  std::string pattern = (fs::temp_directory_path() / "eventify-test-XXXXXX").string();
  BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string TinyPng() {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += std::string("\0\0\0\x0dIHDR", 8);
  png += std::string("\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 13);
  png += std::string("\x1f\x15\xc4\x89", 4);  // CRC (not checked by the sniffer)
  return png;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(email)

BOOST_AUTO_TEST_CASE(normalises_case_and_whitespace) {
  auto e = NormalizeEmail("  Ada.Lovelace+Events@Example.COM \t");
  BOOST_REQUIRE(e.ok());
  BOOST_TEST(*e == "ada.lovelace+events@example.com");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_addresses_naming_the_field) {
  for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com",
                          "a@-b.com", "a@b-.com", "a@b..com", ".a@b.com", "a.@b.com", "a..b@c.com",
                          "a@b.c", "a@b.c0m", "ä@b.com", "a@exa_mple.com", "a\n@b.com"}) {
    auto e = NormalizeEmail(bad);
    BOOST_TEST(!e.ok(), bad);
    BOOST_TEST(e.status().reason() == "invalid_email");
    BOOST_TEST(e.status().field() == "email");
  }
  BOOST_TEST(!NormalizeEmail(std::string(250, 'a') + "@b.com").ok());
  BOOST_TEST(!NormalizeEmail(std::string(65, 'a') + "@b.com").ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(password_policy)

BOOST_AUTO_TEST_CASE(accepts_a_strong_password) {
  BOOST_TEST(CheckPasswordPolicy("Correct-Horse1", "a@b.com", "password").ok());
  BOOST_TEST(CheckPasswordPolicy("Ünïcödé-Pass", "a@b.com", "password").ok());
}

BOOST_AUTO_TEST_CASE(rejects_weak_passwords_with_the_given_field) {
  for (const char* bad : {"Sh0rt!", "alllowercase1", "ALLUPPERCASE1", "NoDigitsOrSymbols",
                          "Tab\tInside1", ""}) {
    Status s = CheckPasswordPolicy(bad, "a@b.com", "new_password");
    BOOST_TEST(!s.ok(), bad);
    BOOST_TEST(s.reason() == "weak_password");
    BOOST_TEST(s.field() == "new_password");
  }
  BOOST_TEST(!CheckPasswordPolicy(std::string(257, 'a') + "A1", "", "password").ok());
  BOOST_TEST(!CheckPasswordPolicy("Abcdefg\xff" "1", "", "password").ok());  // invalid UTF-8
  BOOST_TEST(!CheckPasswordPolicy("Ada@Example.com", "ada@example.com", "password").ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(full_name)

BOOST_AUTO_TEST_CASE(trims_and_accepts_international_names) {
  auto n = NormalizeFullName("  Zoë O'Brien-Łukasiewicz  ");
  BOOST_REQUIRE(n.ok());
  BOOST_TEST(*n == "Zoë O'Brien-Łukasiewicz");
  BOOST_TEST(NormalizeFullName("李").ok());
}

BOOST_AUTO_TEST_CASE(rejects_empty_control_and_overlong_names) {
  for (const std::string& bad : {std::string(""), std::string("   "), std::string("a\x01z"),
                                 std::string(101, 'x'), std::string("bad\xc3")}) {
    auto n = NormalizeFullName(bad);
    BOOST_TEST(!n.ok());
    BOOST_TEST(n.status().reason() == "invalid_full_name");
    BOOST_TEST(n.status().field() == "full_name");
  }
  BOOST_TEST(NormalizeFullName(std::string(100, 'x')).ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(image_sniffing)

BOOST_AUTO_TEST_CASE(recognises_png_jpeg_and_webp_by_their_bytes) {
  BOOST_TEST(media::SniffImageType(TinyPng()) == "image/png");
  BOOST_TEST(media::SniffImageType(std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10)) == "image/jpeg");
  std::string webp = "RIFF";
  webp += std::string("\x1a\0\0\0", 4);
  webp += "WEBPVP8L";
  webp += std::string(8, '\0');
  BOOST_TEST(media::SniffImageType(webp) == "image/webp");
}

BOOST_AUTO_TEST_CASE(refuses_other_bytes) {
  BOOST_TEST(media::SniffImageType("").empty());
  BOOST_TEST(media::SniffImageType("hello, this is text and not a picture").empty());
  BOOST_TEST(media::SniffImageType("GIF89a\x01\0\x01\0").empty());
  BOOST_TEST(media::SniffImageType("<svg xmlns='http://www.w3.org/2000/svg'/>").empty());
  std::string zero_size = TinyPng();
  zero_size[19] = '\0';
  BOOST_TEST(media::SniffImageType(zero_size).empty());
  BOOST_TEST(media::SniffImageType(TinyPng().substr(0, 20)).empty());
}

BOOST_AUTO_TEST_CASE(codes_are_six_digits) {
  BOOST_TEST(IsWellFormedCode("012345"));
  BOOST_TEST(!IsWellFormedCode("12345"));
  BOOST_TEST(!IsWellFormedCode("1234567"));
  BOOST_TEST(!IsWellFormedCode("12a456"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(access_tokens)

const Timestamp kNow = FromMicros(1'800'000'000'000'000);

AccessClaims SampleClaims() {
  AccessClaims c;
  c.user_id = NewId(kNow);
  c.session_id = NewId(kNow);
  c.role = Role::kOrganizer;
  c.issued_at = std::chrono::floor<std::chrono::seconds>(kNow);
  c.expires_at = c.issued_at + std::chrono::minutes(15);
  return c;
}

BOOST_AUTO_TEST_CASE(sign_then_verify_returns_the_claims) {
  AccessTokenCodec codec(std::string(32, 'k'));
  const AccessClaims claims = SampleClaims();
  auto verified = codec.Verify(codec.Sign(claims), kNow);
  BOOST_REQUIRE(verified.ok());
  BOOST_TEST(verified->user_id == claims.user_id);
  BOOST_TEST(verified->session_id == claims.session_id);
  BOOST_TEST((verified->role == Role::kOrganizer));
  BOOST_TEST((verified->expires_at == claims.expires_at));
}

BOOST_AUTO_TEST_CASE(expired_tokens_are_refused) {
  AccessTokenCodec codec(std::string(32, 'k'));
  const AccessClaims claims = SampleClaims();
  auto verified = codec.Verify(codec.Sign(claims), claims.expires_at);
  BOOST_TEST(verified.status().reason() == "token_expired");
}

BOOST_AUTO_TEST_CASE(tampered_foreign_and_unsigned_tokens_are_refused) {
  AccessTokenCodec codec(std::string(32, 'k'));
  const std::string token = codec.Sign(SampleClaims());
  // Another key.
  BOOST_TEST(AccessTokenCodec(std::string(32, 'x')).Verify(token, kNow).status().reason() ==
             "invalid_token");
  // A changed payload (role escalated) with the old signature.
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  const std::string admin_payload = crypto::Base64UrlEncode(
      R"({"iss":"eventify","sub":"u","sid":"s","role":"admin","iat":1,"exp":99999999999})");
  const std::string forged = token.substr(0, dot1 + 1) + admin_payload + token.substr(dot2);
  BOOST_TEST(codec.Verify(forged, kNow).status().reason() == "invalid_token");
  // alg "none" with an empty signature.
  const std::string none_header = crypto::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  const std::string unsigned_token = none_header + "." + admin_payload + ".";
  BOOST_TEST(codec.Verify(unsigned_token, kNow).status().reason() == "invalid_token");
  // Garbage shapes.
  for (const std::string& bad : {std::string(""), std::string("a.b"), std::string("a.b.c.d"),
                                 token + "x", std::string(5000, 'a')}) {
    BOOST_TEST(codec.Verify(bad, kNow).status().reason() == "invalid_token");
  }
}

// Claims whose times a Timestamp cannot hold are refused, not overflowed (found by fuzzing). The
// token is signed with the codec's key, as only the server could have made it.
BOOST_AUTO_TEST_CASE(claims_outside_the_writable_years_are_refused) {
  const std::string key(32, 'k');
  AccessTokenCodec codec(key);
  const std::string valid = codec.Sign(SampleClaims());
  const std::string header = valid.substr(0, valid.find('.'));
  for (const std::string times :
       {R"("iat":-9223372036854775808,"exp":1800000900)",
        R"("iat":1799999000,"exp":99999999990999)", R"("iat":-1,"exp":1800000900)"}) {
    const std::string input =
        header + "." +
        crypto::Base64UrlEncode(R"({"iss":"eventify","sub":"u","sid":"s","role":"admin",)" +
                                times + "}");
    const std::string token = input + "." + crypto::Base64UrlEncode(crypto::HmacSha256(key, input));
    BOOST_TEST(codec.Verify(token, kNow).status().reason() == "invalid_token", times);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(attempt_store)

const Timestamp kNow = FromMicros(1'800'000'000'000'000);

// Counts one attempt on `key`, remembered for `keep`.
void Touch(AttemptStore& store, const std::string& key, Duration keep) {
  store.Update(key, kNow, [&](AttemptWindow& window) {
    window.count += 1;
    window.expires_at = kNow + keep;
  });
}

int CountOf(AttemptStore& store, const std::string& key, Timestamp at = kNow) {
  int count = 0;
  store.Update(key, at, [&](AttemptWindow& window) { count = window.count; });
  return count;
}

BOOST_AUTO_TEST_CASE(windows_expire_and_empty_ones_are_not_kept) {
  auto store = MakeInMemoryAttemptStore(100);
  Touch(*store, "a", std::chrono::seconds(10));
  Touch(*store, "a", std::chrono::seconds(10));
  BOOST_TEST(CountOf(*store, "a") == 2);
  BOOST_TEST(CountOf(*store, "a", kNow + std::chrono::seconds(10)) == 0);
  BOOST_TEST(CountOf(*store, "never") == 0);
  Touch(*store, "b", std::chrono::seconds(10));
  store->Erase("b");
  BOOST_TEST(CountOf(*store, "b") == 0);
}

BOOST_AUTO_TEST_CASE(a_full_store_drops_the_windows_that_expire_soonest) {
  auto store = MakeInMemoryAttemptStore(10);
  Touch(*store, "locked", std::chrono::hours(2));
  for (int i = 0; i < 1000; ++i) Touch(*store, "flood-" + std::to_string(i), std::chrono::hours(1));
  int kept = 0;
  for (int i = 0; i < 1000; ++i) kept += CountOf(*store, "flood-" + std::to_string(i));
  BOOST_TEST(kept < 10);  // bounded, with one place held by "locked"
  BOOST_TEST(kept > 0);   // room is made a tenth at a time, not by emptying the store
  BOOST_TEST(CountOf(*store, "locked") == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sandbox_gateway)

// A signature header whose time a Timestamp cannot hold is refused, not overflowed (found by
// fuzzing), even when the MAC is right.
BOOST_AUTO_TEST_CASE(signature_times_outside_the_writable_years_are_refused) {
  const std::string secret = "webhook-secret";
  auto clock = std::make_shared<spi::ManualClock>(FromMicros(1'800'000'000'000'000));
  auto gateway = spi::MakeSandboxPaymentGateway(secret, clock);
  const std::string payload =
      R"({"charge_id":"ch_1","reference":"r","amount":1,"currency":"INR","state":"succeeded"})";
  for (const std::string t : {"99999999990999", "-9223372036854775808", "-1"}) {
    const std::string mac = crypto::HexEncode(crypto::HmacSha256(secret, t + "." + payload));
    BOOST_TEST(gateway->VerifyCallback(payload, "t=" + t + ",v1=" + mac).status().reason() ==
                   "invalid_signature",
               t);
  }
  auto genuine =
      gateway->VerifyCallback(payload, spi::SignSandboxPayload(secret, payload, clock->Now()));
  BOOST_REQUIRE_MESSAGE(genuine.ok(), genuine.status().ToString());
  BOOST_TEST(genuine->charge_id == "ch_1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crypto_helpers)

BOOST_AUTO_TEST_CASE(base64url_round_trips_binary) {
  const std::string bytes = crypto::RandomBytes(257);
  auto decoded = crypto::Base64UrlDecode(crypto::Base64UrlEncode(bytes));
  BOOST_REQUIRE(decoded.ok());
  BOOST_TEST((*decoded == bytes));
  BOOST_TEST(crypto::Base64UrlEncode("\xfb\xff") == "-_8");
  BOOST_TEST(!crypto::Base64UrlDecode("a+b/").ok());
  BOOST_TEST(crypto::Sha256Hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(random_uniform_stays_in_range) {
  for (int i = 0; i < 1000; ++i) BOOST_TEST(crypto::RandomUniform(1000000) < 1000000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(outbox_mailer)

BOOST_AUTO_TEST_CASE(writes_one_eml_file_per_message_without_header_injection) {
  const fs::path dir = MakeTempDir() / "outbox";
  auto mailer = spi::MakeOutboxMailer(dir.string());
  // A line break would start a header of its own: the message is refused, nothing is written.
  const Status injected =
      mailer->Send({"ada@example.com", "Hello\r\nBcc: evil@example.com", "Body"});
  BOOST_TEST((injected.code() == StatusCode::kInvalidArgument));
  BOOST_TEST(injected.reason() == "invalid_mail_message");
  BOOST_TEST(injected.field() == "subject");
  BOOST_REQUIRE(mailer->Send({"ada@example.com", "Hello", "Body 123456"}).ok());
  BOOST_REQUIRE(mailer->Send({"bob@example.com", "Second", "Another"}).ok());
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  BOOST_REQUIRE(files.size() == 2u);
  std::sort(files.begin(), files.end());
  BOOST_TEST(files[0].extension() == ".eml");
  const std::string first = ReadAll(files[0]);
  BOOST_TEST(first.find("To: ada@example.com\r\n") != std::string::npos);
  BOOST_TEST(first.find("\r\nBcc:") == std::string::npos);
  BOOST_TEST(first.find("Body 123456") != std::string::npos);
  fs::remove_all(dir.parent_path());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(filesystem_media_store)

BOOST_AUTO_TEST_CASE(put_get_replace_remove) {
  const fs::path root = MakeTempDir();
  auto store = spi::MakeFilesystemMediaStore(root.string(), "/media/");
  BOOST_REQUIRE(store->Put("avatars/u1.png", {"image/png", TinyPng()}).ok());
  auto got = store->Get("avatars/u1.png");
  BOOST_REQUIRE(got.ok());
  BOOST_TEST(got->content_type == "image/png");
  BOOST_TEST((got->bytes == TinyPng()));
  BOOST_REQUIRE(store->Put("avatars/u1.png", {"image/jpeg", "other"}).ok());
  BOOST_TEST(store->Get("avatars/u1.png")->bytes == "other");
  BOOST_TEST(store->UrlFor("avatars/u1.png") == "/media/avatars/u1.png");
  BOOST_REQUIRE(store->Remove("avatars/u1.png").ok());
  BOOST_TEST(store->Get("avatars/u1.png").status().reason() == "media_not_found");
  BOOST_TEST(store->Remove("avatars/u1.png").ok());  // removing twice is fine
  fs::remove_all(root);
}

BOOST_AUTO_TEST_CASE(refuses_keys_that_could_escape_the_root) {
  for (const char* bad : {"", "../etc/passwd", "a/../../b", "/abs", "a//b", "A.png", "a b",
                          "a/./b", "x.content-type", "avatars/"}) {
    BOOST_TEST(!spi::IsValidMediaKey(bad), bad);
  }
  BOOST_TEST(spi::IsValidMediaKey("avatars/0190f5a2-7b3c-7def-8123-456789abcdef-00ff.png"));
  auto store = spi::MakeFilesystemMediaStore(MakeTempDir().string(), "/media/");
  BOOST_TEST(store->Put("../x", {"image/png", "x"}).reason() == "invalid_media_key");
  BOOST_TEST(store->Get("../x").status().reason() == "invalid_media_key");
}

BOOST_AUTO_TEST_SUITE_END()
