// Golden transcript tests: readable scripts of Paxos behaviour, in the style
//
//   add-nodes 3
//   ----
//   ok
//
// Each file in testdata/ is a transcript (common/testing/transcript.h). Set
// MERIDIAN_REWRITE=1 to regenerate the expected outputs, then read the diff.
//
// Commands:
//   add-nodes N [max-pending-bytes=B] [max-inflight-slots=S]
//                                nodes 1..N, all voters (options for every node)
//   add-spare ID                 a node that is not (yet) a voter
//   campaign ID | propose ID CMD | config ID add|remove NODE
//   stabilize                    deliver messages until none are left (prints each one)
//   deliver-none                 drop every message in flight
//   partition 1 2 | 3            only nodes in one group talk to each other
//   heal
//   tick ID [N] | tick-all [N]   advance logical ticks (then stabilize quietly)
//   advance-ms MS                move every node's clock (leases are in real time)
//   crash ID | restart ID        lose all unsynced state / come back from the log
//   propose-unsynced ID CMD      propose, send the Ready's early messages (a leader's
//                                ACCEPTs) and hold its write: the leader's disk is slow
//   finish-write ID              complete the held write (then the rest of that Ready)
//   compact ID SLOT
//   status
//   pending ID                   a leader's unchosen proposals: queued, in flight, bytes
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "common/logging.h"
#include "common/testing/transcript.h"
#include "gtest/gtest.h"
#include "storage/engine/mem_engine.h"
#include "storage/paxos/paxos_core.h"
#include "storage/paxos/paxos_log.h"

namespace meridian::storage::paxos {
namespace {

std::string Describe(const proto::PaxosMessage& m) {
  std::string out =
      absl::StrCat(m.from(), "->", m.to(), " ", proto::PaxosMessage::Type_Name(m.type()),
                   " ballot=", BallotString(m.ballot()));
  switch (m.type()) {
    case proto::PaxosMessage::PREPARE:
      absl::StrAppend(&out, " from_slot=", m.slot());
      break;
    case proto::PaxosMessage::PROMISE:
      absl::StrAppend(&out, " learned=", m.commit_index());
      break;
    case proto::PaxosMessage::ACCEPT:
    case proto::PaxosMessage::LEARN:
      absl::StrAppend(&out, " commit=", m.commit_index());
      break;
    case proto::PaxosMessage::ACCEPTED:
      absl::StrAppend(&out, " slots=[", absl::StrJoin(m.accepted_slots(), ","),
                      "] learned=", m.learned_index());
      break;
    case proto::PaxosMessage::REJECT:
      absl::StrAppend(&out, " (", m.reject_reason(), ")");
      break;
    case proto::PaxosMessage::SNAPSHOT:
      absl::StrAppend(&out, " index=", m.slot());
      break;
    default:
      break;
  }
  if (m.entries_size() > 0) {
    std::vector<std::string> es;
    for (const proto::Entry& e : m.entries()) {
      std::string v =
          e.type() == proto::Entry::NOOP ? "noop"
          : e.type() == proto::Entry::CONFIG
              ? absl::StrCat(
                    e.config_change().op() == proto::ConfigChange::ADD_VOTER ? "add" : "remove",
                    e.config_change().node())
              : e.command();
      es.push_back(absl::StrCat(e.slot(), ":", v, "@", BallotString(e.ballot())));
    }
    absl::StrAppend(&out, " entries=[", absl::StrJoin(es, " "), "]");
  }
  return out;
}

class Harness {
 public:
  Harness() : clock_(1'700'000'000'000'000'000) {}

  std::string Run(const std::string& line) {
    std::vector<std::string> a = absl::StrSplit(line, ' ', absl::SkipEmpty());
    const std::string& cmd = a[0];
    std::ostringstream out;
    if (cmd == "add-nodes") {
      int n = std::stoi(a[1]);
      for (size_t i = 2; i < a.size(); ++i) {
        std::vector<std::string> kv = absl::StrSplit(a[i], '=');
        if (kv.size() == 2 && kv[0] == "max-pending-bytes") {
          max_pending_bytes_ = std::stoull(kv[1]);
        } else if (kv.size() == 2 && kv[0] == "max-inflight-slots") {
          max_inflight_slots_ = std::stoull(kv[1]);
        } else {
          return absl::StrCat("unknown option ", a[i]);
        }
      }
      for (int i = 1; i <= n; ++i) initial_voters_.push_back(i);
      for (int i = 1; i <= n; ++i) AddNode(i);
      out << "ok";
    } else if (cmd == "add-spare") {
      AddNode(std::stoull(a[1]));
      out << "ok";
    } else if (cmd == "campaign") {
      out << (node(a[1])->core->Campaign() ? "ok" : "refused");
      Flush(a[1]);
    } else if (cmd == "propose") {
      auto slot = node(a[1])->core->Propose(a[2]);
      out << (slot.ok() ? absl::StrCat("slot ", *slot) : std::string(slot.status().message()));
      Flush(a[1]);
    } else if (cmd == "propose-unsynced") {
      Node* n = node(a[1]);
      auto slot = n->core->Propose(a[2]);
      if (!slot.ok()) return std::string(slot.status().message());
      n->held = n->core->GetReady();
      out << "slot " << *slot << ", early messages " << n->held->early_messages.size()
          << ", write held";
      for (auto& m : n->held->early_messages) inflight_.push_back(std::move(m));
      n->held->early_messages.clear();
    } else if (cmd == "finish-write") {
      Node* n = node(a[1]);
      if (!n->held.has_value()) return "no write held";
      Ready rd = std::move(*n->held);
      n->held.reset();
      Process(n, std::move(rd));
      Flush(a[1]);
      out << "ok";
    } else if (cmd == "config") {
      proto::ConfigChange c;
      c.set_op(a[2] == "add" ? proto::ConfigChange::ADD_VOTER : proto::ConfigChange::REMOVE_VOTER);
      c.set_node(std::stoull(a[3]));
      auto slot = node(a[1])->core->ProposeConfigChange(c);
      out << (slot.ok() ? absl::StrCat("slot ", *slot) : std::string(slot.status().message()));
      Flush(a[1]);
    } else if (cmd == "stabilize") {
      out << Stabilize(/*print=*/true);
    } else if (cmd == "deliver-none") {
      out << "dropped " << inflight_.size();
      inflight_.clear();
    } else if (cmd == "partition") {
      group_.clear();
      int g = 0;
      for (size_t i = 1; i < a.size(); ++i) {
        if (a[i] == "|") {
          ++g;
        } else {
          group_[std::stoull(a[i])] = g;
        }
      }
      out << "ok";
    } else if (cmd == "heal") {
      group_.clear();
      out << "ok";
    } else if (cmd == "tick" || cmd == "tick-all") {
      int n = a.size() > (cmd == "tick" ? 2u : 1u) ? std::stoi(a.back()) : 1;
      for (int i = 0; i < n; ++i) {
        for (auto& [id, nd] : nodes_) {
          if (!nd->up || (cmd == "tick" && id != std::stoull(a[1]))) continue;
          nd->core->Tick();
          Flush(std::to_string(id));
        }
        Stabilize(/*print=*/false);
      }
      out << "ok";
    } else if (cmd == "advance-ms") {
      clock_.Advance(std::stoll(a[1]) * 1'000'000);
      out << "ok";
    } else if (cmd == "crash") {
      Node* n = node(a[1]);
      n->up = false;
      n->held.reset();
      n->core.reset();
      n->disk.SimulateCrash();
      out << "ok";
    } else if (cmd == "restart") {
      Node* n = node(a[1]);
      StartCore(n);
      out << "ok";
    } else if (cmd == "compact") {
      node(a[1])->core->Compact(std::stoull(a[2]));
      Flush(a[1]);
      out << "ok";
    } else if (cmd == "pending") {
      PaxosStatus st = node(a[1])->core->Status();
      out << "queued=" << st.queued << " inflight=" << st.inflight
          << " pending_bytes=" << st.pending_bytes;
    } else if (cmd == "status") {
      for (auto& [id, nd] : nodes_) {
        if (!nd->up) {
          out << "n" << id << ": down\n";
          continue;
        }
        PaxosStatus s = nd->core->Status();
        out << "n" << id << ": " << RoleName(s.role) << " ballot=" << BallotString(s.promised)
            << " learned=" << s.learned_index << " applied=" << s.applied_index
            << " log_start=" << s.log_start << " voters=" << absl::StrJoin(s.voters, ",")
            << (s.has_lease ? " lease" : "") << " sm=[" << absl::StrJoin(nd->applied, ",") << "]\n";
      }
    } else {
      out << "unknown command " << cmd;
    }
    std::string s = out.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }

 private:
  struct Node {
    uint64_t id;
    std::unique_ptr<clock::TrueTime> tt;
    MemEngine disk;
    std::unique_ptr<PaxosCore> core;
    std::vector<std::string> applied;  // volatile state machine: commands in order
    bool up = true;
    std::optional<Ready> held;  // propose-unsynced: a Ready whose write has not happened
  };

  Node* node(const std::string& id) { return nodes_.at(std::stoull(id)).get(); }

  void AddNode(uint64_t id) {
    auto n = std::make_unique<Node>();
    n->id = id;
    n->tt = std::make_unique<clock::TrueTime>(
        &clock_, clock::TrueTimeOptions{.epsilon_ns = 1'000'000, .max_drift_ppm = 0});
    Node* raw = n.get();
    nodes_[id] = std::move(n);
    StartCore(raw);
  }

  void StartCore(Node* n) {
    PaxosOptions o;
    o.group = 1;
    o.self = n->id;
    for (int v : initial_voters_) o.initial_voters.push_back(v);
    o.heartbeat_ticks = 1;
    o.election_timeout_ticks = 10;
    o.lease_duration_ns = 500'000'000;
    o.seed = n->id;
    if (max_pending_bytes_ != 0) o.max_pending_bytes = max_pending_bytes_;
    if (max_inflight_slots_ != 0) o.max_inflight_slots = max_inflight_slots_;
    n->core = std::make_unique<PaxosCore>(o, n->tt.get());
    n->applied.clear();
    PaxosLog log(&n->disk, 1);
    auto st = log.Load();
    CHECK(st.ok());
    if (!st->empty) n->core->Restore(st->hard_state, st->entries, 0);
    n->up = true;
    Flush(std::to_string(n->id));
  }

  // Runs one node's Ready loop; messages go in flight.
  void Flush(const std::string& id) {
    Node* n = node(id);
    while (n->up && n->core->HasReady()) Process(n, n->core->GetReady());
  }

  // One Ready, in the contract's order.
  void Process(Node* n, Ready rd) {
    for (auto& m : rd.early_messages) inflight_.push_back(std::move(m));
    WriteBatch batch;
    PaxosLog log(&n->disk, 1);
    CHECK(log.Load().ok());
    log.Stage(rd, &batch);
    CHECK(n->disk.Write(batch, WriteOptions{.sync = rd.must_sync}).ok());
    for (auto& m : rd.messages) inflight_.push_back(std::move(m));
    for (const proto::Entry& e : rd.committed) {
      if (e.type() == proto::Entry::NORMAL) n->applied.push_back(e.command());
    }
    if (rd.snapshot.has_value()) n->applied = {absl::StrCat("snapshot@", rd.snapshot->index)};
    for (NodeId peer : rd.snapshot_needed_by) {
      n->core->SendSnapshot(peer, n->core->applied_index(), "state");
    }
    n->core->Advance(rd);
  }

  bool Connected(uint64_t a, uint64_t b) {
    if (group_.empty()) return true;
    return group_.count(a) && group_.count(b) && group_[a] == group_[b];
  }

  std::string Stabilize(bool print) {
    std::ostringstream out;
    for (int rounds = 0; rounds < 1000 && !inflight_.empty(); ++rounds) {
      std::vector<proto::PaxosMessage> batch = std::move(inflight_);
      inflight_.clear();
      for (const proto::PaxosMessage& m : batch) {
        Node* to = nodes_.count(m.to()) ? nodes_[m.to()].get() : nullptr;
        bool delivered = to != nullptr && to->up && Connected(m.from(), m.to());
        if (print) out << (delivered ? "" : "(dropped) ") << Describe(m) << "\n";
        if (!delivered) continue;
        to->core->Step(m);
        Flush(std::to_string(m.to()));
      }
    }
    return out.str();
  }

  clock::ManualClock clock_;
  size_t max_pending_bytes_ = 0;  // 0: the default
  size_t max_inflight_slots_ = 0;
  std::vector<int> initial_voters_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
  std::vector<proto::PaxosMessage> inflight_;
  std::map<uint64_t, int> group_;
};

TEST(PaxosTranscriptTest, GoldenFiles) {
  meridian::testing::CheckTranscripts(PAXOS_TESTDATA_DIR, [] {
    auto harness = std::make_shared<Harness>();
    return [harness](const std::string& line) { return harness->Run(line); };
  });
}

}  // namespace
}  // namespace meridian::storage::paxos
