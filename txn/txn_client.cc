#include "txn/txn_client.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"

namespace meridian::txn {
namespace {

using proto::FromProto;
using proto::ToProto;

absl::Status ValidateKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("keys must not be empty");
  if (key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a key holds at most ", kMaxKeyBytes, " bytes; got ", key.size()));
  }
  return absl::OkStatus();
}

}  // namespace

// A client id from the clock's reading and a process-wide sequence: unique among the
// clients of a process, and reproducible under a simulated clock.
uint64_t DerivedClientId(clock::TrueTime* true_time) {
  static std::atomic<uint64_t> seq{0};
  const uint64_t n = static_cast<uint64_t>(true_time->clock()->NowNanos());
  return (n * 0x9E3779B97F4A7C15ULL) ^ (++seq << 48);
}

absl::Time TxnClient::Now() const { return absl::FromUnixNanos(true_time_->clock()->NowNanos()); }

void TxnClient::Sleep(absl::Duration d) const {
  true_time_->clock()->SleepForNanos(absl::ToInt64Nanoseconds(d));
}

// ---------------------------------------------------------------------------------------
// TxnClient

TxnClient::TxnClient(RangeMap map, TxnRpc* rpc, clock::TrueTime* true_time,
                     TxnClientOptions options)
    : map_(std::move(map)),
      rpc_(rpc),
      true_time_(true_time),
      options_(options),
      router_(rpc, true_time->clock()),
      client_id_(options.client_id != 0 ? options.client_id : DerivedClientId(true_time)) {
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
}

TxnClient::~TxnClient() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  heartbeat_.join();
}

std::unique_ptr<Txn> TxnClient::Begin(TxnOptions options) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    id = absl::StrCat(absl::Hex(client_id_, absl::kZeroPad16), "-", next_txn_++);
  }
  const Timestamp now{true_time_->Now().latest_ns, 0};
  Timestamp priority = options.priority.value_or(now);
  std::unique_ptr<Txn> t(new Txn(this, std::move(id), options, priority));
  if (options.mode == TxnMode::kReadOnly) {
    if (options.read_timestamp.has_value()) {
      t->read_ts_ = options.read_timestamp;
    } else if (options.max_staleness <= absl::ZeroDuration() && !options.single_range) {
      // Now().latest: at least the commit timestamp of everything acknowledged before now.
      t->read_ts_ = now;
    }
  }
  return t;
}

absl::StatusOr<Timestamp> TxnClient::Run(const std::function<absl::Status(Txn&)>& body,
                                         int max_attempts) {
  std::optional<Timestamp> priority;
  absl::Status last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::unique_ptr<Txn> t = Begin(TxnOptions{.priority = priority});
    priority = t->priority();
    absl::Status s = body(*t);
    if (s.ok()) {
      absl::StatusOr<Timestamp> ts = t->Commit();
      if (ts.ok()) return ts;
      s = ts.status();
    } else {
      (void)t->Rollback();
    }
    if (GetSqlState(s) != "40001") return s;
    last = s;
    Sleep(absl::Milliseconds(std::min(1 << std::min(attempt, 6), 50)));
  }
  return last;
}

absl::StatusOr<proto::TxnResponse> TxnClient::Send(proto::TxnRequest request, bool retry_after_send,
                                                   NodeId* answered_by) {
  Routed<proto::TxnResponse> r = router_.SendTxn(
      request, {.timeout = options_.request_timeout, .retry_after_send = retry_after_send});
  if (answered_by != nullptr) *answered_by = r.node;
  if (r.maybe_delivered) {
    return WithSqlState(absl::UnknownError(absl::StrCat(
                            "the connection to node ", r.node, " failed during the commit (",
                            r.response.status().message(), "); the outcome is unknown")),
                        "40003");
  }
  return std::move(r.response);
}

absl::StatusOr<proto::KvResponse> TxnClient::SendKv(const proto::KvRequest& request, NodeId first,
                                                    NodeId* answered_by) {
  Routed<proto::KvResponse> r =
      router_.SendKv(request, {.first = first, .timeout = options_.request_timeout});
  if (answered_by != nullptr) *answered_by = r.node;
  return std::move(r.response);
}

std::string_view CommitProtocolName(CommitProtocol p) {
  switch (p) {
    case CommitProtocol::kNone:
      return "none";
    case CommitProtocol::kReadOnly:
      return "read-only, nothing to commit";
    case CommitProtocol::kReleaseReads:
      return "reads only: locks checked and released, no Paxos round";
    case CommitProtocol::kOnePhase:
      return "one phase";
    case CommitProtocol::kTwoPhase:
      return "two-phase commit";
  }
  return "unknown";
}

void TxnClient::Touch(const std::string& txn, uint64_t range) {
  absl::MutexLock lock(&mu_);
  live_[txn].ranges.insert(range);
}

void TxnClient::Forget(const std::string& txn) {
  absl::MutexLock lock(&mu_);
  live_.erase(txn);
}

absl::Status TxnClient::AbortedStatus(const std::string& txn) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(txn);
  if (it == live_.end() || !it->second.aborted.has_value()) return absl::OkStatus();
  return *it->second.aborted;
}

absl::Status TxnClient::HeartbeatNow(const std::string& txn, const std::vector<uint64_t>& ranges) {
  for (uint64_t range : ranges) {
    proto::TxnRequest req;
    req.set_op(proto::TxnRequest::HEARTBEAT);
    req.set_range_id(range);
    req.add_heartbeat_txn_ids(txn);
    absl::StatusOr<proto::TxnResponse> r = Send(std::move(req));
    if (!r.ok()) continue;  // unknown here: the commit's lock check still decides
    for (const std::string& t : r->aborted_txn_ids()) {
      if (t != txn) continue;
      absl::MutexLock lock(&mu_);
      auto it = live_.find(t);
      if (it != live_.end() && !it->second.aborted.has_value()) {
        it->second.aborted =
            WithSqlState(absl::AbortedError(absl::StrCat(
                             "transaction ", t, " was aborted by range ", range, "; restart it")),
                         "40001");
      }
    }
  }
  return AbortedStatus(txn);
}

void TxnClient::HeartbeatLoop() {
  while (true) {
    std::map<uint64_t, std::vector<std::string>> by_range;
    {
      absl::MutexLock lock(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stop), options_.heartbeat_interval);
      if (stopping_) return;
      for (const auto& [txn, l] : live_) {
        if (l.aborted.has_value()) continue;
        for (uint64_t r : l.ranges) by_range[r].push_back(txn);
      }
    }
    for (const auto& [range, txns] : by_range) {
      proto::TxnRequest req;
      req.set_op(proto::TxnRequest::HEARTBEAT);
      req.set_range_id(range);
      for (const std::string& t : txns) req.add_heartbeat_txn_ids(t);
      const NodeId target = router_.Leaseholder(range);
      absl::StatusOr<proto::TxnResponse> r = rpc_->Txn(target, req, absl::Seconds(1));
      if (r.ok() && r->leader_hint() != 0) router_.NoteLeaseholder(range, r->leader_hint());
      absl::MutexLock lock(&mu_);
      if (r.ok() && r->code() == 0) {
        for (const std::string& t : r->aborted_txn_ids()) {
          auto it = live_.find(t);
          if (it != live_.end() && !it->second.aborted.has_value()) {
            it->second.aborted = WithSqlState(
                absl::AbortedError(absl::StrCat("transaction ", t, " was aborted by range ", range,
                                                "; restart it")),
                "40001");
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Txn

absl::Status Txn::CheckAlive() {
  RETURN_IF_ERROR(CheckOpen());
  if (options_.mode != TxnMode::kReadWrite) return absl::OkStatus();
  std::vector<uint64_t> ranges;
  {
    absl::MutexLock lock(&client_->mu_);
    auto it = client_->live_.find(id_);
    if (it == client_->live_.end()) return absl::OkStatus();  // touched nothing yet
    ranges.assign(it->second.ranges.begin(), it->second.ranges.end());
  }
  return client_->HeartbeatNow(id_, ranges);
}

Txn::Txn(TxnClient* client, std::string id, TxnOptions options, Timestamp priority)
    : client_(client), id_(std::move(id)), options_(options), priority_(priority) {}

Txn::~Txn() {
  if (open_) (void)Rollback();
}

absl::Status Txn::CheckOpen() const {
  if (!open_) {
    return WithSqlState(
        absl::FailedPreconditionError(absl::StrCat("transaction ", id_,
                                                   " is already committed or rolled "
                                                   "back")),
        "25000");
  }
  return absl::OkStatus();
}

void Txn::NoteEpoch(uint64_t range, const proto::TxnResponse& r) {
  if (!r.lock_epoch().empty()) epochs_.emplace(range, r.lock_epoch());
}

void Txn::AddRead(uint64_t range, LockSpan span) {
  std::vector<LockSpan>& spans = reads_[range];
  ReadIndex& index = read_index_[range];
  // Only a span that is not a point can cover more than its own key.
  if (span.IsPoint() && index.points.contains(span.start)) return;
  for (size_t i : index.ranges) {
    if (spans[i].Contains(span)) return;
  }
  if (span.IsPoint()) {
    index.points.insert(span.start);
  } else {
    index.ranges.push_back(spans.size());
  }
  spans.push_back(std::move(span));
}

absl::StatusOr<proto::KvResponse> Txn::ReadOnly(const RangeSpan& range, proto::KvRequest req) {
  req.set_range_id(range.range_id);
  NodeId first = 0;
  const TxnClientOptions& o = client_->options_;
  if (o.nearest_node != 0) {
    const bool stale =
        !read_ts_.has_value() || Timestamp{client_->true_time_->Now().latest_ns -
                                               absl::ToInt64Nanoseconds(o.nearest_min_age),
                                           0} >= *read_ts_;
    if (stale) first = o.nearest_node;
  }
  if (read_ts_.has_value()) {
    *req.mutable_read_timestamp() = ToProto(*read_ts_);
    // A fresh read: only the leaseholder serves it without waiting.
    req.set_prefer_leaseholder(first == 0);
  } else if (options_.single_range) {
    req.set_at_last_commit(true);
    first = 0;  // only the leaseholder knows LastTS
  } else {
    req.set_max_staleness_ms(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.max_staleness)));
  }
  if (options_.single_range) {
    if (only_range_.has_value() && *only_range_ != range.range_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("a single-range read-only transaction read range ", *only_range_,
                       " and cannot read range ", range.range_id));
    }
    only_range_ = range.range_id;
  }
  NodeId node = 0;
  const absl::Time start = client_->Now();
  absl::StatusOr<proto::KvResponse> sent = client_->SendKv(req, first, &node);
  trace_.push_back(RpcTrace{.op = proto::KvRequest::Op_Name(req.op()),
                            .range = range.range_id,
                            .node = node,
                            .direct = node != 0 && client_->rpc_->Direct(node),
                            .keys = req.op() == proto::KvRequest::SCAN
                                        ? (sent.ok() ? sent->keys_size() : 0)
                                        : std::max(1, req.batch_keys_size()),
                            .elapsed = client_->Now() - start,
                            .ok = sent.ok() && sent->code() == 0});
  ASSIGN_OR_RETURN(proto::KvResponse r, std::move(sent));
  RETURN_IF_ERROR(ResponseStatus(r.code(), r.message()));
  if (!read_ts_.has_value()) read_ts_ = FromProto(r.timestamp());
  return r;
}

void Txn::Trace(const proto::TxnRequest& req, NodeId node, absl::Duration elapsed,
                const absl::StatusOr<proto::TxnResponse>& r) {
  RpcTrace t{.op = proto::TxnRequest::Op_Name(req.op()),
             .range = req.range_id(),
             .node = node,
             .direct = node != 0 && client_->rpc_->Direct(node),
             .keys = req.writes_size() > 0       ? req.writes_size()
                     : !req.update().empty()     ? 1
                     : req.batch_keys_size() > 0 ? req.batch_keys_size()
                     : req.op() == proto::TxnRequest::READ && req.scan() && r.ok()
                         ? r->keys_size()
                         : static_cast<int>(req.op() == proto::TxnRequest::READ),
             .elapsed = elapsed,
             .ok = r.ok() && r->code() == 0};
  if (r.ok()) {
    t.replicate = absl::Microseconds(r->replicate_us());
    t.lock_wait = absl::Microseconds(r->lock_wait_us());
    t.commit_wait = absl::Microseconds(r->commit_wait_us());
  }
  trace_.push_back(t);
}

absl::StatusOr<proto::TxnResponse> Txn::Call(proto::TxnRequest req, bool retry_after_send) {
  NodeId node = 0;
  const absl::Time start = client_->Now();
  absl::StatusOr<proto::TxnResponse> r = client_->Send(req, retry_after_send, &node);
  Trace(req, node, client_->Now() - start, r);
  return r;
}

proto::TxnRequest Txn::LockingRead(uint64_t range, bool for_update) const {
  proto::TxnRequest req;
  req.set_op(proto::TxnRequest::READ);
  req.set_range_id(range);
  req.set_txn_id(id_);
  *req.mutable_priority() = ToProto(priority_);
  req.set_for_update(for_update);
  if (auto e = epochs_.find(range); e != epochs_.end()) req.set_lock_epoch(e->second);
  if (snapshot() && read_ts_.has_value()) *req.mutable_snapshot_timestamp() = ToProto(*read_ts_);
  return req;
}

void Txn::TakeSnapshot() {
  if (read_ts_.has_value()) return;
  // Now().latest: every commit acknowledged before now is in the snapshot. And at least the
  // locking reads' timestamps: the versions they saw (held exclusively since) are in it.
  read_ts_ = std::max(Timestamp{client_->true_time_->Now().latest_ns, 0}, locked_at_);
}

absl::StatusOr<std::optional<std::string>> Txn::Get(std::string_view key, bool for_update) {
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(ValidateKey(key));
  const RangeSpan& range = client_->map_.Lookup(key);
  const bool read_only = options_.mode == TxnMode::kReadOnly;
  if (read_only && for_update) {
    return absl::InvalidArgumentError("a read-only transaction cannot lock rows");
  }
  auto buffered = writes_.find(std::string(key));
  if (buffered != writes_.end() && !for_update) return buffered->second;
  if (!read_only) RETURN_IF_ERROR(client_->AbortedStatus(id_));
  if (read_only || (snapshot() && !for_update)) {  // lock-free, at one timestamp
    if (snapshot()) TakeSnapshot();
    proto::KvRequest req;
    req.set_op(proto::KvRequest::GET);
    req.set_key(std::string(key));
    ASSIGN_OR_RETURN(proto::KvResponse r, ReadOnly(range, std::move(req)));
    if (!r.found()) return std::nullopt;
    return r.value();
  }
  proto::TxnRequest req = LockingRead(range.range_id, for_update);
  req.set_key(std::string(key));
  client_->Touch(id_, range.range_id);
  ASSIGN_OR_RETURN(proto::TxnResponse r, Call(req));
  RETURN_IF_ERROR(ResponseStatus(r.code(), r.message()));
  NoteEpoch(range.range_id, r);
  locked_at_ = std::max(locked_at_, FromProto(r.timestamp()));
  AddRead(range.range_id, LockSpan::Point(key));
  if (for_update) exclusive_.insert(std::string(key));
  if (buffered != writes_.end()) return buffered->second;
  if (!r.found()) return std::nullopt;
  return r.value();
}

absl::StatusOr<std::vector<std::optional<std::string>>> Txn::GetMany(
    const std::vector<std::string>& keys, bool for_update) {
  RETURN_IF_ERROR(CheckOpen());
  for (const std::string& k : keys) RETURN_IF_ERROR(ValidateKey(k));
  std::vector<std::optional<std::string>> out(keys.size());
  if (keys.size() == 1) {
    ASSIGN_OR_RETURN(out[0], Get(keys[0], for_update));
    return out;
  }
  constexpr size_t kMaxKeysPerRequest = 1000;
  if (options_.mode == TxnMode::kReadOnly && for_update) {
    return absl::InvalidArgumentError("a read-only transaction cannot lock rows");
  }
  // Per range, the positions of the keys it must read (a buffered write answers a plain
  // read; a locking read still takes the lock).
  std::map<uint64_t, std::vector<size_t>> by_range;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto buffered = writes_.find(keys[i]);
    if (buffered != writes_.end() && !for_update) {
      out[i] = buffered->second;
      continue;
    }
    by_range[client_->map_.Lookup(keys[i]).range_id].push_back(i);
  }
  if (by_range.empty()) return out;
  if (options_.mode == TxnMode::kReadWrite) RETURN_IF_ERROR(client_->AbortedStatus(id_));
  if (options_.mode == TxnMode::kReadOnly || (snapshot() && !for_update)) {
    if (snapshot()) TakeSnapshot();
    for (const auto& [range, positions] : by_range) {
      const RangeSpan& span = client_->map_.Lookup(keys[positions.front()]);
      for (size_t first = 0; first < positions.size(); first += kMaxKeysPerRequest) {
        const size_t last = std::min(positions.size(), first + kMaxKeysPerRequest);
        proto::KvRequest req;
        req.set_op(proto::KvRequest::GET);
        for (size_t p = first; p < last; ++p) req.add_batch_keys(keys[positions[p]]);
        ASSIGN_OR_RETURN(proto::KvResponse r, ReadOnly(span, std::move(req)));
        std::map<std::string, std::string> found;
        for (int i = 0; i < r.keys_size() && i < r.values_size(); ++i) {
          found.emplace(r.keys(i), r.values(i));
        }
        for (size_t p = first; p < last; ++p) {
          if (auto f = found.find(keys[positions[p]]); f != found.end())
            out[positions[p]] = f->second;
        }
      }
    }
    return out;
  }
  for (const auto& [range, positions] : by_range) {
    for (size_t first = 0; first < positions.size(); first += kMaxKeysPerRequest) {
      const size_t last = std::min(positions.size(), first + kMaxKeysPerRequest);
      proto::TxnRequest req = LockingRead(range, for_update);
      for (size_t p = first; p < last; ++p) req.add_batch_keys(keys[positions[p]]);
      client_->Touch(id_, range);
      ASSIGN_OR_RETURN(proto::TxnResponse r, Call(req));
      RETURN_IF_ERROR(ResponseStatus(r.code(), r.message()));
      NoteEpoch(range, r);
      locked_at_ = std::max(locked_at_, FromProto(r.timestamp()));
      std::map<std::string, std::string> found;
      for (int i = 0; i < r.keys_size() && i < r.values_size(); ++i) {
        found.emplace(r.keys(i), r.values(i));
      }
      for (size_t p = first; p < last; ++p) {
        const std::string& key = keys[positions[p]];
        AddRead(range, LockSpan::Point(key));
        if (for_update) exclusive_.insert(key);
        if (auto buffered = writes_.find(key); buffered != writes_.end()) {
          out[positions[p]] = buffered->second;
        } else if (auto f = found.find(key); f != found.end()) {
          out[positions[p]] = f->second;
        }
      }
    }
  }
  return out;
}

absl::StatusOr<std::vector<Row>> Txn::ScanRange(const RangeSpan& range, std::string_view start,
                                                std::string_view end, int64_t limit,
                                                std::string_view filter) {
  std::vector<Row> rows;
  std::string from(start);
  while (true) {
    int64_t page = limit > 0 ? limit - static_cast<int64_t>(rows.size()) : 1000;
    if (options_.mode == TxnMode::kReadOnly || snapshot()) {
      if (snapshot()) TakeSnapshot();
      proto::KvRequest req;
      req.set_op(proto::KvRequest::SCAN);
      req.set_key(from);
      req.set_end_key(std::string(end));
      req.set_limit(page);
      req.set_filter(std::string(filter));
      ASSIGN_OR_RETURN(proto::KvResponse r, ReadOnly(range, std::move(req)));
      for (int i = 0; i < r.keys_size(); ++i) rows.push_back(Row{r.keys(i), r.values(i)});
      if (r.resume_key().empty()) break;
      from = r.resume_key();
    } else {
      proto::TxnRequest req;
      req.set_op(proto::TxnRequest::READ);
      req.set_scan(true);
      req.set_range_id(range.range_id);
      req.set_txn_id(id_);
      *req.mutable_priority() = ToProto(priority_);
      req.set_key(from);
      req.set_end_key(std::string(end));
      req.set_limit(page);
      req.set_filter(std::string(filter));
      if (auto e = epochs_.find(range.range_id); e != epochs_.end()) req.set_lock_epoch(e->second);
      client_->Touch(id_, range.range_id);
      ASSIGN_OR_RETURN(proto::TxnResponse r, Call(req));
      RETURN_IF_ERROR(ResponseStatus(r.code(), r.message()));
      NoteEpoch(range.range_id, r);
      if (from == start) {
        AddRead(range.range_id, LockSpan::Range(start, end.empty() ? KeySpaceEnd() : end));
      }
      for (int i = 0; i < r.keys_size(); ++i) rows.push_back(Row{r.keys(i), r.values(i)});
      if (r.resume_key().empty()) break;
      from = r.resume_key();
    }
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
  }
  return rows;
}

absl::StatusOr<std::vector<Row>> Txn::Scan(std::string_view start, std::string_view end,
                                           int64_t limit, std::string_view filter) {
  RETURN_IF_ERROR(CheckOpen());
  if (!end.empty() && end <= start) return std::vector<Row>{};
  if (limit < 0) return absl::InvalidArgumentError("a scan limit must not be negative");
  if (options_.mode == TxnMode::kReadWrite) RETURN_IF_ERROR(client_->AbortedStatus(id_));
  std::vector<Row> out;
  for (const RangeSpan& range : client_->map_.Overlapping(start, end)) {
    std::string from = std::max(std::string(start), range.start);
    std::string to = end.empty()         ? range.end
                     : range.end.empty() ? std::string(end)
                                         : std::min(std::string(end), range.end);
    // Buffered writes in this piece: deletes may hide fetched rows, so fetch enough.
    auto lo = writes_.lower_bound(from);
    auto hi = to.empty() ? writes_.end() : writes_.lower_bound(to);
    int64_t fetch = 0;
    if (limit > 0) {
      fetch = limit - static_cast<int64_t>(out.size()) + std::distance(lo, hi);
    }
    ASSIGN_OR_RETURN(std::vector<Row> rows, ScanRange(range, from, to, fetch, filter));
    // Merge with the transaction's own writes (they win).
    std::map<std::string, std::string> merged;
    for (Row& r : rows) merged[r.key] = std::move(r.value);
    for (auto it = lo; it != hi; ++it) {
      if (it->second.has_value()) {
        merged[it->first] = *it->second;
      } else {
        merged.erase(it->first);
      }
    }
    for (auto& [k, v] : merged) {
      if (limit > 0 && static_cast<int64_t>(out.size()) >= limit) break;
      out.push_back(Row{k, std::move(v)});
    }
    if (limit > 0 && static_cast<int64_t>(out.size()) >= limit) break;
  }
  return out;
}

absl::Status Txn::RestoreWrites(Writes writes) {
  RETURN_IF_ERROR(CheckOpen());
  if (options_.mode == TxnMode::kReadWrite) RETURN_IF_ERROR(client_->AbortedStatus(id_));
  writes_ = std::move(writes);
  return absl::OkStatus();
}

absl::Status Txn::Put(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(CheckOpen());
  if (options_.mode == TxnMode::kReadOnly) {
    return WithSqlState(absl::FailedPreconditionError("cannot write in a read-only transaction"),
                        "25006");
  }
  RETURN_IF_ERROR(ValidateKey(key));
  writes_[std::string(key)] = std::string(value);
  return NotePrivateWrite(key, key.size() + value.size());
}

absl::Status Txn::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckOpen());
  if (options_.mode == TxnMode::kReadOnly) {
    return WithSqlState(absl::FailedPreconditionError("cannot write in a read-only transaction"),
                        "25006");
  }
  RETURN_IF_ERROR(ValidateKey(key));
  writes_[std::string(key)] = std::nullopt;
  return NotePrivateWrite(key, key.size());
}

void Txn::RequireAbsent(std::string key, std::string error) {
  absent_[std::move(key)] = std::move(error);
}

void Txn::AddPrivateSpan(std::string start, std::string end) {
  for (const auto& [s, e] : private_) {
    if (s <= start && (e.empty() || (!end.empty() && end <= e))) return;  // already covered
  }
  std::erase_if(private_, [&](const auto& p) {
    return start <= p.first && (end.empty() || (!p.second.empty() && p.second <= end));
  });
  private_.emplace_back(std::move(start), std::move(end));
}

bool Txn::IsPrivate(std::string_view key) const {
  for (const auto& [s, e] : private_) {
    if (key >= s && (e.empty() || key < e)) return true;
  }
  return false;
}

absl::Status Txn::NotePrivateWrite(std::string_view key, size_t bytes) {
  if (private_.empty() || !IsPrivate(key)) return absl::OkStatus();
  private_bytes_ += bytes;
  if (private_bytes_ < client_->options_.ingest_batch_bytes) return absl::OkStatus();
  return IngestPrivate();
}

absl::Status Txn::IngestPrivate() {
  // Per range, the buffered writes in private spans (the spans are nested or disjoint, and
  // AddPrivateSpan keeps only the outermost, so each write is listed once).
  std::map<uint64_t, std::vector<Writes::iterator>> by_range;
  for (const auto& [start, end] : private_) {
    for (auto it = writes_.lower_bound(start);
         it != writes_.end() && (end.empty() || it->first < end); ++it) {
      by_range[client_->map_.Lookup(it->first).range_id].push_back(it);
    }
  }
  const size_t batch_bytes = client_->options_.ingest_batch_bytes;
  for (auto& [range, its] : by_range) {
    for (size_t i = 0; i < its.size();) {
      proto::TxnRequest req;
      req.set_op(proto::TxnRequest::INGEST);
      req.set_range_id(range);
      req.set_txn_id(id_);
      *req.mutable_priority() = ToProto(priority_);
      size_t bytes = 0;
      size_t j = i;
      for (; j < its.size() && (j == i || bytes < batch_bytes); ++j) {
        proto::KvWrite* w = req.add_writes();
        w->set_key(its[j]->first);
        if (its[j]->second.has_value()) {
          w->set_value(*its[j]->second);
        } else {
          w->set_is_delete(true);
        }
        bytes += its[j]->first.size() + w->value().size();
      }
      // Safe to resend: the same values again, where nobody else looks.
      ASSIGN_OR_RETURN(proto::TxnResponse r, Call(std::move(req)));
      RETURN_IF_ERROR(ResponseStatus(r.code(), r.message()));
      ingested_at_ = std::max(ingested_at_, FromProto(r.timestamp()));
      ++ingests_;
      for (size_t k = i; k < j; ++k) writes_.erase(its[k]);
      i = j;
    }
  }
  private_bytes_ = 0;
  return absl::OkStatus();
}

void Txn::Close() {
  open_ = false;
  client_->Forget(id_);
  attachment_.reset();
}

void Txn::SetCommitBounds(Timestamp at_least, Timestamp before) {
  commit_at_least_ = at_least;
  commit_before_ = before;
}

absl::StatusOr<Txn::Hold> Txn::HoldReads() {
  RETURN_IF_ERROR(CheckOpen());
  if (options_.mode != TxnMode::kReadWrite || !writes_.empty() || reads_.empty()) {
    return absl::FailedPreconditionError("HoldReads needs a read-write transaction that only read");
  }
  if (absl::Status aborted = client_->AbortedStatus(id_); !aborted.ok()) {
    (void)Rollback();
    return aborted;
  }
  Hold hold{Timestamp::Min(), Timestamp::Max()};
  absl::Status failed;
  for (const auto& [range, spans] : reads_) {
    proto::TxnRequest req;
    req.set_op(proto::TxnRequest::PREPARE);
    req.set_range_id(range);
    req.set_txn_id(id_);
    *req.mutable_priority() = ToProto(priority_);
    if (auto e = epochs_.find(range); e != epochs_.end()) req.set_lock_epoch(e->second);
    for (const LockSpan& s : spans) {
      req.add_read_starts(s.start);
      req.add_read_ends(s.end);
    }
    absl::StatusOr<proto::TxnResponse> r = Call(req);
    absl::Status s = r.ok() ? ResponseStatus(r->code(), r->message()) : r.status();
    if (s.ok() && !r->has_hold_until()) s = absl::InternalError("a PREPARE of reads gave no hold");
    if (!s.ok()) {
      failed = s;
      break;
    }
    held_.insert(range);
    hold.from = std::max(hold.from, FromProto(r->timestamp()));
    hold.until = std::min(hold.until, FromProto(r->hold_until()));
  }
  if (!failed.ok()) {
    // Ranges not yet held drop the locks; ranges holding already let go.
    (void)Rollback();
    ReleaseHolds();
    return failed;
  }
  Close();
  return hold;
}

void Txn::ReleaseHolds() {
  for (uint64_t r : held_) {
    proto::TxnRequest req;
    req.set_op(proto::TxnRequest::RESOLVE);
    req.set_range_id(r);
    req.set_txn_id(id_);
    req.set_commit(false);
    (void)Call(req);  // best effort: a hold also ends by itself
  }
  held_.clear();
}

absl::Status Txn::Rollback() {
  if (!open_) return absl::OkStatus();
  std::set<uint64_t> ranges;
  for (const auto& [r, spans] : reads_) ranges.insert(r);
  {
    // And every range a request went to, answered or not: a locking read that was
    // cancelled (statement timeout) or failed may have left a lock, or a queued request
    // for one, which would otherwise stay until the transaction times out there.
    absl::MutexLock lock(&client_->mu_);
    if (auto it = client_->live_.find(id_); it != client_->live_.end()) {
      ranges.insert(it->second.ranges.begin(), it->second.ranges.end());
    }
  }
  Close();
  for (uint64_t r : ranges) {
    proto::TxnRequest req;
    req.set_op(proto::TxnRequest::ROLLBACK);
    req.set_range_id(r);
    req.set_txn_id(id_);
    (void)Call(req);  // best effort: the range expires the locks anyway
  }
  return absl::OkStatus();
}

absl::StatusOr<Txn::UpdateResult> Txn::CommitUpdate(std::string_view key, std::string update) {
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(ValidateKey(key));
  if (options_.mode != TxnMode::kReadWrite || !writes_.empty() || !reads_.empty() ||
      read_ts_.has_value() || !private_.empty()) {
    return absl::FailedPreconditionError(
        "CommitUpdate needs a read-write transaction that has not read or written");
  }
  const RangeSpan& range = client_->map_.Lookup(key);
  proto::TxnRequest req;
  req.set_op(proto::TxnRequest::COMMIT);
  req.set_range_id(range.range_id);
  req.set_txn_id(id_);
  *req.mutable_priority() = ToProto(priority_);
  req.set_key(std::string(key));
  req.set_update(std::move(update));
  if (commit_at_least_ > Timestamp::Min()) {
    *req.mutable_min_commit_timestamp() = ToProto(commit_at_least_);
  }
  if (commit_before_ < Timestamp::Max()) *req.mutable_commit_before() = ToProto(commit_before_);
  // Like any single-range COMMIT, never resent once it may have landed (40003).
  absl::StatusOr<proto::TxnResponse> r = Call(req, /*retry_after_send=*/false);
  absl::Status s = r.ok() ? ResponseStatus(r->code(), r->message(), r->sqlstate()) : r.status();
  if (!s.ok() && s.code() == absl::StatusCode::kFailedPrecondition && r.ok() &&
      r->sqlstate().empty()) {
    trace_.pop_back();  // not evaluated there: nothing happened
    return s;
  }
  Close();
  RETURN_IF_ERROR(s);
  protocol_ = r->found() ? CommitProtocol::kOnePhase : CommitProtocol::kReleaseReads;
  stats_.participants = 1;
  stats_.replicate = absl::Microseconds(r->replicate_us());
  stats_.commit_wait = absl::Microseconds(r->commit_wait_us());
  committed_by_update_ = FromProto(r->timestamp());
  UpdateResult out{.timestamp = *committed_by_update_};
  if (r->found()) out.value = r->value();
  return out;
}

absl::StatusOr<Timestamp> Txn::Commit() {
  if (!open_ && committed_by_update_.has_value()) return *committed_by_update_;
  RETURN_IF_ERROR(CheckOpen());
  const absl::Time start = client_->Now();
  if (options_.mode == TxnMode::kReadOnly) {
    Close();
    protocol_ = CommitProtocol::kReadOnly;
    return read_ts_.value_or(Timestamp{client_->true_time_->Now().latest_ns, 0});
  }
  if (absl::Status aborted = client_->AbortedStatus(id_); !aborted.ok()) {
    (void)Rollback();
    return aborted;
  }
  // Per participant range: its writes and read spans.
  std::map<uint64_t, CommitPart> parts;
  for (const auto& [k, v] : writes_) {
    proto::KvWrite w;
    w.set_key(k);
    if (v.has_value()) {
      w.set_value(*v);
    } else {
      w.set_is_delete(true);
    }
    parts[client_->map_.Lookup(k).range_id].writes.push_back(std::move(w));
  }
  for (const auto& [r, spans] : reads_) parts[r].reads = spans;
  for (const auto& [key, error] : absent_) {
    if (!writes_.contains(key)) {
      (void)Rollback();
      return absl::FailedPreconditionError(
          "RequireAbsent names a key the transaction does not write");
    }
    parts[client_->map_.Lookup(key).range_id].absent.emplace_back(key, error);
  }
  stats_.participants = static_cast<int>(parts.size());
  for (const auto& [r, part] : parts) {
    size_t bytes = 0;
    for (const proto::KvWrite& w : part.writes) bytes += w.key().size() + w.value().size();
    if (bytes > client_->options_.max_commit_bytes_per_range) {
      (void)Rollback();
      return WithSqlState(
          absl::ResourceExhaustedError(absl::StrCat(
              "transaction ", id_, " writes ", bytes >> 20, " MiB to range ", r,
              ", more than one commit may write to a range (",
              client_->options_.max_commit_bytes_per_range >> 20,
              " MiB); load bulk data into a table created or truncated in the same "
              "transaction (written in batches, without this limit), or commit in smaller "
              "transactions")),
          "54000");
    }
  }
  if (parts.empty()) {
    Close();
    return Timestamp{client_->true_time_->Now().latest_ns, 0};
  }
  if (writes_.empty() && commit_before_ < Timestamp::Max() &&
      Timestamp{client_->true_time_->Now().latest_ns, 0} >= commit_before_) {
    // Reads only: the reads are serializable at any moment all their locks are held, which
    // must be before the bound; past it, the transaction restarts.
    (void)Rollback();
    return WithSqlState(
        absl::AbortedError(absl::StrCat("transaction ", id_, " outlived a lease it read under")),
        "40001");
  }
  // Keys required absent are checked where the LOCK (or the single COMMIT) takes them.
  const bool all_locked =
      absent_.empty() && std::all_of(writes_.begin(), writes_.end(), [this](const auto& w) {
        return exclusive_.contains(w.first);
      });
  // Above every ingested write, so that whoever sees the commit sees them; and above the
  // snapshot, which it read.
  Timestamp at_least =
      ingests_ > 0 ? std::max(commit_at_least_, ingested_at_.Next()) : commit_at_least_;
  if (snapshot() && read_ts_.has_value()) at_least = std::max(at_least, read_ts_->Next());
  const auto written = std::count_if(parts.begin(), parts.end(),
                                     [](const auto& p) { return !p.second.writes.empty(); });
  protocol_ = written == 0   ? CommitProtocol::kReleaseReads
              : written == 1 ? CommitProtocol::kOnePhase
                             : CommitProtocol::kTwoPhase;
  TxnCommit commit(id_, priority_, std::move(parts), epochs_, all_locked,
                   {.at_least = at_least,
                    .before = commit_before_,
                    .snapshot = snapshot() ? read_ts_ : std::nullopt});
  if (commit.coordinator() != 0 && commit.participants() > 1) {
    // Two-phase commit. Heartbeats now cover every participant (write-only ones included,
    // so none expires the transaction while another's lock round waits) and the
    // coordinator, which must know the transaction is alive if an in-doubt participant asks.
    for (uint64_t r : commit.ranges()) client_->Touch(id_, r);
  }
  // Each step's requests go out in parallel; the answers decide the next step.
  std::vector<CommitSend> sends = commit.Start();
  while (!sends.empty()) {
    const bool preparing = commit.preparing();
    const absl::Time step_start = client_->Now();
    std::vector<absl::StatusOr<proto::TxnResponse>> answers(sends.size(),
                                                            absl::UnknownError("not sent"));
    std::vector<NodeId> nodes(sends.size());
    std::vector<absl::Duration> elapsed(sends.size());
    auto send = [this, &sends, &answers, &nodes, &elapsed](size_t i) {
      const absl::Time t0 = client_->Now();
      answers[i] = client_->Send(sends[i].request, sends[i].retry_after_send, &nodes[i]);
      elapsed[i] = client_->Now() - t0;
    };
    if (sends.size() == 1) {
      send(0);
    } else {
      std::vector<std::thread> threads;
      for (size_t i = 0; i < sends.size(); ++i) threads.emplace_back(send, i);
      for (std::thread& t : threads) t.join();
    }
    if (preparing) stats_.prepare = client_->Now() - step_start;
    for (size_t i = 0; i < sends.size(); ++i) {
      Trace(sends[i].request, nodes[i], elapsed[i], answers[i]);
    }
    std::vector<CommitSend> next;
    for (size_t i = 0; i < sends.size(); ++i) {
      if (sends[i].best_effort) continue;  // aborts: the ranges also expire and ask
      for (CommitSend& n : commit.OnAnswer(sends[i].request.range_id(), std::move(answers[i]))) {
        next.push_back(std::move(n));
      }
    }
    sends = std::move(next);
  }
  Close();
  if (const std::optional<proto::TxnResponse>& r = commit.committed_response()) {
    stats_.lock_wait = absl::Microseconds(r->lock_wait_us());
    stats_.replicate = absl::Microseconds(r->replicate_us());
    stats_.commit_wait = absl::Microseconds(r->commit_wait_us());
  }
  stats_.total = client_->Now() - start;
  return commit.result();
}

}  // namespace meridian::txn
