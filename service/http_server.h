// HttpServer: the service's one HTTP port, serving /metrics, /healthz and
// /readyz.
//
// Operation. /metrics renders the Prometheus registry in the text
// exposition format. /healthz answers 200 while the process serves at all.
// /readyz answers 200 when the readiness callback says the engine can make
// progress (broker connected, state open, partitions assigned) and 503 with
// the reason otherwise. Anything else is 404.
//
// Ownership: the server keeps a reference to the registry and the callback;
// both must outlive it. Stop() (or destruction) waits for in-flight
// requests.
// Thread safety: handlers run on the server's own threads; the readiness
// callback and the registry must be safe to call from them.
// Limitations: plain HTTP only; put a TLS-terminating proxy in front when
// the port leaves a trusted network.
#ifndef ANML_SERVICE_HTTP_SERVER_H_
#define ANML_SERVICE_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "engine/status.h"

struct mg_context;
struct mg_connection;

namespace prometheus {
class Registry;
}

namespace anml::service {

class HttpServer {
 public:
  // Empty when ready; otherwise the reason it is not.
  using ReadinessCheck = std::function<std::string()>;

  // Starts serving on `address` ("host:port"; port 0 picks a free one).
  // Unavailable naming the address when it cannot be bound.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                     const prometheus::Registry& registry,
                                                     ReadinessCheck readiness);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound.
  int port() const { return port_; }

 private:
  HttpServer(const prometheus::Registry& registry, ReadinessCheck readiness);
  static int HandleMetrics(mg_connection* connection, void* self);
  static int HandleHealth(mg_connection* connection, void* self);
  static int HandleReady(mg_connection* connection, void* self);

  const prometheus::Registry& registry_;
  ReadinessCheck readiness_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace anml::service

#endif  // ANML_SERVICE_HTTP_SERVER_H_
