// Connection: the protocol state machine for one client, from the startup packet to
// Terminate. It reads messages from a Channel, drives the client's SqlSession, and writes
// the responses:
//
//   startup   [SSLRequest/GSSENCRequest -> 'N']* StartupMessage | CancelRequest
//   auth      AuthenticationOk, or SCRAM-SHA-256 (AuthenticationSASL, SASLContinue,
//             SASLFinal, AuthenticationOk)
//   ready     ParameterStatus*, BackendKeyData, ReadyForQuery
//   queries   Query | Parse/Bind/Describe/Execute/Close/Flush ... Sync | COPY sub-protocol
//
// Errors a client can recover from are sent as ErrorResponse (and, in the extended
// protocol, every message up to the next Sync is then discarded, as PostgreSQL does).
// Anything that leaves the byte stream in doubt (a malformed or oversized message, an
// unknown message type) is reported as FATAL and ends the connection.
//
// Thread-safety: Run() executes on the connection's own thread; nothing else touches the
// object except the CancelRegistry (see cancel_registry.h).
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_CONNECTION_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_CONNECTION_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sql/pgwire/internal/cancel_registry.h"
#include "sql/pgwire/internal/channel.h"
#include "sql/pgwire/internal/scram.h"
#include "sql/pgwire/internal/wire_sink.h"
#include "sql/pgwire/server.h"
#include "sql/session/backend.h"

namespace meridian::sql::pgwire {

// What a connection needs from its server. All pointers outlive the connection.
struct ConnectionEnv {
  const PgServerOptions* options = nullptr;
  SqlBackend* backend = nullptr;
  const ScramSecret* scram = nullptr;  // null: trust authentication
  CancelRegistry* cancels = nullptr;
};

class Connection {
 public:
  // `fd` is not owned. `over_limit`: the server is full; the client is told so (53300)
  // once its startup packet has been read (a CancelRequest is still served).
  Connection(int fd, const ConnectionEnv& env, bool over_limit);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves the client until it terminates, the connection fails, or a fatal error.
  void Run();

 private:
  struct Portal {
    std::shared_ptr<PreparedStatement> statement;
    std::vector<Value> params;
    std::vector<int16_t> result_formats;  // one per column
    bool started = false;
    bool done = false;
    bool empty_query = false;
    std::deque<std::string> rows;  // encoded DataRows not yet sent
    std::string tag;
  };

  // Non-OK: the connection must close (after a FATAL, unless the socket is gone).
  absl::Status Startup();
  absl::Status Authenticate(const std::string& user);
  absl::Status Serve();
  absl::Status Dispatch(const Message& message);

  absl::Status HandleQuery(std::string_view body);
  absl::Status HandleParse(std::string_view body);
  absl::Status HandleBind(std::string_view body);
  absl::Status HandleDescribe(std::string_view body);
  absl::Status HandleExecute(std::string_view body);
  absl::Status HandleSync(std::string_view body);
  absl::Status HandleClose(std::string_view body);

  // Checks after a statement ran: a fatal COPY problem or a dead socket ends the connection.
  absl::Status AfterStatement(const WireSink& sink);
  // ErrorResponse (severity ERROR); in the extended protocol also starts discarding
  // messages until Sync.
  void ReportError(const absl::Status& status, bool extended);
  absl::Status SendReadyForQuery();
  void SendParameterChanges();
  WireSink::Limits SinkLimits() const;
  absl::Time IdleDeadline() const;

  const ConnectionEnv env_;
  const bool over_limit_;
  Channel channel_;
  absl::Time startup_deadline_;
  bool close_quietly_ = false;  // after a CancelRequest: no FATAL on the way out

  // Declared before the statements and portals so that they are destroyed first.
  std::unique_ptr<SqlSession> session_;
  bool registered_ = false;
  BackendKey key_;
  std::map<std::string, std::string> reported_params_;

  std::map<std::string, std::shared_ptr<PreparedStatement>> statements_;
  std::map<std::string, Portal> portals_;
  bool discard_until_sync_ = false;
};

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_CONNECTION_H_
