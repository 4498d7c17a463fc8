#include "sql/pgwire/server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "sql/pgwire/internal/cancel_registry.h"
#include "sql/pgwire/internal/connection.h"
#include "sql/pgwire/internal/message.h"
#include "sql/pgwire/internal/scram.h"
#include "sql/pgwire/internal/wire_sink.h"

namespace meridian::sql {
namespace {

// Connections beyond max_connections still get a thread that reads their startup packet
// (so that a CancelRequest works on a full server and the client sees a proper 53300);
// beyond this many extra, the acceptor turns clients away itself.
constexpr int kExtraRejectingThreads = 8;

absl::Status ErrnoError(std::string_view what) {
  return absl::UnavailableError(absl::StrCat(pgwire::ToAbsl(what), ": ", std::strerror(errno)));
}

absl::StatusOr<int> Listen(const std::string& host, uint16_t port, uint16_t* bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  const int rc =
      ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve \"", host, "\": ", ::gai_strerror(rc)));
  }
  absl::Status last = absl::UnavailableError("no address to listen on");
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = ErrnoError("socket");
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      last = ErrnoError(absl::StrCat("bind/listen on ", host, ":", port));
      ::close(fd);
      continue;
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    *bound_port = addr.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    ::freeaddrinfo(result);
    return fd;
  }
  ::freeaddrinfo(result);
  return last;
}

// Best effort, never blocking: tells a client the server is full.
void RejectImmediately(int fd) {
  pgwire::MessageWriter out;
  pgwire::WriteErrorResponse(
      &out, 'E', "FATAL",
      SqlError(absl::StatusCode::kResourceExhausted, "53300", "sorry, too many clients already"));
  (void)::send(fd, out.data().data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

}  // namespace

PgServer::PgServer(PgServerOptions options, SqlBackend* backend)
    : options_(std::move(options)),
      backend_(backend),
      cancels_(std::make_unique<pgwire::CancelRegistry>()) {}

absl::StatusOr<std::unique_ptr<PgServer>> PgServer::Start(PgServerOptions options,
                                                          SqlBackend* backend) {
  if (backend == nullptr) return absl::InvalidArgumentError("no SqlBackend");
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("max_connections must be positive");
  }
  std::unique_ptr<PgServer> server(new PgServer(std::move(options), backend));
  if (!server->options_.password.empty()) {
    ASSIGN_OR_RETURN(
        pgwire::ScramSecret secret,
        pgwire::ScramSecret::Create(server->options_.password, server->options_.scram_iterations));
    server->scram_ = std::make_unique<pgwire::ScramSecret>(std::move(secret));
  }
  ASSIGN_OR_RETURN(server->listen_fd_,
                   Listen(server->options_.host, server->options_.port, &server->port_));
  if (::pipe2(server->wake_pipe_, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  PgServer* raw = server.get();
  server->acceptor_ = std::thread([raw] { raw->AcceptLoop(); });
  return server;
}

PgServer::~PgServer() {
  Shutdown();
  for (int fd : {listen_fd_, wake_pipe_[0], wake_pipe_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

int PgServer::connection_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(connections_.size());
}

void PgServer::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, 1000);
    ReapFinished();
    if (ready < 0 && errno != EINTR) {
      LOG(ERROR) << "pgwire: poll on the listener failed: " << std::strerror(errno);
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (ready <= 0 || (fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        LOG(WARNING) << "pgwire: accept: " << std::strerror(errno);
        ::poll(nullptr, 0, 100);  // let connections finish before trying again
      }
      continue;
    }
    HandleAccepted(fd);
  }
}

void PgServer::HandleAccepted(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  absl::MutexLock lock(&mu_);
  const bool admitted = admitted_ < options_.max_connections;
  if (!admitted && static_cast<int>(connections_.size()) - admitted_ >= kExtraRejectingThreads) {
    RejectImmediately(fd);
    return;
  }
  if (admitted) ++admitted_;
  const uint64_t id = next_id_++;
  ConnectionThread& entry = connections_[id];
  entry.fd = fd;
  entry.admitted = admitted;
  // The thread cannot finish (it needs mu_ to retire) before its entry is complete.
  try {
    entry.thread = std::thread([this, id, fd, admitted] { RunConnection(id, fd, admitted); });
  } catch (const std::system_error& e) {
    LOG(WARNING) << "pgwire: cannot start a connection thread: " << e.what();
    if (admitted) --admitted_;
    connections_.erase(id);
    RejectImmediately(fd);
  }
}

void PgServer::RunConnection(uint64_t id, int fd, bool admitted) {
  {
    pgwire::ConnectionEnv env;
    env.options = &options_;
    env.backend = backend_;
    env.scram = scram_.get();
    env.cancels = cancels_.get();
    pgwire::Connection connection(fd, env, /*over_limit=*/!admitted);
    connection.Run();
  }
  absl::MutexLock lock(&mu_);
  // Closed under mu_ so that Shutdown() never shuts down a reused descriptor.
  ::close(fd);
  auto it = connections_.find(id);
  CHECK(it != connections_.end());
  if (it->second.admitted) --admitted_;
  finished_.push_back(std::move(it->second.thread));
  connections_.erase(it);
}

void PgServer::ReapFinished() {
  std::vector<std::thread> finished;
  {
    absl::MutexLock lock(&mu_);
    finished.swap(finished_);
  }
  for (std::thread& thread : finished) thread.join();
}

void PgServer::Shutdown() {
  absl::MutexLock shutdown_lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  const char byte = 1;
  while (::write(wake_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;

  // Repeated until every connection is gone: a statement that started just after a
  // round of cancels is cancelled by the next one.
  const absl::Condition all_gone(
      +[](std::map<uint64_t, ConnectionThread>* c) { return c->empty(); }, &connections_);
  while (true) {
    cancels_->CancelAll();
    absl::MutexLock lock(&mu_);
    for (auto& [id, entry] : connections_) ::shutdown(entry.fd, SHUT_RDWR);
    if (mu_.AwaitWithTimeout(all_gone, absl::Milliseconds(200))) break;
  }
  ReapFinished();
}

}  // namespace meridian::sql
