#include "service/http_server.h"

#include <civetweb.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <string_view>

namespace anml::service {
namespace {

constexpr const char* kHandlerThreads = "4";

void InitializeCivetwebOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

int Reply(mg_connection* connection, int code, std::string_view content_type,
          std::string_view body) {
  mg_response_header_start(connection, code);
  mg_response_header_add(connection, "Content-Type", content_type.data(),
                         static_cast<int>(content_type.size()));
  std::string length = std::to_string(body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  mg_response_header_send(connection);
  mg_write(connection, body.data(), body.size());
  return code;
}

}  // namespace

HttpServer::HttpServer(const prometheus::Registry& registry, ReadinessCheck readiness)
    : registry_(registry), readiness_(std::move(readiness)) {}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address,
                                                        const prometheus::Registry& registry,
                                                        ReadinessCheck readiness) {
  InitializeCivetwebOnce();
  std::unique_ptr<HttpServer> server(new HttpServer(registry, std::move(readiness)));
  const char* options[] = {"listening_ports", address.c_str(), "num_threads", kHandlerThreads,
                           nullptr};
  mg_callbacks callbacks{};
  server->context_ = mg_start(&callbacks, server.get(), options);
  if (server->context_ == nullptr) {
    return Unavailable("http: cannot listen on '" + address +
                       "' (address in use, not local, or malformed; expected host:port)");
  }
  mg_server_port ports[1];
  if (mg_get_server_ports(server->context_, 1, ports) < 1) {
    return Internal("http: listening on '" + address + "' but no port was reported");
  }
  server->port_ = ports[0].port;
  mg_set_request_handler(server->context_, "/metrics$", HandleMetrics, server.get());
  mg_set_request_handler(server->context_, "/healthz$", HandleHealth, server.get());
  mg_set_request_handler(server->context_, "/readyz$", HandleReady, server.get());
  return server;
}

HttpServer::~HttpServer() {
  if (context_ != nullptr) mg_stop(context_);
}

int HttpServer::HandleMetrics(mg_connection* connection, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  std::string body = prometheus::TextSerializer().Serialize(server->registry_.Collect());
  return Reply(connection, 200, "text/plain; version=0.0.4; charset=utf-8", body);
}

int HttpServer::HandleHealth(mg_connection* connection, void* /*self*/) {
  return Reply(connection, 200, "text/plain", "ok\n");
}

int HttpServer::HandleReady(mg_connection* connection, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  std::string reason = server->readiness_ ? server->readiness_() : std::string();
  if (reason.empty()) return Reply(connection, 200, "text/plain", "ready\n");
  return Reply(connection, 503, "text/plain", "not ready: " + reason + "\n");
}

}  // namespace anml::service
