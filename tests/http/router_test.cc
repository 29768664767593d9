#include "lib/http/router.h"

#include <gtest/gtest.h>

namespace tsdbd::http {
namespace {

Handler Named(std::string* hit, std::string name) {
  return [hit, name](const Request&, Reply) { *hit = name; };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/api/v1/query", "/api/v1/query", Named(&hit_, "query-get"));
    router_.Add("POST", "/api/v1/query", "/api/v1/query", Named(&hit_, "query-post"));
    router_.Add("GET", "/api/v1/label/:name/values", "/api/v1/label/:name/values",
                Named(&hit_, "label-values"));
    router_.Add("GET", "/api/v1/label/__name__/values", "names", Named(&hit_, "names"));
    router_.Add("GET", "/static/*filepath", "/static", Named(&hit_, "static"));
    router_.Add("GET", "/", "/", Named(&hit_, "root"));
    router_.Add("GET", "/graph/", "/graph", Named(&hit_, "graph"));
  }
  std::string Call(const RouteMatch& m) {
    hit_.clear();
    if (m.kind != RouteMatch::Kind::kHandler) return "";
    (*m.handler)(Request{}, [](Response) {});
    return hit_;
  }
  Router router_;
  std::string hit_;
};

TEST_F(RouterTest, ExactPathsAndMethods) {
  EXPECT_EQ(Call(router_.Find("GET", "/api/v1/query")), "query-get");
  EXPECT_EQ(Call(router_.Find("POST", "/api/v1/query")), "query-post");
  EXPECT_EQ(Call(router_.Find("GET", "/")), "root");
  RouteMatch m = router_.Find("GET", "/api/v1/query");
  EXPECT_EQ(m.label, "/api/v1/query");
}

TEST_F(RouterTest, PathVariables) {
  RouteMatch m = router_.Find("GET", "/api/v1/label/job/values");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kHandler);
  EXPECT_EQ(Call(m), "label-values");
  EXPECT_EQ(m.path_vars.at("name"), "job");
  // A literal segment wins over a variable.
  EXPECT_EQ(Call(router_.Find("GET", "/api/v1/label/__name__/values")), "names");
  // A variable needs a non-empty segment, and segments never span a '/'.
  EXPECT_EQ(router_.Find("GET", "/api/v1/label//values").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/api/v1/label/a/b/values").kind, RouteMatch::Kind::kNotFound);
}

TEST_F(RouterTest, CatchAll) {
  RouteMatch m = router_.Find("GET", "/static/css/app.css");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kHandler);
  EXPECT_EQ(m.path_vars.at("filepath"), "/css/app.css");
  m = router_.Find("GET", "/static/");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kHandler);
  EXPECT_EQ(m.path_vars.at("filepath"), "/");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.Find("GET", "/api/v1/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/API/v1/query").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("DELETE", "/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("GET", "").kind, RouteMatch::Kind::kNotFound);
}

TEST_F(RouterTest, WrongMethodIs405WithSortedAllow) {
  RouteMatch m = router_.Find("PUT", "/api/v1/query");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, OPTIONS, POST");
  m = router_.Find("HEAD", "/api/v1/label/job/values");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, OPTIONS");
}

TEST_F(RouterTest, AutomaticOptions) {
  RouteMatch m = router_.Find("OPTIONS", "/api/v1/query");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kOptions);
  EXPECT_EQ(m.allow, "GET, OPTIONS, POST");
  EXPECT_EQ(router_.Find("OPTIONS", "/nope").kind, RouteMatch::Kind::kNotFound);
  // A registered OPTIONS route takes precedence.
  std::string hit;
  router_.Add("OPTIONS", "/*path", "options", Named(&hit, "options"));
  EXPECT_EQ(router_.Find("OPTIONS", "/api/v1/query").kind, RouteMatch::Kind::kHandler);
  // ... and does not turn other methods on unknown paths into 405s.
  EXPECT_EQ(router_.Find("GET", "/api/v1/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Find("PUT", "/api/v1/query").allow, "GET, OPTIONS, POST");
}

TEST_F(RouterTest, TrailingSlashRedirects) {
  RouteMatch m = router_.Find("GET", "/api/v1/query/");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kRedirect);
  EXPECT_EQ(m.location, "/api/v1/query");
  EXPECT_EQ(m.redirect_status, 301);
  m = router_.Find("POST", "/api/v1/query/");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kRedirect);
  EXPECT_EQ(m.redirect_status, 307);
  m = router_.Find("GET", "/graph");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kRedirect);
  EXPECT_EQ(m.location, "/graph/");
  // Only towards a route of the same method.
  EXPECT_EQ(router_.Find("DELETE", "/api/v1/query/").kind, RouteMatch::Kind::kNotFound);
}

}  // namespace
}  // namespace tsdbd::http
