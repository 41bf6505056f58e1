#include "http/router.hpp"

namespace weir::http {

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body) + "\n";
  return r;
}

void Router::prefix(std::string prefix, std::string shown, Handler handler,
                    std::function<void(int status)> refused) {
  prefixes_.push_back(
      {std::move(prefix), std::move(shown), std::move(handler), std::move(refused)});
}

void Router::page(std::string path, std::function<Response()> page) {
  pages_.push_back({std::move(path), std::move(page)});
}

const Router::Prefix* Router::prefix_of(const std::string& path) const {
  for (const auto& p : prefixes_) {
    if (path.rfind(p.prefix, 0) == 0) return &p;
  }
  return nullptr;
}

void Router::handle(Request&& request, Respond respond) const {
  if (const Prefix* p = prefix_of(request.path))
    return p->handler(std::move(request), std::move(respond));
  for (const auto& p : pages_) {
    if (p.path != request.path) continue;
    if (request.method != "GET" && request.method != "HEAD") {
      Response r = text_response(405, "use GET for " + request.path);
      r.headers.emplace_back("Allow", "GET");
      return respond(std::move(r));
    }
    return respond(p.page());
  }
  std::string served;
  for (const auto& p : prefixes_) served += (served.empty() ? "" : ", ") + p.shown;
  for (const auto& p : pages_) served += (served.empty() ? "" : ", ") + p.path;
  respond(text_response(404, "no such path: " + request.path + " (weir serves " + served + ")"));
}

void Router::refused(const std::string& path, int status) const {
  const Prefix* p = prefix_of(path);
  if (p && p->refused) p->refused(status);
}

}  // namespace weir::http
