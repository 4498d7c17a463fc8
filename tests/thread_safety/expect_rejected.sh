#!/usr/bin/env bash
# Builds a target that must not compile and checks why it failed.
#
# Usage: expect_rejected.sh CMAKE BUILD_DIR TARGET SOURCE COMPILER_ID
#
# Passes only if building TARGET fails with a -Wthread-safety error on every line of SOURCE
# marked "// VIOLATION:", and on no other line. Exit status 77 (skipped) when COMPILER_ID is not
# Clang, which does not check the annotations.
set -uo pipefail
cmake_bin=$1 build_dir=$2 target=$3 source=$4 compiler=$5

if [ "$compiler" != "Clang" ]; then
  echo "skipped: $compiler does not check the mutex annotations (build with clang++)"
  exit 77
fi

# A marked line is code followed by the marker (comment lines that mention it do not count).
expected=$(grep -nE '^[[:space:]]*[^[:space:]/].*// VIOLATION:' "$source" | cut -d: -f1 | sort -n)
if [ -z "$expected" ]; then
  echo "FAIL: no line of $source is marked VIOLATION"
  exit 1
fi

out=$("$cmake_bin" --build "$build_dir" --target "$target" 2>&1)
status=$?
if [ $status -eq 0 ]; then
  echo "FAIL: $target compiled; the mutex annotations are not checked."
  echo "The top-level CMakeLists.txt must pass -Wthread-safety -Werror=thread-safety to clang."
  exit 1
fi

name=$(basename "$source")
# Lines with an error, of any kind, in the source.
errors=$(grep -E "(^|/)$name:[0-9]+:[0-9]+: error:" <<<"$out" | sed -E "s/.*$name:([0-9]+):.*/\1/" |
  sort -n -u)
# Lines with a thread-safety error.
flagged=$(grep -E "(^|/)$name:[0-9]+:[0-9]+: error: .*\[-Werror,-Wthread-safety" <<<"$out" |
  sed -E "s/.*$name:([0-9]+):.*/\1/" | sort -n -u)

if [ "$errors" != "$expected" ] || [ "$flagged" != "$expected" ]; then
  echo "FAIL: expected thread-safety errors on lines:" $expected
  echo "      got errors on lines:" $errors
  echo "      of which thread-safety errors:" $flagged
  echo "--- build output ---"
  echo "$out"
  exit 1
fi
echo "ok: $target rejected with thread-safety errors on lines" $expected
