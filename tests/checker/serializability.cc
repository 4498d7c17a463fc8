#include "tests/checker/serializability.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace meridian::checker {
namespace {

struct Edge {
  int to;
  std::string why;
};

std::string Show(const std::optional<std::string>& v) {
  return v.has_value() ? absl::StrCat("'", *v, "'") : "absent";
}

}  // namespace

absl::Status CheckStrictSerializable(const std::vector<TxnRecord>& input,
                                     const std::map<std::string, std::string>& initial) {
  // Node 0 is the virtual initial transaction; 1..n the history; then real-time chain nodes.
  std::vector<TxnRecord> txns;
  txns.push_back(TxnRecord{.id = "<initial>",
                           .timestamp = Timestamp::Min(),
                           .begin_ns = INT64_MIN,
                           .end_ns = INT64_MIN});
  for (const auto& [k, v] : initial) txns[0].writes[k] = v;
  txns.insert(txns.end(), input.begin(), input.end());
  const int n = static_cast<int>(txns.size());

  // Versions of each key in commit-timestamp order, and who wrote each value.
  std::map<std::string, std::vector<int>> versions;
  std::map<std::pair<std::string, std::string>, int> writer_of;
  for (int i = 0; i < n; ++i) {
    for (const auto& [k, v] : txns[i].writes) {
      versions[k].push_back(i);
      if (v.has_value()) {
        auto [it, fresh] = writer_of.emplace(std::pair{k, *v}, i);
        if (!fresh) {
          return absl::InvalidArgumentError(absl::StrCat(
              "value ", *v, " of key ", k, " is written by two transactions: ", txns[it->second].id,
              " and ", txns[i].id));
        }
      }
    }
  }
  for (auto& [k, list] : versions) {
    std::sort(list.begin(), list.end(),
              [&](int a, int b) { return txns[a].timestamp < txns[b].timestamp; });
  }

  std::vector<std::vector<Edge>> graph(n);
  auto add = [&](int from, int to, std::string why) {
    if (from != to) graph[from].push_back(Edge{to, std::move(why)});
  };
  for (const auto& [k, list] : versions) {
    for (size_t i = 1; i < list.size(); ++i) add(list[i - 1], list[i], absl::StrCat("ww ", k));
  }
  for (int r = 1; r < n; ++r) {
    for (const auto& [k, v] : txns[r].reads) {
      const std::vector<int>& list = versions[k];
      int version = -1;  // index into list
      if (v.has_value()) {
        auto w = writer_of.find({k, *v});
        if (w == writer_of.end()) {
          return absl::FailedPreconditionError(
              absl::StrCat(txns[r].id, " read ", Show(v), " from key ", k,
                           ", which no committed transaction wrote (a dirty or aborted read)"));
        }
        version = static_cast<int>(std::find(list.begin(), list.end(), w->second) - list.begin());
        add(w->second, r, absl::StrCat("wr ", k));
      } else {
        // Absent: the newest deleting (or initial-absent) version at or before the read.
        for (int i = static_cast<int>(list.size()) - 1; i >= 0; --i) {
          const TxnRecord& w = txns[list[i]];
          if (w.timestamp <= txns[r].timestamp && !w.writes.at(k).has_value()) {
            version = i;
            break;
          }
        }
        // version < 0: the key did not exist yet (before its first version).
        if (version >= 0) add(list[version], r, absl::StrCat("wr ", k, " (absent)"));
      }
      const int next = version + 1;
      if (next < static_cast<int>(list.size())) add(r, list[next], absl::StrCat("rw ", k));
    }
  }

  // Real time through a chain of event nodes: T -> end event -> ... -> begin event -> T'.
  struct Event {
    int64_t at;
    bool is_begin;
    int txn;
  };
  std::vector<Event> events;
  for (int i = 1; i < n; ++i) {
    events.push_back(Event{txns[i].begin_ns, true, i});
    events.push_back(Event{txns[i].end_ns, false, i});
  }
  // At equal times a begin sorts first: equal times are concurrent, never ordered.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.is_begin > b.is_begin;
  });
  const int chain0 = n;
  graph.resize(n + events.size());
  for (size_t e = 0; e < events.size(); ++e) {
    const int node = chain0 + static_cast<int>(e);
    if (e + 1 < events.size()) add(node, node + 1, "");
    if (events[e].is_begin) {
      add(node, events[e].txn, "rt");
    } else {
      add(events[e].txn, node, "rt");
    }
  }

  // Cycle search (iterative DFS).
  const int total = static_cast<int>(graph.size());
  std::vector<int> color(total, 0), parent(total, -1);
  std::vector<std::string> parent_why(total);
  for (int root = 0; root < total; ++root) {
    if (color[root] != 0) continue;
    std::vector<std::pair<int, size_t>> stack{{root, 0}};
    color[root] = 1;
    while (!stack.empty()) {
      auto& [u, next] = stack.back();
      if (next == graph[u].size()) {
        color[u] = 2;
        stack.pop_back();
        continue;
      }
      const Edge& e = graph[u][next++];
      if (color[e.to] == 0) {
        color[e.to] = 1;
        parent[e.to] = u;
        parent_why[e.to] = e.why;
        stack.emplace_back(e.to, 0);
      } else if (color[e.to] == 1) {
        // Found a cycle: e.to -> ... -> u -> e.to.
        std::vector<std::string> steps;
        steps.push_back(absl::StrCat(e.why, " -> ", e.to < n ? txns[e.to].id : "(time)"));
        for (int v = u; v != e.to; v = parent[v]) {
          if (v < n)
            steps.push_back(absl::StrCat(parent_why[v], " -> ", txns[v].id));
          else if (!parent_why[v].empty())
            steps.push_back(absl::StrCat(parent_why[v], " -> (time)"));
        }
        std::reverse(steps.begin(), steps.end());
        std::string text = absl::StrCat("dependency cycle: ", e.to < n ? txns[e.to].id : "(time)");
        for (const std::string& s : steps) absl::StrAppend(&text, " --", s);
        return absl::FailedPreconditionError(text);
      }
    }
  }

  // Timestamps must agree with real time.
  Timestamp max_ended = Timestamp::Min();
  std::string max_ended_id;
  for (const Event& e : events) {
    const TxnRecord& t = txns[e.txn];
    if (!e.is_begin) {
      if (max_ended < t.timestamp) {
        max_ended = t.timestamp;
        max_ended_id = t.id;
      }
      continue;
    }
    const bool bad = t.read_only ? t.timestamp < max_ended : t.timestamp <= max_ended;
    if (bad) {
      return absl::FailedPreconditionError(
          absl::StrCat(t.id, " began after ", max_ended_id, " finished, yet its timestamp ",
                       t.timestamp.ToString(), " is not above ", max_ended.ToString()));
    }
  }
  return absl::OkStatus();
}

}  // namespace meridian::checker
