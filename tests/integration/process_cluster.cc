#include "tests/integration/process_cluster.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace meridian::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  CHECK(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  CHECK(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace

ProcessCluster::ProcessCluster(std::string binary, int nodes, std::vector<std::string> extra)
    : binary_(std::move(binary)), extra_flags_(std::move(extra)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/meridian-cluster-XXXXXX";
  CHECK(mkdtemp(tmpl.data()) != nullptr);
  dir_ = tmpl;
  for (int i = 1; i <= nodes; ++i) {
    addresses_[i] = absl::StrCat("127.0.0.1:", FreePort());
  }
}

ProcessCluster::~ProcessCluster() {
  absl::MutexLock lock(&mu_);
  clients_.clear();
  for (auto& [id, pid] : pids_) {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  if (std::getenv("MERIDIAN_KEEP_CLUSTER_DIR") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  } else {
    LOG(INFO) << "cluster directory kept: " << dir_;
  }
}

std::string ProcessCluster::peers_flag() const {
  std::vector<std::string> parts;
  for (const auto& [id, addr] : addresses_) parts.push_back(absl::StrCat(id, "=", addr));
  return absl::StrCat("--peers=", absl::StrJoin(parts, ","));
}

std::vector<uint64_t> ProcessCluster::ids() const {
  std::vector<uint64_t> out;
  for (const auto& [id, a] : addresses_) out.push_back(id);
  return out;
}

void ProcessCluster::StartAll() {
  for (uint64_t id : ids()) Start(id);
}

void ProcessCluster::Start(uint64_t id, const std::vector<std::string>& more_flags) {
  CHECK(!running(id)) << "node " << id << " is already running";
  std::vector<std::string> args = {binary_,
                                   "start",
                                   absl::StrCat("--node-id=", id),
                                   absl::StrCat("--listen=", addresses_.at(id)),
                                   peers_flag(),
                                   absl::StrCat("--data-dir=", dir_, "/n", id)};
  args.insert(args.end(), extra_flags_.begin(), extra_flags_.end());
  args.insert(args.end(), more_flags.begin(), more_flags.end());
  std::string log = absl::StrCat(dir_, "/n", id, ".log");
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "a");
    if (f != nullptr) {
      dup2(fileno(f), STDOUT_FILENO);
      dup2(fileno(f), STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  absl::MutexLock lock(&mu_);
  pids_[id] = pid;
}

void ProcessCluster::Kill(uint64_t id, int signal) {
  pid_t pid;
  {
    absl::MutexLock lock(&mu_);
    auto it = pids_.find(id);
    if (it == pids_.end() || it->second <= 0) return;
    pid = it->second;
  }
  // Outside mu_: a node stopping gracefully may take a while to exit.
  kill(pid, signal);
  waitpid(pid, nullptr, 0);
  absl::MutexLock lock(&mu_);
  pids_[id] = 0;
  clients_.erase(id);  // a thread using it keeps it alive until it is done
}

bool ProcessCluster::running(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = pids_.find(id);
  return it != pids_.end() && it->second > 0;
}

std::shared_ptr<server::NodeClient> ProcessCluster::client(uint64_t id) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<server::NodeClient>& c = clients_[id];
  if (c == nullptr) {
    auto made = server::NodeClient::Connect(addresses_.at(id));
    CHECK(made.ok()) << made.status();
    c = std::move(*made);
  }
  return c;
}

absl::StatusOr<proto::RangeStatus> ProcessCluster::RangeStatusOf(uint64_t id, uint64_t range) {
  if (!running(id)) return absl::UnavailableError("not running");
  auto s = client(id)->Status(absl::Milliseconds(500));
  if (!s.ok()) return s.status();
  for (const proto::RangeStatus& r : s->ranges()) {
    if (r.range_id() == range) return r;
  }
  return absl::NotFoundError("range not served");
}

uint64_t ProcessCluster::WaitForLeaseholder(uint64_t range, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    for (uint64_t id : ids()) {
      auto s = RangeStatusOf(id, range);
      if (s.ok() && s->has_lease()) return id;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return 0;
}

absl::StatusOr<proto::KvResponse> ProcessCluster::Kv(const proto::KvRequest& req,
                                                     absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::Status last = absl::DeadlineExceededError("no attempt");
  size_t rotate = 0;
  auto set_guess = [this](uint64_t id) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    leader_guess_ = id;
  };
  while (absl::Now() < deadline) {
    uint64_t target;
    {
      absl::MutexLock lock(&mu_);
      target = leader_guess_;
    }
    if (!running(target)) {
      std::vector<uint64_t> all = ids();
      target = all[rotate++ % all.size()];
      if (!running(target)) continue;
    }
    absl::Duration left = std::min(deadline - absl::Now(), absl::Seconds(3));
    auto resp = client(target)->Kv(req, left);
    if (resp.ok() && resp->code() == 0) {
      set_guess(target);
      return resp;
    }
    if (resp.ok() && resp->code() != static_cast<int>(absl::StatusCode::kUnavailable) &&
        resp->code() != static_cast<int>(absl::StatusCode::kDeadlineExceeded)) {
      return resp;  // a definite answer (e.g. bad request)
    }
    last = resp.ok() ? absl::Status(static_cast<absl::StatusCode>(resp->code()), resp->message())
                     : resp.status();
    if (resp.ok() && resp->leader_hint() != 0 && resp->leader_hint() != target &&
        running(resp->leader_hint())) {
      set_guess(resp->leader_hint());
    } else {
      std::vector<uint64_t> all = ids();
      set_guess(all[rotate++ % all.size()]);
      absl::SleepFor(absl::Milliseconds(20));
    }
    // A write that timed out has an unknown outcome: report it rather than retry blindly.
    if (resp.ok() && resp->code() == static_cast<int>(absl::StatusCode::kDeadlineExceeded)) {
      return last;
    }
  }
  return last;
}

}  // namespace meridian::testing
