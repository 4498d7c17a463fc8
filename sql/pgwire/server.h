// PgServer: a PostgreSQL wire protocol (v3) server in front of a SqlBackend, so that psql,
// JDBC, psycopg2 and other PostgreSQL clients can talk to Meridian.
//
//   acceptor thread --accept--> one thread per connection --> SqlBackend::NewSession
//                                                         --> SqlSession (statements)
//
// Supported: the simple and extended query protocols (named and unnamed statements and
// portals, text and binary formats, Execute with a row limit), COPY FROM STDIN / TO
// STDOUT, CancelRequest, trust or SCRAM-SHA-256 password authentication. Not supported:
// SSL/GSS encryption (SSLRequest and GSSENCRequest are answered 'N' and the client goes on
// in plain text), the function call protocol, replication.
//
// Thread-safety: Start() and Shutdown() may be called from any thread; Shutdown() is
// idempotent. port() is thread-safe. The SqlBackend must be thread-safe and outlive the
// server; each SqlSession it creates is used by one connection thread (plus Cancel() from
// others).
#ifndef MERIDIAN_SQL_PGWIRE_SERVER_H_
#define MERIDIAN_SQL_PGWIRE_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sql/session/backend.h"

namespace meridian::sql {

namespace pgwire {
class CancelRegistry;
struct ScramSecret;
}  // namespace pgwire

struct PgServerOptions {
  // Address to listen on (a name or a numeric IPv4/IPv6 address) and port; 0 = ephemeral.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // Empty: trust authentication. Otherwise every user must prove this password with
  // SCRAM-SHA-256.
  std::string password;
  int scram_iterations = 4096;
  // The largest message body accepted; a client that announces more gets 54000 and is
  // disconnected.
  size_t max_message_bytes = 64 << 20;
  // The most data one COPY FROM STDIN may send in total (54000 beyond).
  size_t max_copy_bytes = size_t{1} << 30;
  // Clients beyond this get FATAL 53300 and are closed.
  int max_connections = 100;
  // A client that has not completed startup and authentication by then is dropped.
  absl::Duration startup_timeout = absl::Seconds(10);
  // A client silent for this long between messages is disconnected (57P05); zero = never.
  absl::Duration idle_timeout = absl::ZeroDuration();
};

class PgServer {
 public:
  // Binds and listens, then serves in background threads until Shutdown().
  static absl::StatusOr<std::unique_ptr<PgServer>> Start(PgServerOptions options,
                                                         SqlBackend* backend);
  ~PgServer();  // calls Shutdown()
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // The port actually bound.
  uint16_t port() const { return port_; }
  // Connections currently open (including ones being turned away).
  int connection_count() const;

  // Stops accepting, cancels running statements, closes every connection and joins all
  // threads.
  void Shutdown();

 private:
  struct ConnectionThread {
    int fd = -1;
    bool admitted = false;
    std::thread thread;
  };

  PgServer(PgServerOptions options, SqlBackend* backend);
  void AcceptLoop();
  void HandleAccepted(int fd);
  void RunConnection(uint64_t id, int fd, bool admitted);
  void ReapFinished();

  const PgServerOptions options_;
  SqlBackend* const backend_;
  std::unique_ptr<pgwire::ScramSecret> scram_;
  std::unique_ptr<pgwire::CancelRegistry> cancels_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};  // written to by Shutdown() to wake the acceptor
  uint16_t port_ = 0;
  std::thread acceptor_;

  absl::Mutex shutdown_mu_;  // serializes Shutdown() calls
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int admitted_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, ConnectionThread> connections_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> finished_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PGWIRE_SERVER_H_
