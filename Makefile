# KL Lab: the commands a person types. CMake does the building; this file only names the steps.
#   make serve   build everything and serve site/dist on http://127.0.0.1:$(PORT)
#   make test    every test layer (native Catch2, the same suite in wasm, node, browser)
#   make bench   benchmarks (report only, never fail)

SHELL := /bin/bash
PORT ?= 8000
JOBS ?= $(shell nproc)
# Debian's emcc needs Debian's node modules (acorn) whatever node is first on PATH (TOOLCHAIN.md, trap 1).
export NODE_PATH := /usr/share/nodejs
# Node >= 18's fetch breaks Emscripten 3.1.6's wasm loading in node (trap 3).
NODE := node --no-experimental-fetch

NATIVE := build/native
WASM := build/wasm
SANITIZE := build/sanitize
FUZZ := build/fuzz
FUZZ_TARGETS := expr check notebook progress
FUZZ_TEST_SECONDS ?= 6
# `make fuzz` runs each target for FUZZ_RUNS executions (docs/reliability.md has the figures of a
# full run); FUZZ_SECONDS, when set, bounds each target's time instead.
FUZZ_RUNS ?= 10000000
FUZZ_LIMIT = $(if $(FUZZ_SECONDS),-max_total_time=$(FUZZ_SECONDS),-runs=$(FUZZ_RUNS))
# FUZZ_FORK=N runs one target in N processes (libFuzzer's -fork; the executions count over all of
# them). Fork mode ignores timeouts and OOMs by default: here they stop the run, as crashes do.
FUZZ_PAR = $(if $(FUZZ_FORK),-fork=$(FUZZ_FORK) -ignore_timeouts=0 -ignore_ooms=0 -ignore_crashes=0)
# Inputs as long as the engine accepts: expressions up to 100,000 bytes; an answer (10,000) plus an
# earlier answer for the checker; notebooks and progress records of a realistic size.
FUZZ_MAX_LEN_expr := 100000
FUZZ_MAX_LEN_check := 20100
FUZZ_MAX_LEN_notebook := 4096
FUZZ_MAX_LEN_progress := 65536
FUZZ_FLAGS = -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=$(FUZZ)/artifacts/$$t- \
  -max_len=$$(case $$t in expr) echo $(FUZZ_MAX_LEN_expr);; check) echo $(FUZZ_MAX_LEN_check);; \
  notebook) echo $(FUZZ_MAX_LEN_notebook);; *) echo $(FUZZ_MAX_LEN_progress);; esac)
APT_PACKAGES := cmake ninja-build g++ make emscripten clang-14 clang-format-14 libclang-rt-14-dev libeigen3-dev catch2 chromium
STAMP := build/.stamps

.PHONY: test-types all deps native native-cli wasm wasm-engine site course-site offline package scorm serve test test-native test-wasm test-node test-site test-browser test-cli lint screenshots \
        sanitize test-sanitize fuzz-build fuzz test-fuzz bench format clean

all: native wasm site

# ---- set-up (idempotent: installs only what is missing) -----------------------------------------
deps: $(STAMP)/apt $(STAMP)/npm

$(STAMP)/apt:
	@mkdir -p $(STAMP)
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@touch $@

$(STAMP)/npm: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# ---- builds -------------------------------------------------------------------------------------
# Every tree is a Ninja tree: the same three trees built with CMake's Makefile generator took 40% more
# CPU (g++ tree: 166 CPU-s against 119). A tree left by another generator is configured afresh.
CMAKE_GEN := -G Ninja
fresh = grep -qs '^CMAKE_GENERATOR:INTERNAL=Ninja$$' $(1)/CMakeCache.txt || rm -rf $(1)
# The C++ trees need only the system packages (emcc finds acorn in Debian's node modules), so that
# `make -j` compiles while npm installs.
# `native-cli` and `wasm-engine` build only what the product needs (the CLI; the two engine modules),
# `native` and `wasm` then the rest of their tree (the Catch2 suite): `make test` starts the browser
# tests, which need only the former, while the suites still compile. The second step of a tree always
# waits for its first (two builds of one tree at once would share Ninja's files).
native-cli: $(STAMP)/apt
	@$(call fresh,$(NATIVE))
	@cmake $(CMAKE_GEN) -S . -B $(NATIVE) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(NATIVE) -j $(JOBS) --target kllab

native: native-cli
	@cmake --build $(NATIVE) -j $(JOBS)

# Configured on every build, like native (under a second): a changed flag or option always reaches an
# existing build folder (cmake --build also regenerates when CMakeLists.txt changes).
wasm-engine: $(STAMP)/apt
	@$(call fresh,$(WASM))
	@out=$$(emcmake cmake $(CMAKE_GEN) -S . -B $(WASM) -DCMAKE_BUILD_TYPE=Release 2>&1) || { echo "$$out"; exit 1; }
	@cmake --build $(WASM) -j $(JOBS) --target kllab_web kllab_node

wasm: wasm-engine
	@cmake --build $(WASM) -j $(JOBS)

site: wasm-engine deps
	@$(NODE) site/tools/build.mjs

# CORS=1: also send Access-Control-Allow-Origin: * (a page on another origin embeds from this one)
serve: site
	@$(NODE) site/tools/serve.mjs --port $(PORT) $(if $(filter 1 yes true,$(CORS)),--cors)

# One self-contained HTML file per notebook (engine, wasm, runtime, CSS and notebook inside), for
# file:// with no network. The site build writes them (the pages link to them); this lists them.
offline: site
	@$(NODE) site/tools/offline.mjs

# NOTEBOOKS=dir: `make package` and `make scorm` carry that folder's notebooks (a course's own) instead
# of site/notebooks; their site is built into build/course-site.
COURSE_SITE := build/course-site
ifneq ($(NOTEBOOKS),)
SITE_FOR := course-site
else
SITE_FOR := site
endif

course-site: wasm-engine deps
	@KLLAB_NOTEBOOKS="$(abspath $(NOTEBOOKS))" KLLAB_DIST="$(abspath $(COURSE_SITE))" $(NODE) site/tools/build.mjs

# The npm package (JS API + engine + embed + the course's embed data) → build/kllab-<version>.tgz
package: $(SITE_FOR)
	@$(NODE) site/tools/package.mjs $(if $(NOTEBOOKS),--dist $(COURSE_SITE))
	@cd build/package && npm pack --pack-destination .. --loglevel=error | tail -n 1 | sed 's|^|build/|'

# SCORM 2004 and 1.2 packages per notebook → build/scorm/<notebook>-scorm2004.zip, -scorm12.zip
# (MASTERY=0.8: the passing mark in the manifests; "none" for none)
scorm: $(SITE_FOR)
	@$(NODE) site/tools/scorm.mjs $(if $(NOTEBOOKS),--dist $(COURSE_SITE))

# Screenshots of every page at desktop and phone width, light and dark, for people to look at
# (build/screenshots/); the tests take none.
screenshots: site
	@node site/tools/screenshots.mjs

# ---- tests --------------------------------------------------------------------------------------
# One make, two jobs at a time (-j $(JOBS)), each layer's output printed whole when it ends
# (--output-sync). The order is the critical path first: lint (it fails fast), then the browser tests'
# chain (the engine modules, the site, the packages; the Chromium tests themselves take the longest
# and use under two cores, so they start as soon as what they load is built and the suites' compiles
# fill the rest), then the sanitized tree (the longest compile, with the sanitized suite and the fuzzers
# behind it), then the rest. Every layer runs; none is skipped.
test:
	@$(MAKE) --no-print-directory -j $(JOBS) --output-sync=target lint test-browser test-sanitize test-fuzz \
	  test-types test-node test-site test-cli test-wasm test-native

# eslint over the project's JavaScript (eslint.config.mjs) and clang-format over its C++ (.clang-format):
# any error, or any file that `make format` would change, fails.
CPP_SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null || find engine bindings tests bench -name '*.[ch]pp')
lint: deps
	@echo "== eslint"
	@node_modules/.bin/eslint --max-warnings 0 .
	@echo "== clang-format (make format fixes what it reports)"
	@clang-format-14 --dry-run -Werror $(CPP_SOURCES)

test-native: native
	@echo "== native Catch2 suite"
	@$(NATIVE)/engine_tests --order rand --rng-seed 1 --use-colour no

# One clang-14 tree with ASan + UBSan (CMakeLists.txt, KL_SANITIZE) builds both the sanitized Catch2
# suite and the libFuzzer targets: the engine is compiled once for both. A tree configured with
# another compiler (an older g++ sanitize tree) is rebuilt from scratch.
sanitize: $(STAMP)/apt
	@grep -qs 'CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14' $(SANITIZE)/CMakeCache.txt || rm -rf $(SANITIZE)
	@$(call fresh,$(SANITIZE))
	@cmake $(CMAKE_GEN) -S . -B $(SANITIZE) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKL_SANITIZE=ON -DCMAKE_CXX_COMPILER=clang++-14 > /dev/null
	@cmake --build $(SANITIZE) -j $(JOBS) --target engine_tests $(addprefix fuzz_,$(FUZZ_TARGETS))

# The native suite again under AddressSanitizer + UndefinedBehaviorSanitizer (zero reports allowed).
test-sanitize: sanitize
	@echo "== native Catch2 suite under ASan + UBSan (clang-14)"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(SANITIZE)/engine_tests --order rand --rng-seed 1 --use-colour no

# libFuzzer targets: `make fuzz` runs each for FUZZ_RUNS executions (or FUZZ_SECONDS); `make test`
# replays the committed corpus and runs each briefly. New inputs go to build/fuzz/corpus-*, crashes
# to build/fuzz/artifacts, the whole log of a `make fuzz` run to build/fuzz/fuzz_<target>.log.
fuzz-build: sanitize

fuzz: sanitize
	@mkdir -p $(FUZZ)/artifacts
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ)/corpus-$$t; echo "== fuzz_$$t"; \
	  $(SANITIZE)/fuzz_$$t $(FUZZ_LIMIT) $(FUZZ_PAR) $(FUZZ_FLAGS) $(FUZZ)/corpus-$$t tests/fuzz/corpus/$$t 2>&1 | \
	    tee $(FUZZ)/fuzz_$$t.log | grep -E "stat::|ERROR|SUMMARY|Done|INFO: -max_len|INFO: fuzzed for|INFO: exiting" ; \
	  [ $${PIPESTATUS[0]} -eq 0 ] || exit 1; done

# One target per fuzzer, so that `make test` runs two at a time.
test-fuzz: $(addprefix test-fuzz-,$(FUZZ_TARGETS))

test-fuzz-%: sanitize
	@mkdir -p $(FUZZ)/artifacts $(FUZZ)/corpus-$*
	@echo "== fuzz_$*: corpus replay and a $(FUZZ_TEST_SECONDS) s run"
	@t=$*; $(SANITIZE)/fuzz_$$t -max_total_time=$(FUZZ_TEST_SECONDS) $(FUZZ_FLAGS) $(FUZZ)/corpus-$$t tests/fuzz/corpus/$$t 2>&1 | \
	    grep -E "stat::number_of_executed_units|ERROR|SUMMARY" ; \
	  [ $${PIPESTATUS[0]} -eq 0 ]

# kllab.d.ts type-checked against kllab.mjs (TypeScript, no emit).
test-types: deps
	@echo "== JS API types (kllab.d.ts against kllab.mjs)"
	@npx --no-install tsc -p tests/types

test-cli: native-cli deps
	@echo "== CLI tests"
	@$(NODE) --test tests/cli/

test-wasm: wasm
	@echo "== the same Catch2 suite in wasm (node)"
	@$(NODE) $(WASM)/engine_tests.cjs --order rand --rng-seed 1 --use-colour no

test-node: wasm-engine deps
	@echo "== node tests of the wasm module"
	@$(NODE) --test tests/node/

# node unit tests of the site's JavaScript (tests/site: the engine client, progress storage, rendering, views)
test-site: wasm-engine deps
	@echo "== node tests of the site's JavaScript"
	@$(NODE) --test tests/site/

test-browser: wasm-engine native-cli site package scorm deps
	@echo "== browser tests (Chromium)"
	@# plain node: playwright-core needs the global fetch/Headers (the engine's node flavour inlines its wasm)
	@node --test --test-concurrency=2 tests/browser/

# BENCH_QUICK=1 for a smoke run; see bench/README.md. Report only: never part of `make test`.
# The kernels four ways (bench/README.md): g++ (build/native), clang++-14 with the wasm build's
# per-file levels (build/native-clang, the fair reference), node and Chromium (build/wasm).
bench: native wasm site deps
	@$(call fresh,build/native-clang)
	@cmake $(CMAKE_GEN) -S . -B build/native-clang -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DKL_MIRROR_WASM=ON > /dev/null
	@cmake --build $(NATIVE) --target bench_kernels -j $(JOBS)
	@cmake --build build/native-clang --target bench_kernels -j $(JOBS)
	@cmake --build $(WASM) --target bench_kernels bench_kernels_web -j $(JOBS)
	@# plain node: playwright-core needs the global fetch; the wasm children get --no-experimental-fetch
	@node bench/run.mjs

format:
	@clang-format-14 -i $(CPP_SOURCES)

clean:
	rm -rf build site/dist
