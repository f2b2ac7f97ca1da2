#include "service/http_server.h"

#include <atomic>
#include <memory>
#include <string>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

namespace anml::service {
namespace {

struct Response {
  int code = 0;  // 0 when no valid HTTP response arrived.
  std::string body;
};

// A minimal HTTP/1.0 client: one GET on 127.0.0.1:`port`, read to EOF.
Response Get(int port, const std::string& path) {
  Response response;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return response;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return response;
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return response;
  }
  std::string raw;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    raw.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  // "HTTP/1.x CODE reason\r\n...headers...\r\n\r\nbody"
  size_t space = raw.find(' ');
  size_t body = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || space == std::string::npos || body == std::string::npos) {
    return response;
  }
  response.code = std::stoi(raw.substr(space + 1, 3));
  response.body = raw.substr(body + 4);
  return response;
}

// One server for the suite: stopping civetweb after it has served a
// request takes about two seconds, which a server per test would repeat.
class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new prometheus::Registry();
    prometheus::BuildCounter()
        .Name("anml_test_events_total")
        .Help("Events counted by the test")
        .Register(*registry_)
        .Add({{"kind", "probe"}})
        .Increment(3);
    auto server = HttpServer::Start("127.0.0.1:0", *registry_, [] {
      return ready_ ? std::string() : std::string("no partitions assigned");
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
  }

  static void TearDownTestSuite() {
    delete server_;  // Before the registry it reads.
    server_ = nullptr;
    delete registry_;
    registry_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(server_->port(), 0);
    ready_ = false;
  }

  static inline prometheus::Registry* registry_ = nullptr;
  static inline HttpServer* server_ = nullptr;
  static inline std::atomic<bool> ready_{false};
};

TEST_F(HttpServerTest, MetricsRendersTheRegistry) {
  Response response = Get(server_->port(), "/metrics");
  EXPECT_EQ(response.code, 200);
  EXPECT_NE(response.body.find("# HELP anml_test_events_total Events counted by the test"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("anml_test_events_total{kind=\"probe\"} 3"), std::string::npos)
      << response.body;
}

TEST_F(HttpServerTest, HealthzAnswersOk) {
  Response response = Get(server_->port(), "/healthz");
  EXPECT_EQ(response.code, 200);
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(HttpServerTest, ReadyzFollowsTheReadinessCallback) {
  Response not_ready = Get(server_->port(), "/readyz");
  EXPECT_EQ(not_ready.code, 503);
  EXPECT_EQ(not_ready.body, "not ready: no partitions assigned\n");

  ready_ = true;
  Response ready = Get(server_->port(), "/readyz");
  EXPECT_EQ(ready.code, 200);
  EXPECT_EQ(ready.body, "ready\n");
}

TEST_F(HttpServerTest, UnknownPathIsNotFound) {
  for (const char* path : {"/", "/metricsx", "/healthz/deeper", "/nothing"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(Get(server_->port(), path).code, 404);
  }
}

TEST_F(HttpServerTest, TakenPortIsUnavailableNamingTheAddress) {
  const std::string address = "127.0.0.1:" + std::to_string(server_->port());
  auto second = HttpServer::Start(address, *registry_, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("'" + address + "'"), std::string::npos)
      << second.status().message();
}

TEST_F(HttpServerTest, MalformedAddressIsUnavailableNamingTheAddress) {
  auto server = HttpServer::Start("not-an-address", *registry_, nullptr);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(server.status().message().find("'not-an-address'"), std::string::npos)
      << server.status().message();
}

}  // namespace
}  // namespace anml::service
