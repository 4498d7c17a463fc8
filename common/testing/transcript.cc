#include "common/testing/transcript.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "gtest/gtest.h"

namespace meridian::testing {

std::string RerunTranscript(const std::string& path, const TranscriptInputRunner& run) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::ostringstream out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '#') {
      out << lines[i] << "\n";
      continue;
    }
    // Input lines run up to the "----"; without one, to the next blank line.
    size_t next = i + 1;
    std::string input;
    while (next < lines.size() && lines[next] != "----" && !lines[next].empty()) {
      input += (input.empty() ? "" : "\n") + lines[next];
      ++next;
    }
    if (next < lines.size() && lines[next] == "----") {  // skip the recorded output
      for (++next; next < lines.size() && !lines[next].empty(); ++next) {
      }
    }
    std::string got = run(lines[i], input);
    out << lines[i] << "\n"
        << input << (input.empty() ? "" : "\n") << "----\n"
        << got << (got.empty() ? "" : "\n");
    i = next - 1;
  }
  return out.str();
}

void CheckTranscripts(const std::string& dir,
                      const std::function<TranscriptInputRunner()>& make_runner) {
  const bool rewrite = std::getenv("MERIDIAN_REWRITE") != nullptr;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    ++files;
    std::ifstream in(entry.path());
    std::stringstream want;
    want << in.rdbuf();
    std::string got = RerunTranscript(entry.path().string(), make_runner());
    if (rewrite) {
      std::ofstream(entry.path()) << got;
    } else {
      EXPECT_EQ(want.str(), got) << "transcript " << entry.path()
                                 << " differs; rerun with MERIDIAN_REWRITE=1 and read the diff";
    }
  }
  EXPECT_GT(files, 0) << "no transcripts in " << dir;
}

void CheckTranscripts(const std::string& dir,
                      const std::function<TranscriptRunner()>& make_runner) {
  CheckTranscripts(
      dir, std::function<TranscriptInputRunner()>([&make_runner] {
        TranscriptRunner run = make_runner();
        return TranscriptInputRunner(
            [run](const std::string& command, const std::string&) { return run(command); });
      }));
}

}  // namespace meridian::testing
