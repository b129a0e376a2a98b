#include "review_routes.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "authentication.h"
#include "eventify/reviews.h"
#include "http_errors.h"

namespace eventify::server {
namespace {

constexpr int kDefaultLimit = 20;
// Room for kMaxReviewTextChars characters of four bytes each; the library counts the characters.
constexpr std::size_t kMaxTextBytes = 4 * kMaxReviewTextChars;
constexpr std::size_t kMaxNoteBytes = 4000;

void WriteReview(JsonWriter& json, const Review& r) {
  json.BeginObject();
  json.StringMember("id", r.id);
  json.StringMember("event_id", r.event_id);
  json.StringMember("organizer_id", r.organizer_id);
  json.StringMember("user_id", r.user_id);
  json.StringMember("author_name", r.author_name);
  json.IntMember("rating", r.rating);
  json.StringMember("title", r.title);
  json.StringMember("text", r.text);
  json.StringMember("created_at", FormatTimestamp(r.created_at));
  json.StringMember("updated_at", FormatTimestamp(r.updated_at));
  json.OptionalTimestampMember("removed_at", r.removed_at);
  json.StringOrNullMember("removed_by", r.removed_by);
  json.StringOrNullMember("removal_note", r.removal_note);
  json.EndObject();
}

// {"review": Review}
ApiResponse ReviewResponse(int status, const Result<Review>& review) {
  if (!review.ok()) return ErrorResponse(review.status());
  JsonWriter json;
  json.BeginObject().Key("review");
  WriteReview(json, *review);
  json.EndObject();
  return JsonResponse(status, json.Finish());
}

// The body of POST and PUT: {"rating", "title", "text"}.
Result<ReviewDraft> ReadDraft(const ApiRequest& request) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  std::int64_t rating = 0;
  ReviewDraft draft;
  Status read = body->Read({Required("rating", rating), Required("title", draft.title),
                            RequiredText("text", draft.text, kMaxTextBytes)});
  if (!read.ok()) return read;
  draft.rating = PositiveInt32OrZero(rating);  // out of range: invalid_rating
  return draft;
}

class ReviewRoutes {
 public:
  explicit ReviewRoutes(Engine& engine) : accounts_(engine.accounts()), reviews_(engine.reviews()) {}

  // POST /api/v1/events/{id}/reviews
  ApiResponse Write(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto draft = ReadDraft(request);
    if (!draft.ok()) return ErrorResponse(draft.status());
    return ReviewResponse(201, reviews_.WriteReview(*principal, params.at(0), *draft));
  }

  // GET /api/v1/events/{id}/reviews?cursor=&limit= (public)
  ApiResponse List(const ApiRequest& request, const PathParams& params) {
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page =
        reviews_.ListEventReviews(params.at(0), request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteReview);
  }

  // GET /api/v1/events/{id}/reviews/mine
  ApiResponse GetMine(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return ReviewResponse(200, reviews_.GetMyReview(*principal, params.at(0)));
  }

  // PUT /api/v1/events/{id}/reviews/mine
  ApiResponse UpdateMine(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto draft = ReadDraft(request);
    if (!draft.ok()) return ErrorResponse(draft.status());
    return ReviewResponse(200, reviews_.UpdateMyReview(*principal, params.at(0), *draft));
  }

  // DELETE /api/v1/events/{id}/reviews/mine
  ApiResponse DeleteMine(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    const Status deleted = reviews_.DeleteMyReview(*principal, params.at(0));
    return deleted.ok() ? NoContent() : ErrorResponse(deleted);
  }

  // GET /api/v1/organizers/{id}/rating (public)
  ApiResponse OrganizerRatingOf(const ApiRequest&, const PathParams& params) {
    auto rating = reviews_.GetOrganizerRating(params.at(0));
    if (!rating.ok()) return ErrorResponse(rating.status());
    JsonWriter json;
    json.BeginObject();
    json.StringMember("organizer_id", rating->organizer_id);
    json.Key("rating");
    WriteRating(json, rating->rating);
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

  // POST /api/v1/admin/reviews/{id}/remove {"note"}
  ApiResponse Remove(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string note;
    Status read = body->Read({RequiredText("note", note, kMaxNoteBytes)});
    if (!read.ok()) return ErrorResponse(read);
    return ReviewResponse(200, reviews_.RemoveReview(*principal, params.at(0), note));
  }

 private:
  Accounts& accounts_;
  Reviews& reviews_;
};

}  // namespace

void WriteRating(JsonWriter& json, const Rating& rating) {
  json.BeginObject();
  json.IntMember("count", rating.count);
  json.IntMember("sum", rating.sum);
  json.Key("average").Double(std::round(rating.average() * 100.0) / 100.0);
  json.EndObject();
}

void AddReviewRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<ReviewRoutes>(engine);
  router.Add("POST", "/api/v1/events/{}/reviews", Handler(routes, &ReviewRoutes::Write));
  router.Add("GET", "/api/v1/events/{}/reviews", Handler(routes, &ReviewRoutes::List));
  router.Add("GET", "/api/v1/events/{}/reviews/mine", Handler(routes, &ReviewRoutes::GetMine));
  router.Add("PUT", "/api/v1/events/{}/reviews/mine", Handler(routes, &ReviewRoutes::UpdateMine));
  router.Add("DELETE", "/api/v1/events/{}/reviews/mine",
             Handler(routes, &ReviewRoutes::DeleteMine));
  router.Add("GET", "/api/v1/organizers/{}/rating",
             Handler(routes, &ReviewRoutes::OrganizerRatingOf));
  router.Add("POST", "/api/v1/admin/reviews/{}/remove", Handler(routes, &ReviewRoutes::Remove));
}

}  // namespace eventify::server
