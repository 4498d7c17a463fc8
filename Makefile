# Meridian: the two commands people need are `make demo` and `make test`.
# Both install missing Debian packages first (scripts/install-deps.sh), then build with
# CMake + Ninja (+ ccache) in ./build.
#
# The compiler is clang++, because clang checks the mutex annotations (-Wthread-safety,
# a finding fails the build); `make build COMPILER=g++ BUILD=build-gcc` builds with GCC.

COMPILER      ?= clang++
ASAN_COMPILER ?= g++
BUILD         ?= build
ASAN_BUILD    ?= build-asan
TSAN_BUILD    ?= build-tsan
BUILD_TYPE    ?= RelWithDebInfo
CTEST_J       ?= 2

# The ThreadSanitizer run: options for every process of it (test binaries and the
# `meridian` processes they start). Reports go to files, so that a report in a child process
# whose stderr a test swallows is still seen; the target fails if any file is written.
TSAN_REPORTS = $(CURDIR)/$(TSAN_BUILD)/tsan-reports
TSAN_OPTS    = suppressions=$(CURDIR)/scripts/tsan-suppressions.txt second_deadlock_stack=1 \
               log_path=$(TSAN_REPORTS)/report

# ccache keys on paths relative to the checkout, so a second checkout or worktree of the
# same commit reuses the objects; debug info then names relative paths.
export CCACHE_BASEDIR  ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1
export CCACHE_MAXSIZE  ?= 20G

.PHONY: all deps configure build test demo test-asan test-tsan soak bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_CXX_COMPILER=$(COMPILER) >/dev/null

build: configure
	@cmake --build $(BUILD)

# Every test except the long soak runs; ctest prints the closing summary.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(CTEST_J) -LE soak

# The embedded default: the most complete real program so far (see README).
demo: build
	@./$(BUILD)/cmd/meridian demo

# ASan + UBSan stay on GCC, the configuration they were verified with (and whose objects the
# shared ccache holds); the annotations are already checked by the ordinary clang build.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMERIDIAN_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER=$(ASAN_COMPILER) >/dev/null
	@cmake --build $(ASAN_BUILD)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(CTEST_J) -LE soak

# ThreadSanitizer (clang only) over every test except the soaks, the single-threaded
# simulators (ctest label `sim`) and sql_client_pgbench, whose loads (400,000 rows, then
# 100,000) take too long when TSan slows apply ~10x; see docs/operations.md.
test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMERIDIAN_TSAN=ON \
	  -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	@export TSAN_OPTIONS="$(TSAN_OPTS)"; cmake --build $(TSAN_BUILD) && \
	  { cd $(TSAN_BUILD) && ctest --output-on-failure -j $(CTEST_J) -LE 'soak|sim' \
	      -E '^sql_client_pgbench$$'; status=$$?; \
	    if [ -n "$$(ls -A $(TSAN_REPORTS))" ]; then \
	      cat $(TSAN_REPORTS)/*; echo "test-tsan: ThreadSanitizer reports above ($(TSAN_REPORTS))"; \
	      status=1; fi; \
	    exit $$status; }

soak: build
	@cd $(BUILD) && ctest --output-on-failure -L soak

bench: build
	@bash bench/run.sh $(BUILD)

format:
	@git ls-files '*.h' '*.cc' | grep -v '^build' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
