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
APT_PACKAGES := cmake g++ make emscripten libeigen3-dev catch2 chromium
STAMP := build/.stamps

.PHONY: all deps native wasm site serve test test-native test-wasm test-node test-browser test-cli \
        bench format clean

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
native: deps
	@cmake -S . -B $(NATIVE) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(NATIVE) -j $(JOBS)

wasm: deps
	@[ -f $(WASM)/CMakeCache.txt ] || emcmake cmake -S . -B $(WASM) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(WASM) -j $(JOBS)

site: wasm
	@$(NODE) site/tools/build.mjs

serve: site
	@$(NODE) site/tools/serve.mjs --port $(PORT)

# ---- tests --------------------------------------------------------------------------------------
test: test-native test-cli test-wasm test-node test-browser

test-native: native
	@echo "== native Catch2 suite"
	@$(NATIVE)/engine_tests --order rand --rng-seed 1 --use-colour no

test-cli: native
	@echo "== CLI tests"
	@$(NODE) --test tests/cli/

test-wasm: wasm
	@echo "== the same Catch2 suite in wasm (node)"
	@$(NODE) $(WASM)/engine_tests.cjs --order rand --rng-seed 1 --use-colour no

test-node: wasm
	@echo "== node tests of the wasm module"
	@$(NODE) --test tests/node/

test-browser: site
	@echo "== browser tests (Chromium)"
	@if ls tests/browser/*.test.mjs > /dev/null 2>&1; then $(NODE) --test tests/browser/; else echo "no browser tests yet"; fi

bench: native wasm
	@$(NODE) bench/run.mjs

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build site/dist
