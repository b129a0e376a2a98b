#include "job_routes.h"

#include <optional>
#include <string>

#include "authentication.h"
#include "eventify/jobs.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {
namespace {

constexpr int kDefaultLimit = 20;

void WriteJob(JsonWriter& json, const Job& job) {
  json.BeginObject();
  json.StringMember("id", job.id);
  json.StringMember("kind", job.kind);
  json.StringMember("payload", job.payload);
  json.StringMember("status", JobStatusName(job.status));
  json.StringMember("run_at", FormatTimestamp(job.run_at));
  json.IntMember("attempts", job.attempts);
  json.IntMember("max_attempts", job.max_attempts);
  json.StringMember("last_error", job.last_error);
  json.StringMember("locked_by", job.locked_by);
  json.Key("locked_until");
  if (job.locked_until) {
    json.String(FormatTimestamp(*job.locked_until));
  } else {
    json.Null();
  }
  json.StringMember("created_at", FormatTimestamp(job.created_at));
  json.StringMember("updated_at", FormatTimestamp(job.updated_at));
  json.EndObject();
}

// {"job": Job}
ApiResponse JobResponse(const Result<Job>& job) {
  if (!job.ok()) return ErrorResponse(job.status());
  JsonWriter json;
  json.BeginObject().Key("job");
  WriteJob(json, *job);
  json.EndObject();
  return JsonResponse(200, json.Finish());
}

}  // namespace

void AddJobRoutes(Router& router, Engine& engine) {
  Accounts& accounts = engine.accounts();
  Jobs& jobs = engine.jobs();

  // GET /api/v1/admin/jobs?status=dead&cursor=&limit=
  router.Add("GET", "/api/v1/admin/jobs", [&](const ApiRequest& request, const PathParams&) {
    auto principal = Authenticate(accounts, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto status = ParseJobStatus(request.query("status").value_or("dead"));
    if (!status.ok()) return ErrorResponse(status.status());
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page = jobs.ListJobs(*principal, *status, request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    JsonWriter json;
    json.BeginObject().Key("items").BeginArray();
    for (const Job& job : page->items) WriteJob(json, job);
    json.EndArray();
    json.StringOrNullMember("next_cursor", page->next_cursor);
    json.EndObject();
    return JsonResponse(200, json.Finish());
  });

  // GET /api/v1/admin/jobs/{id}
  router.Add("GET", "/api/v1/admin/jobs/{}",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               return JobResponse(jobs.GetJob(*principal, params.at(0)));
             });

  // POST /api/v1/admin/jobs/{id}/retry
  router.Add("POST", "/api/v1/admin/jobs/{}/retry",
             [&](const ApiRequest& request, const PathParams& params) {
               auto principal = Authenticate(accounts, request);
               if (!principal.ok()) return ErrorResponse(principal.status());
               return JobResponse(jobs.RetryJob(*principal, params.at(0)));
             });
}

}  // namespace eventify::server
