// The Catch2 runner for the engine suite, natively and in wasm under node.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
