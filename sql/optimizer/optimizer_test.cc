// Transcript tests of the optimizer's passes (testdata/*.txt): each shows a plan going into a
// pass and coming out of it. Regenerate with MERIDIAN_REWRITE=1 and read the diff: the
// transcripts are the specification of what each pass does.
//
// Commands:
//   schema            input: CREATE TABLE / CREATE INDEX statements; tables get ids from 100
//   bind              input: a statement; output: its logical plan as the binder makes it
//   pass NAME         input: a statement; output: "in:" the plan NAME receives (after every
//                     earlier pass), "out:" what it returns
//   optimize          input: a statement; output: the physical plan (what EXPLAIN prints)
#include "sql/optimizer/optimizer.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/testing/transcript.h"
#include "gtest/gtest.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"
#include "sql/planner/schema_binder.h"

namespace meridian::sql {
namespace {

class Harness {
 public:
  std::string Run(const std::string& command, const std::string& input) {
    std::vector<std::string> words = absl::StrSplit(command, ' ', absl::SkipEmpty());
    absl::StatusOr<std::string> out = absl::InvalidArgumentError("unknown command");
    if (words[0] == "schema") {
      out = Schema(input);
    } else if (words[0] == "bind") {
      out = Bind(input);
    } else if (words[0] == "pass" && words.size() == 2) {
      out = Pass(words[1], input);
    } else if (words[0] == "optimize") {
      out = OptimizeText(input);
    }
    if (!out.ok()) return absl::StrCat("error: ", out.status().ToString());
    return std::string(absl::StripSuffix(*out, "\n"));
  }

 private:
  absl::StatusOr<std::string> Schema(const std::string& sql) {
    ASSIGN_OR_RETURN(std::vector<ast::ParsedStatement> stmts, Parse(sql));
    for (const auto& parsed : stmts) {
      if (const auto* create = std::get_if<ast::CreateTableStmt>(&parsed.statement)) {
        ASSIGN_OR_RETURN(proto::TableDescriptor desc, BindCreateTable(*create));
        desc.set_id(next_id_++);
        tables_[desc.name()] = std::move(desc);
      } else if (const auto* index = std::get_if<ast::CreateIndexStmt>(&parsed.statement)) {
        auto it = tables_.find(index->table.back());
        if (it == tables_.end()) return absl::NotFoundError(index->table.back());
        proto::TableDescriptor& desc = it->second;
        const uint32_t id = desc.next_index_id();
        ASSIGN_OR_RETURN(proto::IndexDescriptor idx,
                         BindIndex(desc, index->name, index->columns, index->unique, id));
        *desc.add_indexes() = std::move(idx);
        desc.set_next_index_id(id + 1);
      } else {
        return absl::InvalidArgumentError("schema takes CREATE TABLE and CREATE INDEX only");
      }
    }
    return std::string();
  }

  absl::StatusOr<LogicalPtr> BindPlan(const std::string& sql) {
    ASSIGN_OR_RETURN(std::vector<ast::ParsedStatement> stmts, Parse(sql));
    if (stmts.size() != 1) return absl::InvalidArgumentError("one statement, please");
    BinderCatalog catalog;
    catalog.table = [this](const std::string& name) -> absl::StatusOr<TablePtr> {
      auto it = tables_.find(name);
      if (it == tables_.end()) return TablePtr();
      return std::make_shared<const TableInfo>(it->second);
    };
    Binder binder(std::move(catalog), {});
    ASSIGN_OR_RETURN(BoundStatement bound, binder.Bind(stmts[0].statement));
    return bound.plan;
  }

  absl::StatusOr<std::string> Bind(const std::string& sql) {
    ASSIGN_OR_RETURN(LogicalPtr plan, BindPlan(sql));
    return plan->ToString();
  }

  absl::StatusOr<std::string> Pass(const std::string& name, const std::string& sql) {
    ASSIGN_OR_RETURN(LogicalPtr plan, BindPlan(sql));
    auto shown = [](const std::string& before, const std::string& after) {
      return absl::StrCat("in:\n", before, "out:\n", after);
    };
    for (const LogicalPass& pass : LogicalPasses()) {
      const std::string before = plan->ToString();
      ASSIGN_OR_RETURN(plan, pass.run(plan));
      if (name == pass.name) return shown(before, plan->ToString());
    }
    ASSIGN_OR_RETURN(PhysicalPtr physical, ToPhysical(plan));
    if (name == "to-physical") return shown(plan->ToString(), physical->ToString());
    for (const PhysicalPass& pass : PhysicalPasses()) {
      const std::string before = physical->ToString();
      ASSIGN_OR_RETURN(physical, pass.run(physical));
      if (name == pass.name) return shown(before, physical->ToString());
    }
    return absl::InvalidArgumentError(absl::StrCat("no pass named ", name));
  }

  absl::StatusOr<std::string> OptimizeText(const std::string& sql) {
    ASSIGN_OR_RETURN(LogicalPtr plan, BindPlan(sql));
    ASSIGN_OR_RETURN(PhysicalPtr physical, Optimize(plan));
    return physical->ToString();
  }

  std::map<std::string, proto::TableDescriptor> tables_;
  uint64_t next_id_ = 100;
};

TEST(OptimizerTranscripts, EveryPass) {
  meridian::testing::CheckTranscripts(
      MERIDIAN_OPTIMIZER_TESTDATA, std::function<meridian::testing::TranscriptInputRunner()>([] {
        auto harness = std::make_shared<Harness>();
        return [harness](const std::string& command, const std::string& input) {
          return harness->Run(command, input);
        };
      }));
}

// Every pass named in the pipeline has a transcript, so a new pass cannot land untested.
TEST(OptimizerTranscripts, EveryPassHasATranscript) {
  std::vector<std::string> names = {"to-physical"};
  for (const auto& p : LogicalPasses()) names.push_back(p.name);
  for (const auto& p : PhysicalPasses()) names.push_back(p.name);
  for (const std::string& name : names) {
    std::string file = name;
    std::replace(file.begin(), file.end(), '-', '_');
    EXPECT_TRUE(
        std::filesystem::exists(absl::StrCat(MERIDIAN_OPTIMIZER_TESTDATA, "/", file, ".txt")))
        << "no transcript for pass " << name;
  }
}

}  // namespace
}  // namespace meridian::sql
