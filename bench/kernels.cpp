// KL Lab benchmarks: the engine kernels, written once and built four ways (bench/README.md):
//   native, clang  build/native-clang/bench_kernels        (clang++-14, the wasm build's per-file flags)
//   native, g++    build/native/bench_kernels              (g++, the native product's flags)
//   wasm in node   build/wasm/bench_kernels_node.cjs       (CommonJS, wasm inlined; bench/kernels-node.mjs drives it)
//   wasm in Chrome build/wasm/bench_kernels_web.mjs + .wasm (ES6 module; bench/web/kernels.mjs)
// The wasm flavours expose embind runKernel(name, reps, warm); the native ones answer the same
// commands on stdin (--serve).
// Every kernel calls the engine's public C++ API only, times each repetition with steady_clock
// (performance.now() in wasm) and returns a checksum so that native and wasm can be compared bit for
// bit (they must agree: -ffp-contract=off and the engine's own math).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/json.hpp"
#include "kl/notebook.hpp"
#include "kl/numerics.hpp"

#if defined(__EMSCRIPTEN__) || defined(__GLIBC__)
#include <malloc.h>
#endif

#ifdef KL_BENCH_EMBIND
#include <emscripten/bind.h>
#endif

namespace {

// ---- inputs handed over by the driver -----------------------------------------------------------

std::vector<std::pair<std::string, std::string>> g_notebooks;  // (file name, text)
std::vector<std::string> g_answers;                            // learner answers, one per line

struct CheckCase {
  std::size_t notebook;  // index into g_checkers
  std::string part;
  std::string answer;
  std::uint64_t seed;
  std::string expect;  // "right", "wrong" or "malformed" (by construction)
};
std::vector<kl::Checker> g_checkers;
std::vector<std::string> g_checker_ids;
std::vector<CheckCase> g_checks;

std::string g_error;  // set when the set-up fails

void add_notebook(const std::string& file, const std::string& text) { g_notebooks.emplace_back(file, text); }

void set_answers(const std::string& text) {
  g_answers.clear();
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty()) g_answers.push_back(line);
  }
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

volatile double g_sink = 0.0;  // keeps results alive

// ---- deterministic inputs -----------------------------------------------------------------------

kl::Vec randn_vec(long n, std::uint64_t seed) {
  kl::Rng rng(seed);
  kl::Vec v(n);
  for (long i = 0; i < n; ++i) v[i] = rng.normal();
  return v;
}

kl::Mat spd(int d, std::uint64_t seed) {
  kl::Rng rng(seed);
  kl::Mat a(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) a(i, j) = rng.normal() / std::sqrt(static_cast<double>(d));
  kl::Mat s = a * a.transpose();
  for (int i = 0; i < d; ++i) s(i, i) += 1.0;
  return s;
}

// ---- the check list: right, wrong and malformed answers over every part of every notebook -------

std::string fmt(const kl::Value& v) { return kl::format_value(v); }

void build_checks(std::size_t target) {
  g_checks.clear();
  std::vector<CheckCase> right, wrong, bad;
  const char* malformed[] = {"0.5*(",     "[0.1, 0.2", "kl(p,",   "ln(-1)", "abc",
                             "1/0",       "0.3.4",     "[1, 2]]", "sqrt(",  "kl([0.5, 0.5], [0.7])",
                             "softmax()", "2 ** ** 3", "#",       "e^^2",   "0,5"};
  for (std::size_t n = 0; n < g_checkers.size(); ++n) {
    const kl::Checker& c = g_checkers[n];
    for (const auto& ex : c.notebook().exercises) {
      for (const auto& part : ex.parts) {
        for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{7}}) {
          if (part.kind == kl::AnswerKind::Choice) {
            for (std::size_t i = 0; i < part.choices.size(); ++i) {
              (part.choices[i].correct ? right : wrong)
                  .push_back({n, part.id, std::to_string(i + 1), seed, part.choices[i].correct ? "right" : "wrong"});
            }
            bad.push_back({n, part.id, "0", seed, "malformed"});
            continue;
          }
          auto ref = c.reference(part.id, seed);
          if (!ref.ok()) continue;
          right.push_back({n, part.id, fmt(*ref), seed, "right"});
          if (part.kind != kl::AnswerKind::Expression) {
            auto expr = c.reference_expression(part.id);
            if (expr.ok() && seed == 0) right.push_back({n, part.id, *expr, seed, "right"});
          }
          if (ref->is_number()) {
            right.push_back({n, part.id, kl::format_value_short(*ref, 4), seed, "right"});
            wrong.push_back({n, part.id, kl::format_number(ref->number() * 1.37 + 0.01, 6), seed, "wrong"});
          }
          auto lib = c.library_mistakes(part.id, seed);
          if (lib.ok()) {
            for (const auto& m : *lib) wrong.push_back({n, part.id, fmt(m.value), seed, "wrong"});
          }
          auto au = c.author_mistakes(part.id, seed);
          if (au.ok()) {
            for (const auto& m : *au) wrong.push_back({n, part.id, fmt(m.value), seed, "wrong"});
          }
          for (const char* m : malformed) {
            if ((std::hash<std::string>{}(part.id + m) % 4) == 0) bad.push_back({n, part.id, m, seed, "malformed"});
          }
        }
      }
    }
  }
  // 40 % right, 40 % wrong, 20 % malformed, cycling through each pool in order.
  std::size_t ir = 0, iw = 0, ib = 0;
  for (std::size_t i = 0; g_checks.size() < target; ++i) {
    const std::size_t k = i % 5;
    if (k < 2 && !right.empty()) g_checks.push_back(right[ir++ % right.size()]);
    else if (k < 4 && !wrong.empty()) g_checks.push_back(wrong[iw++ % wrong.size()]);
    else if (!bad.empty()) g_checks.push_back(bad[ib++ % bad.size()]);
  }
}

std::size_t g_check_count = 10000;

bool load_checkers() {
  if (!g_checkers.empty()) return true;
  for (const auto& [file, text] : g_notebooks) {
    kl::ParseReport r = kl::parse_notebook(text, file);
    if (!r.errors.empty()) {
      g_error = file + ":" + std::to_string(r.errors[0].line) + ": " + r.errors[0].message;
      return false;
    }
    auto c = kl::Checker::create(r.notebook);
    if (!c.ok()) {
      g_error = file + ": " + c.error().message;
      return false;
    }
    g_checker_ids.push_back(r.notebook.id);
    g_checkers.push_back(std::move(c).value());
  }
  build_checks(g_check_count);
  return true;
}

// ---- kernels: each returns a checksum; `inner` repeats the work inside one timed repetition -------

struct Kernel {
  const char* name;
  const char* what;
  int inner;
  std::function<double()> run;
};

double k_mc() {
  auto r = kl::mc_kl_gauss(0.0, 1.0, 1.0, 2.0, 1000000, 42);
  return r.ok() ? r->value : -1.0;
}

// Per-step KLs of the DDPM bound, T = 1000 (linear schedule), for 1000 data points: the per-step
// coefficients come from the library once per step (q_posterior_var/mean, eps_to_mean, alpha_bar),
// then each (point, step) term is kl_gauss(mu_q, var, mu_theta, var) with a perturbed noise guess.
struct DdpmData {
  kl::Vec x0, eps, eps_th, betas, abar;
};
const DdpmData& ddpm_data() {
  static DdpmData d = [] {
    DdpmData x;
    x.x0 = randn_vec(1000, 1);
    x.eps = randn_vec(1000, 2);
    x.eps_th = x.eps + 0.1 * randn_vec(1000, 3);
    x.betas = kl::linear_betas(1000, 1e-4, 0.02).value();
    x.abar = kl::alpha_bar(x.betas).value();
    return x;
  }();
  return d;
}
double k_ddpm() {
  const DdpmData& d = ddpm_data();
  const int T = static_cast<int>(d.betas.size());
  double total = 0.0;
  for (int t = 2; t <= T; ++t) {
    const double var = kl::q_posterior_var(d.betas, t).value();
    const double c0 = kl::q_posterior_mean(d.betas, t, 1.0, 0.0).value();
    const double ct = kl::q_posterior_mean(d.betas, t, 0.0, 1.0).value();
    const double mx = kl::eps_to_mean(d.betas, t, 1.0, 0.0).value();
    const double me = kl::eps_to_mean(d.betas, t, 0.0, 1.0).value();
    const double sa = std::sqrt(d.abar[t - 1]), sb = std::sqrt(1.0 - d.abar[t - 1]);
    for (Eigen::Index i = 0; i < d.x0.size(); ++i) {
      const double xt = sa * d.x0[i] + sb * d.eps[i];
      const double mu_q = c0 * d.x0[i] + ct * xt;
      const double mu_th = mx * xt + me * d.eps_th[i];
      total += kl::kl_gauss(mu_q, var, mu_th, var).value();
    }
  }
  return total;
}

double k_softmax_kl() {
  static const kl::Vec z1 = randn_vec(100000, 11), z2 = randn_vec(100000, 12);
  auto p = kl::softmax(z1);
  auto q = kl::softmax(z2);
  auto r = kl::kl_divergence(*p, *q);
  return r.ok() ? *r : -1.0;
}

double k_kl_mvn() {
  static const kl::Vec m1 = randn_vec(64, 21), m2 = randn_vec(64, 22);
  static const kl::Mat s1 = spd(64, 23), s2 = spd(64, 24);
  auto r = kl::kl_mvn(m1, s1, m2, s2);
  return r.ok() ? *r : -1.0;
}

double k_parse_eval() {
  double sum = 0.0;
  for (const auto& a : g_answers) {
    kl::Environment env;
    auto r = kl::evaluate_text(a, env);
    if (!r.ok()) sum += 1e-3;
    else if (r->is_number() && std::isfinite(r->number())) sum += r->number();
    else if (r->is_vector()) sum += r->vector().sum();
  }
  return sum;
}

double k_check() {
  double score = 0.0;
  for (const auto& c : g_checks) score += g_checkers[c.notebook].check(c.part, c.answer, c.seed).score;
  return score;
}

double k_load() {
  double n = 0;
  for (const auto& [file, text] : g_notebooks) {
    kl::ParseReport r = kl::parse_notebook(text, file);
    auto c = kl::Checker::create(r.notebook);
    n += static_cast<double>(r.notebook.cells.size()) + (c.ok() ? 1 : 0);
  }
  return n;
}

double k_eval_small() {
  kl::Environment env;
  auto r = kl::evaluate_text("kl([0.5, 0.5], [0.7, 0.3])", env);
  return r.ok() ? r->number() : -1.0;
}

const std::vector<Kernel>& kernels() {
  static const std::vector<Kernel> k = {
      {"mc_kl", "Monte Carlo KL(N(0,1) || N(1,2)), 10^6 draws (kl::mc_kl_gauss)", 1, k_mc},
      {"ddpm", "DDPM per-step KLs, T = 1000 linear schedule, 10^3 data points (kl_gauss per term)", 1, k_ddpm},
      {"softmax_kl", "softmax of two 10^5-logit vectors and their KL", 1, k_softmax_kl},
      {"kl_mvn64", "kl_mvn in dimension 64 (full covariances), x100 per repetition", 100, k_kl_mvn},
      {"parse_eval", "parse + evaluate 10^4 learner answers (evaluate_text, fresh scope each)", 1, k_parse_eval},
      {"check", "check 10^4 answers over all notebook parts (40% right, 40% wrong, 20% malformed), mistake library on", 1, k_check},
      {"load_notebooks", "parse all notebooks and build their Checkers (authored environments)", 1, k_load},
      {"eval_small", "evaluate_text(\"kl([0.5, 0.5], [0.7, 0.3])\") x10^4 (per-call engine cost)", 10000, k_eval_small},
  };
  return k;
}

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::size_t heap_in_use() {
#if defined(__EMSCRIPTEN__)
  return static_cast<std::size_t>(mallinfo().uordblks);
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

std::size_t wasm_memory_bytes() {
#if defined(__EMSCRIPTEN__)
  return __builtin_wasm_memory_size(0) * 65536;
#else
  return 0;
#endif
}

}  // namespace

/// Runs one kernel `warm` times untimed, then `reps` times timed, and returns a JSON object. The
/// driver interleaves the flavours (native, node, Chromium) by calling this with reps = 1 per round.
/// The checksum is the first run's ever; "deterministic" turns false if any later run differs.
std::string run_kernel(const std::string& name, int reps, int warm) {
  static std::map<std::string, double> first_checksum;
  static std::map<std::string, bool> deterministic;
  const bool needs_notebooks = name == "check" || name == "load_notebooks";
  if (needs_notebooks && !load_checkers()) return "{\"name\": \"" + name + "\", \"error\": " + kl::json::quote(g_error) + "}";
  if (name == "parse_eval" && g_answers.empty()) return "{\"name\": \"parse_eval\", \"error\": \"no answers given\"}";
  if (name == "check" && g_checks.empty()) return "{\"name\": \"check\", \"error\": \"no checks built\"}";
  for (const auto& k : kernels()) {
    if (name != k.name) continue;
    auto note = [&](double s) {
      auto it = first_checksum.find(name);
      if (it == first_checksum.end()) {
        first_checksum[name] = s;
        deterministic[name] = true;
      } else if (!(s == it->second)) {
        deterministic[name] = false;  // a kernel must give the same result every time
      }
    };
    for (int w = 0; w < warm; ++w) {
      double s = 0.0;
      for (int i = 0; i < k.inner; ++i) s += k.run();
      note(s);
    }
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(reps));
    const std::size_t heap0 = heap_in_use();
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      double s = 0.0;
      for (int i = 0; i < k.inner; ++i) s += k.run();
      ms.push_back(ms_since(t0));
      g_sink = g_sink + s;
      note(s);
    }
    const std::size_t heap1 = heap_in_use();
    const double checksum = first_checksum.count(name) ? first_checksum[name] : std::nan("");
    std::string out = "{\"name\": \"" + std::string(k.name) + "\", \"what\": " + kl::json::quote(k.what) +
                      ", \"inner\": " + std::to_string(k.inner) + ", \"checksum\": " + num(checksum) +
                      ", \"deterministic\": " + (deterministic[name] ? "true" : "false") + ", \"ms\": [";
    for (std::size_t i = 0; i < ms.size(); ++i) out += (i ? ", " : "") + num(ms[i]);
    out += "], \"heap_in_use_before\": " + std::to_string(heap0) + ", \"heap_in_use_after\": " + std::to_string(heap1);
    out += ", \"wasm_memory\": " + std::to_string(wasm_memory_bytes());
    static bool verdicts_done = false;
    if (name == "check" && !verdicts_done) {
      verdicts_done = true;
      std::map<std::string, int> verdicts;
      for (const auto& c : g_checks) verdicts[kl::verdict_name(g_checkers[c.notebook].check(c.part, c.answer, c.seed).kind)]++;
      out += ", \"verdicts\": {";
      bool first = true;
      for (const auto& [v, n] : verdicts) {
        out += (first ? "" : ", ") + kl::json::quote(v) + ": " + std::to_string(n);
        first = false;
      }
      out += "}";
    }
    return out + "}";
  }
  return "{\"name\": " + kl::json::quote(name) + ", \"error\": \"unknown kernel\"}";
}

/// The kernel names, comma separated.
std::string kernel_names() {
  std::string s;
  for (const auto& k : kernels()) s += (s.empty() ? "" : ",") + std::string(k.name);
  return s;
}

/// The check list as JSON lines-in-an-array (for the browser's page-level check benchmark).
std::string checks_json() {
  if (!load_checkers()) return "{\"error\": " + kl::json::quote(g_error) + "}";
  std::string out = "[";
  for (std::size_t i = 0; i < g_checks.size(); ++i) {
    const auto& c = g_checks[i];
    out += (i ? ",\n" : "") + std::string("{\"notebook\": ") + kl::json::quote(g_checker_ids[c.notebook]) +
           ", \"part\": " + kl::json::quote(c.part) + ", \"answer\": " + kl::json::quote(c.answer) +
           ", \"seed\": " + std::to_string(c.seed) + ", \"expect\": \"" + c.expect + "\"}";
  }
  return out + "]";
}

#ifdef KL_BENCH_EMBIND
// ---- Chromium flavour: embind functions driven by bench/web/kernels.html ---------------------------
int noop(int x) { return x + 1; }
double heap_bytes() { return static_cast<double>(wasm_memory_bytes()); }
EMSCRIPTEN_BINDINGS(kl_bench) {
  emscripten::function("addNotebook", &add_notebook);
  emscripten::function("setAnswers", &set_answers);
  emscripten::function("runKernel", &run_kernel);
  emscripten::function("checksJson", &checks_json);
  emscripten::function("kernelNames", &kernel_names);
  emscripten::function("noop", &noop);
  emscripten::function("memoryBytes", &heap_bytes);
}
#else
// ---- native and node flavour: bench_kernels --notebooks A.md B.md --answers FILE [--reps N] [--kernels a,b]
//      [--dump-checks] ; prints one JSON object.
namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

int main(int argc, char** argv) {
  int reps = 10;
  std::string only;
  bool dump_checks = false;
  bool serve = false;
  std::map<std::string, int> reps_for;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--kernels" && i + 1 < argc) only = argv[++i];
    else if (a == "--answers" && i + 1 < argc) set_answers(read_file(argv[++i]));
    else if (a == "--dump-checks") dump_checks = true;
    else if (a == "--serve") serve = true;
    else if (a == "--checks" && i + 1 < argc) g_check_count = static_cast<std::size_t>(std::atol(argv[++i]));  // profiling
    else if (a == "--notebooks") {
      while (i + 1 < argc && argv[i + 1][0] != '-') {
        std::string p = argv[++i];
        add_notebook(p.substr(p.find_last_of('/') + 1), read_file(p));
      }
    } else if (a.rfind("--reps-", 0) == 0 && i + 1 < argc) {
      reps_for[a.substr(7)] = std::atoi(argv[++i]);
    }
  }
  if (dump_checks) {
    std::printf("%s\n", checks_json().c_str());
    return 0;
  }
  if (serve) {
    // One command per line, "NAME REPS WARM", one JSON object per line in reply (bench/run.mjs
    // interleaves this process with the node and Chromium flavours); "quit" or end of input stops.
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream cmd(line);
      std::string name;
      int r = 1, w = 0;
      cmd >> name >> r >> w;
      if (name == "quit") break;
      if (name.empty()) continue;
      std::printf("%s\n", run_kernel(name, r, w).c_str());
      std::fflush(stdout);
    }
    return 0;
  }
  std::string names = only.empty() ? kernel_names() : only;
  std::printf("{\"kernels\": [");
  bool first = true;
  std::stringstream ss(names);
  std::string name;
  while (std::getline(ss, name, ',')) {
    const int n = reps_for.count(name) ? reps_for[name] : reps;
    std::printf("%s%s", first ? "\n" : ",\n", run_kernel(name, n, 1).c_str());
    std::fflush(stdout);
    first = false;
  }
  std::printf("\n]}\n");
  return 0;
}
#endif
