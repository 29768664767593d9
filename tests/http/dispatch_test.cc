#include "lib/http/dispatch.h"

#include <gtest/gtest.h>

namespace tsdbd::http {
namespace {

Request Make(std::string method, std::string path, std::string raw_target = "") {
  Request r;
  r.method = std::move(method);
  r.path = path;
  r.raw_target = raw_target.empty() ? path : raw_target;
  return r;
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

Router TestRouter() {
  Router r;
  r.Add("GET", "/", "root", [](const Request&, Reply) {});
  r.Add("GET", "/api/v1/label/:name/values", "values", [](const Request&, Reply) {});
  return r;
}

TEST(DispatchTest, HandlerMatchStripsPrefixAndBindsVariables) {
  Router router = TestRouter();
  Request req = Make("GET", "/p/api/v1/label/job/values");
  Dispatch d = DispatchRequest(router, "/p", &req);
  ASSERT_NE(d.handler, nullptr);
  EXPECT_EQ(d.label, "values");
  EXPECT_EQ(req.path, "/api/v1/label/job/values");
  EXPECT_EQ(req.path_vars.at("name"), "job");
}

TEST(DispatchTest, RedirectsEscapeTheirLocationAndKeepTheQuery) {
  Router router = TestRouter();
  Request req = Make("GET", "/a b//c\"", "/a%20b//c%22?x=%3C");
  Dispatch d = DispatchRequest(router, "", &req);
  EXPECT_EQ(d.handler, nullptr);
  EXPECT_EQ(d.response.status, 301);
  EXPECT_EQ(HeaderOf(d.response, "Location"), "/a%20b/c%22?x=%3C");
  EXPECT_EQ(d.response.body, "<a href=\"/a%20b/c%22?x=%3C\">Moved Permanently</a>.\n\n");
}

TEST(DispatchTest, RedirectsForOtherMethodsHaveNoBody) {
  Router router = TestRouter();
  Request req = Make("POST", "/x/../y");
  Dispatch d = DispatchRequest(router, "", &req);
  EXPECT_EQ(d.response.status, 301);
  EXPECT_EQ(d.response.body, "");
  EXPECT_EQ(d.response.content_type, "");
}

TEST(DispatchTest, OutsideThePrefixIsNotFound) {
  Router router = TestRouter();
  for (const char* path : {"/q/api/v1/label/job/values", "/pp/", "/api/v1/label/job/values"}) {
    Request req = Make("GET", path);
    Dispatch d = DispatchRequest(router, "/p", &req);
    EXPECT_EQ(d.handler, nullptr) << path;
    EXPECT_EQ(d.response.status, 404) << path;
    EXPECT_EQ(d.response.body, "404 page not found\n");
    EXPECT_EQ(req.path, path);  // untouched
  }
  // The prefix's own root without the slash redirects; with another method it 404s.
  Request req = Make("GET", "/p");
  EXPECT_EQ(DispatchRequest(router, "/p", &req).response.status, 301);
  req = Make("DELETE", "/p");
  EXPECT_EQ(DispatchRequest(router, "/p", &req).response.status, 404);
}

TEST(DispatchTest, AsteriskTargetIsNotFound) {
  Router router = TestRouter();
  Request req = Make("OPTIONS", "*");
  EXPECT_EQ(DispatchRequest(router, "", &req).response.status, 404);
}

}  // namespace
}  // namespace tsdbd::http
