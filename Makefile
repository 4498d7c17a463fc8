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
BUILD_TYPE    ?= RelWithDebInfo
CTEST_J       ?= 2

# ccache keys on paths relative to the checkout, so a second checkout or worktree of the
# same commit reuses the objects; debug info then names relative paths.
export CCACHE_BASEDIR  ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1
export CCACHE_MAXSIZE  ?= 20G

.PHONY: all deps configure build test demo test-asan soak bench format clean

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

soak: build
	@cd $(BUILD) && ctest --output-on-failure -L soak

bench: build
	@bash bench/run.sh $(BUILD)

format:
	@git ls-files '*.h' '*.cc' | grep -v '^build' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD)
