# The two commands: `make demo` (set up, build, clean the bundled sample) and `make test`.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all build deps test demo install asan tsan fuzz bench clean-build python
all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The Python module into $(BUILD)/python/boilerstrip (PYTHONPATH=$(BUILD)/python), built for
# PYTHON (a path or a name on PATH; default /usr/bin/python3, which the tests run with).
python: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DBOILERSTRIP_PYTHON=ON \
	  $(if $(PYTHON),-DPython_EXECUTABLE=$(shell command -v $(PYTHON))) $(CMAKE_ARGS)
	@cmake --build $(BUILD) --target boilerstrip_python -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)

# The binary (presets built in) and the rule files under $(PREFIX)/share/boilerstrip/patterns,
# with every other install() rule of the build. (The Python module installs with pip.)
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Micro-benchmarks, then clean vs the zstd round trip on a generated shard (BENCH_SIZE=1G).
bench: build
	@$(BUILD)/bench/boilerstrip_bench --benchmark_min_time=0.5
	@BUILD=$(BUILD) bench/run.sh $(or $(BENCH_SIZE),1G)

# The whole suite under sanitizers, in their own build trees.
asan:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_ARGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOILERSTRIP_SANITIZE=address,undefined -DBOILERSTRIP_BENCH=OFF"
tsan:
	@$(MAKE) --no-print-directory test BUILD=build-tsan \
	  CMAKE_ARGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOILERSTRIP_SANITIZE=thread -DBOILERSTRIP_BENCH=OFF"

# libFuzzer targets (clang, ASan + UBSan) in build-fuzz/, each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh --fuzz
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DBOILERSTRIP_FUZZ=ON -DBOILERSTRIP_SANITIZE=address,undefined \
	  -DBOILERSTRIP_TESTS=OFF -DBOILERSTRIP_BENCH=OFF
	@cmake --build build-fuzz -j $(JOBS)
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean-build:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
