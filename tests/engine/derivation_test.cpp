// Derivation parts: the author's steps accepted in every variant, each declared mistake named at its
// step, error carried forward from a learner's own wrong step, constants, malformed steps invalid
// with a column, partial answers, the file:line errors of malformed derivations, and the validation
// of claims and of answers given away on the page. Also every derivation part of the course.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "kl/check.hpp"
#include "kl/notebook.hpp"
#include "kl/session.hpp"
#include "sweep.hpp"

namespace fs = std::filesystem;

namespace {

using kltest::read;

kl::Checker checker_for(const kl::ParseReport& r) {
  auto c = kl::Checker::create(r.notebook);
  REQUIRE(c.ok());
  return std::move(c).value();
}

const std::string kFixture = std::string(KL_SOURCE_DIR) + "/tests/fixtures/notebooks/derivation.md";

kl::ParseReport fixture() {
  auto r = kl::parse_notebook(read(kFixture), kFixture);
  REQUIRE(r.errors.empty());
  return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The three steps of g1, written out as a learner would.
const std::string kS1 = "-0.5*ln(2*pi*v1) - (x - m1)^2/(2*v1)";
const std::string kS2 = "0.5*ln(v2/v1) - (x - m1)^2/(2*v1) + (x - m2)^2/(2*v2)";
const std::string kS3 = "0.5*ln(v2/v1) + (v1 + (m1 - m2)^2)/(2*v2) - 0.5";

std::string lines(std::initializer_list<std::string> steps) {
  std::string out;
  for (const auto& s : steps) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<kl::VerdictKind> kinds(const kl::Verdict& v) {
  std::vector<kl::VerdictKind> out;
  for (const auto& s : v.steps) out.push_back(v.kind == kl::VerdictKind::Invalid && s.kind == kl::VerdictKind::Invalid ? s.kind : s.kind);
  return out;
}

using K = kl::VerdictKind;

// Error messages of a notebook's validation, as "line: message".
std::vector<std::string> problems(const std::string& text) {
  const auto report = kl::parse_notebook(text, "t.md");
  std::vector<std::string> out;
  for (const auto& e : kl::validate(report, 20)) out.push_back(std::to_string(e.line) + ": " + e.message);
  return out;
}

bool any_contains(const std::vector<std::string>& list, const std::string& phrase) {
  for (const auto& s : list)
    if (contains(s, phrase)) return true;
  return false;
}

}  // namespace

TEST_CASE("derivation: the author's steps are accepted, written out or as the reference text, in every variant", "[derivation]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  CHECK(kl::validate(r, kltest::kVariants).empty());
  for (const std::string part : {"g1", "g2", "g3"}) {
    auto ref = c.reference_expression(part);
    REQUIRE(ref.ok());
    for (std::uint64_t seed = 0; seed <= static_cast<std::uint64_t>(kltest::kVariants); ++seed) {
      const kl::Verdict v = c.check(part, ref.value(), seed);
      INFO(part << " seed " << seed << ": " << v.feedback);
      CHECK(v.kind == K::Correct);
      CHECK(v.score == 1.0);
      CHECK(v.steps.size() == r.notebook.part(part).second->steps.size());
    }
  }
  const kl::Verdict written = c.check("g1", lines({kS1, kS2, kS3}));
  CHECK(written.kind == K::Correct);
  CHECK(kinds(written) == std::vector<K>{K::Correct, K::Correct, K::Correct});
  // ';' separates steps too (handy on a command line).
  CHECK(c.check("g1", kS1 + "; " + kS2 + "; " + kS3).kind == K::Correct);
  // Numbers are fine where a step has no variables; a variant's numbers differ.
  CHECK(c.check("g2", "2.414213562; 4.828427125; [2.414213562, 4.828427125]").kind == K::Correct);
  bool some_variant_differs = false;
  for (std::uint64_t seed = 1; seed <= 20; ++seed)
    some_variant_differs =
        some_variant_differs || c.check("g2", "2.414213562; 4.828427125; [2.414213562, 4.828427125]", seed).kind != K::Correct;
  CHECK(some_variant_differs);
}

TEST_CASE("derivation: a step that is a number may be typed rounded, with 3 significant digits or more", "[derivation]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  // g2's steps are 1 + sqrt(2), twice that, and the vector of both (variant 0).
  CHECK(c.check("g2", "2.41; 4.83; [2.41, 4.83]").kind == K::Correct);
  CHECK(c.check("g2", "2.414; -(-4.828); [2.4142, 4.8284]").kind == K::Correct);
  kl::Verdict v = c.check("g2", "2.4; 4.83; [2.41, 4.83]");
  CHECK(v.steps[0].kind == K::Incorrect);
  CHECK(contains(v.steps[0].feedback, "at least 3 significant figures"));
  v = c.check("g2", "2.42; 4.84; [2.42, 4.84]");  // rounded wrongly: off by more than the last digit
  CHECK(v.steps[0].kind == K::Incorrect);
  CHECK_FALSE(contains(v.steps[0].feedback, "significant"));
  v = c.check("g2", "2.41; 4.83; [2.41, 4.85]");
  CHECK(v.steps[2].wrong_components == std::vector<int>{2});
  // A step that depends on the variables is a formula: no number can be it, however many digits.
  v = c.check("g1", lines({"-1.5", kS2, kS3}));
  CHECK(v.steps[0].kind == K::Incorrect);
}

TEST_CASE("derivation: a typed number is judged by its distance, in the radii of the one tolerance model", "[derivation][tolerance]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  // g2's first step is 1 + sqrt(2) = 2.41421356 in variant 0: 2.41 is right, so every number closer
  // to it is too, however many digits it has (the old typed-digits rule said no to 2.41425).
  for (const std::string closer : {"2.41425", "2.4142", "2.414", "2.4138", "2.41421", "2.414213", "2.4146", "2.41 + 0.004"}) {
    const kl::Verdict v = c.check("g2", closer + "; 4.83; [2.41, 4.83]");
    INFO(closer << ": " << v.steps[0].feedback);
    CHECK(v.steps[0].kind == K::Correct);
  }
  // Beyond half a unit in the third significant digit (0.005), wrong, with or without more digits.
  for (const std::string farther : {"2.4193", "2.40915", "2.42", "2.4"}) {
    const kl::Verdict v = c.check("g2", farther + "; 4.83; [2.41, 4.83]");
    INFO(farther << ": " << v.steps[0].feedback);
    CHECK(v.steps[0].kind == K::Incorrect);
  }
  // A rounded number is recognised as an anticipated mistake too (g2 step 3: the entries swapped)...
  kl::Verdict v = c.check("g2", "2.41; 4.83; [4.83, 2.41]");
  CHECK(v.steps[2].mistake == "author:1");
  // ...and as the right step from a wrong earlier one: 2 × 2.5 typed as 5.001.
  v = c.check("g2", "2.5; 5.001; [2.5, 5.0]");
  CHECK(kinds(v) == std::vector<K>{K::Incorrect, K::CorrectGivenEarlier, K::CorrectGivenEarlier});
}

namespace {

// Half a unit in the third significant digit of r: the default radius. A step's own radii are this
// times a power of ten common to its entries (more digits where a mistake needs them), so the order
// of answers by their distance in these radii is the order in the step's own.
double radius3(double r) {
  const double a = std::fabs(r);
  if (!(a > 0)) return 1e-12;
  // The decade of a, exact at powers of ten: 0.09999999999999998 (0.3 - 0.2) is below 0.1.
  auto pow10 = [](int k) { return std::strtod(("1e" + std::to_string(k)).c_str(), nullptr); };
  int e = static_cast<int>(std::floor(std::log10(a)));
  while (pow10(e) > a) --e;
  while (pow10(e + 1) <= a) ++e;
  return std::max(0.5 * pow10(e - 2), 1e-12);
}

std::string printf_string(const char* format, int digits, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, digits, x);
  return buf;
}

std::string vector_text(const std::vector<std::string>& entries) {
  std::string s = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) s += (i ? ", " : "") + entries[i];
  return s + "]";
}

std::vector<double> entries_of(const kl::Value& v) {
  if (v.is_number()) return {v.number()};
  if (v.is_vector()) return std::vector<double>(v.vector().data(), v.vector().data() + v.vector().size());
  return {};
}

int rank(K k) { return k == K::Correct ? 3 : k == K::CorrectGivenEarlier ? 2 : k == K::Incorrect ? 1 : 0; }

std::vector<std::string> split_steps(const std::string& all) {
  std::vector<std::string> steps;
  std::size_t pos = 0;
  while (pos <= all.size()) {
    std::size_t semi = all.find("; ", pos);
    if (semi == std::string::npos) semi = all.size();
    steps.push_back(all.substr(pos, semi - pos));
    pos = semi + 2;
  }
  return steps;
}

}  // namespace

TEST_CASE("derivation: a closer typed number is never judged worse, in every number step of the course",
          "[derivation][tolerance][notebooks]") {
  long steps_seen = 0, answers = 0, pairs = 0, correct = 0;
  const std::vector<double> relative = {1e-8, 1e-7, 1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 0.1};
  const std::vector<double> radii = {0.3, 0.9, 0.999, 1.001, 1.1, 2, 5, 10, 20, 100};
  std::vector<std::string> files = {kFixture};
  for (const auto& entry : fs::directory_iterator(std::string(KL_SOURCE_DIR) + "/site/notebooks"))
    if (entry.path().extension() == ".md") files.push_back(entry.path().string());
  for (const auto& f : files) {
    const auto report = kl::parse_notebook(read(f), f);
    REQUIRE(report.errors.empty());
    const kl::Checker c = checker_for(report);
    for (const auto& ex : report.notebook.exercises) {
      for (const auto& part : ex.parts) {
        if (part.kind != kl::AnswerKind::Derivation) continue;
        auto ref = c.reference_expression(part.id);
        REQUIRE(ref.ok());
        const std::vector<std::string> steps = split_steps(ref.value());
        REQUIRE(steps.size() == part.steps.size());
        for (std::uint64_t seed = 0; seed < static_cast<std::uint64_t>(kltest::kToleranceVariants); ++seed) {
          auto scope = c.scope(ex.id, seed);
          REQUIRE(scope.ok());
          for (std::size_t k = 0; k < steps.size(); ++k) {
            // A number step: the same value at scattered points of the variables' ranges.
            std::vector<kl::Value> ends;
            for (int point = 0; point < 6; ++point) {
              kl::Environment env = scope.value();
              for (std::size_t j = 0; j < part.variables.size(); ++j) {
                const auto& var = part.variables[j];
                const double u = std::fmod(0.1 + 0.618034 * (point + 1) * (2 * j + 1), 1.0);
                env[var.name] = kl::Value(var.lo + u * (var.hi - var.lo));
              }
              auto v = kl::evaluate_text(steps[k], env);
              if (v.ok()) ends.push_back(v.value());
            }
            if (ends.size() != 6) continue;
            const std::vector<double> r = entries_of(ends[0]);
            bool constant = !r.empty();
            for (const auto& e : ends) {
              const std::vector<double> r2 = entries_of(e);
              constant = constant && r2.size() == r.size();
              for (std::size_t i = 0; i < r.size() && constant; ++i) constant = std::fabs(r[i] - r2[i]) <= 1e-9 * (1 + std::fabs(r[i]));
            }
            if (!constant) continue;
            ++steps_seen;
            const bool vec = ends[0].is_vector();
            INFO(f << " " << part.id << " step " << k + 1 << " variant " << seed);

            // Candidates: every rounding to 1..10 significant figures (fixed and scientific), and
            // perturbations relative and in radii, both ways, typed at 17, 6 and 4 digits.
            std::vector<std::pair<std::string, int>> texts;
            for (int n = 1; n <= 10; ++n)
              for (const char* format : {"%.*g", "%.*e"}) {
                std::vector<std::string> es;
                for (double x : r) es.push_back(printf_string(format, format[3] == 'g' ? n : n - 1, x));
                texts.push_back({vec ? vector_text(es) : es[0], n});
              }
            auto add = [&](const std::vector<double>& x) {
              for (int digits : {17, 6, 4}) {
                std::vector<std::string> es;
                for (double xi : x) es.push_back(printf_string("%.*g", digits, xi));
                texts.push_back({vec ? vector_text(es) : es[0], 0});
              }
            };
            for (int sign : {-1, 1}) {
              for (double rel : relative) {
                std::vector<double> x = r;
                for (double& xi : x) xi *= 1 + sign * rel;
                add(x);
                for (std::size_t i = 0; vec && i < r.size(); ++i) {
                  std::vector<double> y = r;
                  y[i] *= 1 + sign * rel;
                  add(y);
                }
              }
              for (double m : radii) {
                std::vector<double> x = r;
                for (std::size_t i = 0; i < r.size(); ++i) x[i] += sign * m * radius3(r[i]);
                add(x);
                for (std::size_t i = 0; vec && i < r.size(); ++i) {
                  std::vector<double> y = r;
                  y[i] += sign * m * radius3(r[i]);
                  add(y);
                }
              }
            }

            struct Judged {
              std::string text;
              double closeness;
              int rank;
            };
            std::vector<Judged> judged;
            for (const auto& [text, n] : texts) {
              kl::Environment scratch;
              auto x = kl::evaluate_text(text, scratch);
              REQUIRE(x.ok());
              const std::vector<double> xs = entries_of(x.value());
              REQUIRE(xs.size() == r.size());
              double closeness = 0;
              for (std::size_t i = 0; i < xs.size(); ++i) closeness = std::max(closeness, std::fabs(xs[i] - r[i]) / radius3(r[i]));
              std::string answer;
              for (std::size_t j = 0; j < steps.size(); ++j) answer += (j ? "\n" : "") + (j == k ? text : steps[j]);
              const kl::Verdict v = c.check(part.id, answer, seed);
              REQUIRE(v.steps.size() == steps.size());
              const K kind = v.steps[k].kind;
              INFO(text << " -> " << kl::verdict_name(kind) << ": " << v.steps[k].feedback);
              REQUIRE(rank(kind) > 0);
              ++answers;
              correct += kind == K::Correct;
              // The most digits the checker ever asks for is 6: every rounding to that many is right.
              if (n >= 6) CHECK(kind == K::Correct);
              judged.push_back({text, closeness, rank(kind)});
            }
            std::sort(judged.begin(), judged.end(), [](const Judged& a, const Judged& b) { return a.closeness < b.closeness; });
            for (std::size_t j = 0; j < judged.size(); ++j)
              for (std::size_t i = 0; i < j; ++i) {
                if (!(judged[i].closeness < judged[j].closeness * (1 - 1e-12))) continue;
                ++pairs;
                if (judged[i].rank < judged[j].rank)
                  FAIL_CHECK(judged[i].text << " (" << judged[i].closeness << " radii) is judged worse than " << judged[j].text << " ("
                                            << judged[j].closeness << " radii)");
              }
          }
        }
      }
    }
  }
  // the course has 13 number steps; each is swept in every variant of the sweep
  CHECK(steps_seen >= 10 * kltest::kToleranceVariants);
  CHECK(correct > 0);
  CHECK(correct < answers);
  WARN("derivation tolerance property: " << steps_seen << " number steps (times variants), " << answers << " typed answers (" << correct
                                         << " correct), " << pairs << " ordered pairs compared");
}

TEST_CASE("derivation: each declared mistake is named at its step, the other steps judged on their own", "[derivation]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  // g1 step 1: the variance squared.
  kl::Verdict v = c.check("g1", lines({"-0.5*ln(2*pi*v1) - (x - m1)^2/(2*v1^2)", kS2, kS3}));
  REQUIRE(v.steps.size() == 3);
  CHECK(v.kind == K::Incorrect);
  CHECK(v.steps[0].mistake == "author:1");
  CHECK(v.steps[0].feedback == "v1 is a variance already.");
  CHECK(v.mistake == "step1:author:1");
  CHECK(v.steps[1].kind == K::Correct);
  CHECK(v.steps[2].kind == K::Correct);
  CHECK(v.score == Approx(2.0 / 3));
  // g1 step 2: the log-ratio upside down (the mistake is written with prev and at()).
  v = c.check("g1", lines({kS1, "-(" + kS2 + ")", kS3}));
  CHECK(v.steps[1].mistake == "author:1");
  CHECK(v.steps[1].feedback == "That is ln q − ln p.");
  // g1 step 3: the variance left out of E[(x − m2)²].
  v = c.check("g1", lines({kS1, kS2, "0.5*ln(v2/v1) + (m1 - m2)^2/(2*v2) - 0.5"}));
  CHECK(v.steps[2].mistake == "author:1");
  // g2 step 3: the entries swapped.
  v = c.check("g2", "m1 + sqrt(v1); 2*(m1 + sqrt(v1)); [2*(m1 + sqrt(v1)), m1 + sqrt(v1)]");
  CHECK(v.steps[2].mistake == "author:1");
  // A library mistake at a step: the sign flipped.
  v = c.check("g1", lines({"0.5*ln(2*pi*v1) + (x - m1)^2/(2*v1)", kS2, kS3}));
  CHECK(v.steps[0].mistake == "sign_flip");
  CHECK_FALSE(v.steps[0].mistake_name.empty());
  // An unrecognised wrong step: a lead with the learner's own value, never the reference.
  v = c.check("g1", lines({"-0.5*ln(2*pi*v1) - (x - m1)^2/v1", kS2, kS3}));
  CHECK(v.steps[0].kind == K::Incorrect);
  CHECK(v.steps[0].mistake.empty());
  CHECK(contains(v.steps[0].feedback, "your expression gives"));
  CHECK(contains(v.steps[0].feedback, "A hint is available"));
}

TEST_CASE("derivation: error carried forward from the learner's own earlier steps", "[derivation]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  // Step 2 wrong (v2 squared); step 3 is the right expectation of that wrong step 2.
  const std::string wrong2 = "0.5*ln(v2/v1) - (x - m1)^2/(2*v1) + (x - m2)^2/(2*v2^2)";
  const std::string from_wrong2 = "0.5*ln(v2/v1) - 0.5 + (v1 + (m1 - m2)^2)/(2*v2^2)";
  kl::Verdict v = c.check("g1", lines({kS1, wrong2, from_wrong2}));
  CHECK(kinds(v) == std::vector<K>{K::Correct, K::Incorrect, K::CorrectGivenEarlier});
  CHECK(v.steps[2].score == Approx(0.75));
  CHECK(contains(v.steps[2].feedback, "step 2"));
  CHECK(v.score == Approx((1 + 0 + 0.75) / 3));
  CHECK(v.kind == K::Incorrect);
  // Without the wrong step 2 the same step 3 is just wrong.
  v = c.check("g1", lines({kS1, kS2, from_wrong2}));
  CHECK(v.steps[2].kind == K::Incorrect);
  // Step 1 wrong, step 2 computed from it with the author's rule (prev - at(at(prev, ...))).
  const std::string wrong1 = "-0.5*ln(2*pi*v1) - (x - m1)^2/v1";
  const std::string from_wrong1 = "0.5*ln(v2/v1) - (x - m1)^2/v1 + (x - m2)^2/v2";
  v = c.check("g1", lines({wrong1, from_wrong1, kS3}));
  CHECK(kinds(v) == std::vector<K>{K::Incorrect, K::CorrectGivenEarlier, K::Correct});
  // A chain of numbers: step 1 wrong, steps 2 and 3 carried forward (step 3 names step1 and prev).
  v = c.check("g2", "m1 + v1; 2*(m1 + v1); [m1 + v1, 2*(m1 + v1)]");
  CHECK(kinds(v) == std::vector<K>{K::Incorrect, K::CorrectGivenEarlier, K::CorrectGivenEarlier});
  CHECK(v.score == Approx(0.5));
  // Every step right or carried forward: the part is correct given the earlier steps... but a
  // wrong first step keeps it incorrect. With the steps all carried from a right start, correct.
  v = c.check("g2", "m1 + sqrt(v1); 2*(m1 + sqrt(v1)); [m1 + sqrt(v1), 2*(m1 + sqrt(v1))]");
  CHECK(v.kind == K::Correct);
  // A step that is right given a right previous step (which was right only up to the allowed
  // constant) is plainly correct.
  v = c.check("g3", "-(t - 1)^2/2 + 5; exp(-(t - 1)^2/2 + 5)");
  CHECK(kinds(v) == std::vector<K>{K::Correct, K::Correct});
}

TEST_CASE("derivation: additive constants and constant factors where a step allows them", "[derivation]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  CHECK(c.check("g3", "-(t - 1)^2/2 + 5; 3*exp(-(t - 1)^2/2)").kind == K::Correct);
  CHECK(c.check("g3", "-(t - 1)^2/2 - ln(2*pi); exp(-(t - 1)^2/2)/sqrt(2*pi)").kind == K::Correct);
  kl::Verdict v = c.check("g3", "-(t - 1)^2; exp(-(t - 1)^2/2)");
  CHECK(v.steps[0].kind == K::Incorrect);
  CHECK(v.steps[0].mistake == "missing_half");
  v = c.check("g3", "-(t - 1)^2/2; exp(-(t - 1)^2/2) + 1");
  CHECK(v.steps[1].kind == K::Incorrect);  // a shift is not a factor
  CHECK(contains(v.steps[1].feedback, "constant factor"));
  // No constant allowed: g1's steps must be equal.
  CHECK(c.check("g1", lines({kS1 + " + 1", kS2, kS3})).steps[0].kind == K::Incorrect);
}

TEST_CASE("derivation: malformed, missing and extra steps", "[derivation][errors]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  // A syntax error: the part is invalid (it costs nothing), with the step's column.
  kl::Verdict v = c.check("g1", lines({kS1, kS2, "0.5*ln(v2/v1"}));
  CHECK(v.kind == K::Invalid);
  CHECK(v.score == 0.0);
  CHECK(contains(v.feedback, "Step 3"));
  CHECK(v.column == 7);
  REQUIRE(v.steps.size() == 3);
  CHECK(v.steps[2].column == 7);
  CHECK(v.steps[0].kind == K::Correct);  // the other steps still get their verdicts
  v = c.check("g1", lines({kS1, "(x", kS3}));
  CHECK(v.steps[1].kind == K::Invalid);
  CHECK(v.steps[1].column == 1);
  // Unknown names and forbidden or failing functions.
  v = c.check("g1", lines({kS1, kS2, "sigma"}));
  CHECK(v.kind == K::Invalid);
  CHECK(contains(v.feedback, "unknown name 'sigma'"));
  CHECK(contains(v.feedback, "x, m1, v1, m2, v2"));
  v = c.check("g1", lines({kS1, kS2, "ln(-v1)"}));
  CHECK(v.kind == K::Invalid);
  CHECK(contains(v.feedback, "cannot be evaluated"));
  v = c.check("g2", "\"text\"; 1; [1, 2]");
  CHECK(v.kind == K::Invalid);
  // Too many steps; nothing at all.
  v = c.check("g1", lines({kS1, kS2, kS3, "1"}));
  CHECK(v.kind == K::Invalid);
  CHECK(contains(v.feedback, "has 3 steps but your answer has 4"));
  CHECK(c.check("g1", "").kind == K::Invalid);
  CHECK(c.check("g1", "\n\n ; ").kind == K::Invalid);
  // Steps still to write: right so far is not a wrong answer.
  v = c.check("g1", kS1);
  CHECK(v.kind == K::Invalid);
  CHECK(contains(v.feedback, "still to write"));
  CHECK(kinds(v) == std::vector<K>{K::Correct, K::Invalid, K::Invalid});
  CHECK(v.steps[1].feedback == "not answered yet");
  // ...but a wrong step with others missing is incorrect, with the credit earned so far.
  v = c.check("g1", lines({kS1 + " + 1"}));
  CHECK(v.kind == K::Incorrect);
  // A step of the wrong shape.
  v = c.check("g2", "m1 + sqrt(v1); 2*(m1 + sqrt(v1)); 5");
  CHECK(contains(v.steps[2].feedback, "a vector of 2 entries"));
  // Hostile input: deep nesting, a huge vector, overlong answers.
  v = c.check("g1", lines({kS1, kS2, std::string(500, '(') + "1" + std::string(500, ')')}));
  CHECK(v.kind == K::Invalid);
  CHECK(contains(v.feedback, "nested too deeply"));
  v = c.check("g2", "zeros(1e9); 1; [1, 2]");
  CHECK(v.kind == K::Invalid);
  CHECK(c.check("g1", std::string(kl::kMaxAnswerLength + 1, '1')).kind == K::Invalid);
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "x;";
  CHECK(c.check("g1", many).kind == K::Invalid);
  // The checker still works afterwards.
  CHECK(c.check("g1", lines({kS1, kS2, kS3})).kind == K::Correct);
}

TEST_CASE("derivation: step prompts, hints and slots for the page", "[derivation]") {
  const auto r = fixture();
  const kl::Checker c = checker_for(r);
  auto view = c.view("g1");
  REQUIRE(view.ok());
  REQUIRE(view.value().step_prompts.size() == 3);
  CHECK(view.value().step_prompts[0] == "The log-density of N(m1, v1) at x.");
  REQUIRE(view.value().step_hints.size() == 3);
  CHECK(view.value().step_hints[0] == std::vector<std::string>{"The variance v1 divides the square."});
  CHECK(view.value().reference_text == c.reference_expression("g1").value());
  auto slots = c.exercise_slots("g");
  REQUIRE(slots.ok());
  CHECK(slots.value().parts[0].second.steps.size() == 3);
  CHECK(slots.value().parts[0].second.steps[0].mistakes.size() == 1);
  // A derivation has no single reference value.
  CHECK_FALSE(c.reference("g1").ok());
}

TEST_CASE("derivation: malformed derivations are author errors with file:line", "[derivation][errors]") {
  // The same messages the bad-notebook table checks through the CLI and wasm.
  const std::string text = read(std::string(KL_SOURCE_DIR) + "/tests/fixtures/bad-notebooks/bad-derivation.md");
  const auto report = kl::parse_notebook(text, "bad-derivation.md");
  std::vector<std::string> got;
  for (const auto& e : report.errors) got.push_back(std::to_string(e.line) + ": " + e.message);
  INFO([&] {
    std::string s;
    for (const auto& g : got) s += g + "\n";
    return s;
  }());
  CHECK(any_contains(got, "12: answer: the first step has no previous step, so it cannot use 'prev'"));
  CHECK(any_contains(got, "13: step 2 has no answer: line"));
  CHECK(any_contains(got, "16: answer: 'step3' is not an earlier step"));
  CHECK(any_contains(got, "17: from: write at(EXPRESSION, variable, value)"));
  CHECK(any_contains(got, "18: unknown step key 'anwser': did you mean 'answer'?"));
  CHECK(any_contains(got, "19: constant: use 'additive'"));
  CHECK(any_contains(got, "22: a derivation part needs at least one 'step:' line"));
  CHECK(any_contains(got, "28: in a derivation, mistake: lines belong under the step"));
  CHECK(any_contains(got, "35: step: lines belong to a part of kind: derivation"));
  CHECK(any_contains(got, "40: kind: 'prev' is reserved"));
}

TEST_CASE("derivation: validation finds a wrong from: rule, a mistake equal to its step, a constant on a constant step",
          "[derivation][errors]") {
  const auto errors = problems(read(std::string(KL_SOURCE_DIR) + "/tests/fixtures/bad-notebooks/derivation-rules.md"));
  INFO([&] {
    std::string s;
    for (const auto& g : errors) s += g + "\n";
    return s;
  }());
  CHECK(any_contains(errors, "15: from: applied to the earlier steps, this rule does not give step 2 of r1's answer"));
  CHECK(any_contains(errors, "18: the mistake '2 * prev' is equivalent to step 3 of r1's answer"));
  CHECK(any_contains(errors, "19: constant: step 4 of r1 does not depend on the variables"));
  CHECK(any_contains(errors, "24: the derivation r2: the steps cannot be evaluated at enough values of the variables"));
}

TEST_CASE("claims: a text's stated condition is checked in every variant", "[derivation][validate]") {
  const std::string nb = R"(---
id: claims
title: Claims
---

```exercise c
title: Two coins
let p = [0.5, 0.5] ~ normalize([1, uniform(0.2, 3, 0.1)])
let q = [0.7, 0.3]

part c1: KL(p ‖ q).
  answer: a = kl(p, q)
  solution: {{a}}.

part c2: Which direction is larger?
  choice*: They differ.
  choice: They are equal. => Here KL(p ‖ q) is the larger one.
  claim: kl(q, p) > 0
  claim: a > kl(q, p)
  solution: They differ.
```
)";
  const auto errors = problems(nb);
  // True in the textbook variant, false in some other: reported with the variant, on the claim's line.
  CHECK(any_contains(errors, "19: variant "));
  CHECK(any_contains(errors, "the claim 'a > kl(q, p)' is false in this variant"));
  CHECK_FALSE(any_contains(errors, "kl(q, p) > 0"));
}

TEST_CASE("nothing given away: page numbers that the checker would accept are reported unless marked shown:", "[validate]") {
  const std::string nb = R"(---
id: giveaway
title: Give-away
---

The answer is about 0.0872 nats.

```kl cells
pd = [0.5, 0.5]
pm = [0.7, 0.3]
kl(pd, pm)
```

```exercise w
title: Coins
intro: p = {{p}}, q = {{q}}, and ln(p/q) = {{ln(p / q)}}.
let p = [0.5, 0.5]
let q = [0.7, 0.3]

part w1: KL(p ‖ q).
  answer: kl(p, q)
  solution: It is {{kl(p, q)}}.

part w2: The log-ratios ln(p/q).
  answer: ln(p / q)
  solution: {{ln(p / q)}}.

part w3: The probabilities p.
  answer: p
  solution: p.
```
)";
  auto errors = problems(nb);
  INFO([&] {
    std::string s;
    for (const auto& g : errors) s += g + "\n";
    return s;
  }());
  CHECK(any_contains(errors, "6: w1's answer (0.0871767) is on the page before the learner asks for it: 0.0872 in the prose"));
  CHECK(any_contains(errors, "11: w1's answer (0.0871767) is on the page before the learner asks for it"));
  CHECK(any_contains(errors, "a code cell's output"));
  CHECK(any_contains(errors, "16: w2's answer"));
  CHECK(any_contains(errors, "w3's answer"));  // shows the given p
  // A rounder number is not accepted by the checker, so not reported; a marked part is not checked.
  std::string fixed = nb;
  fixed.replace(fixed.find("0.0872"), 6, "0.09");
  fixed.replace(fixed.find("kl(pd, pm)\n"), 11, "");
  fixed.replace(fixed.find("  answer: ln(p / q)\n"), 20, "  answer: ln(p / q)\n  shown: the intro works it out as an example\n");
  fixed.replace(fixed.find("  answer: p\n"), 12, "  answer: p\n  shown: the answer is the given p; the part asks to recognise it\n");
  errors = problems(fixed);
  CHECK(errors.empty());
  for (const auto& e : errors) FAIL_CHECK(e);
}

TEST_CASE("every derivation part of the course: reference accepted, each step's mistakes named, texts rendered",
          "[derivation][notebooks]") {
  int derivations = 0;
  for (const auto& entry : fs::directory_iterator(std::string(KL_SOURCE_DIR) + "/site/notebooks")) {
    if (entry.path().extension() != ".md") continue;
    const auto report = kl::parse_notebook(read(entry.path().string()), entry.path().string());
    REQUIRE(report.errors.empty());
    const kl::Checker c = checker_for(report);
    for (const auto& ex : report.notebook.exercises) {
      for (const auto& part : ex.parts) {
        if (part.kind != kl::AnswerKind::Derivation) continue;
        ++derivations;
        INFO(part.id);
        auto ref = c.reference_expression(part.id);
        REQUIRE(ref.ok());
        for (std::uint64_t seed : {0, 1, 2, 3, 17, 50}) {
          const kl::Verdict v = c.check(part.id, ref.value(), seed);
          INFO("seed " << seed << ": " << v.feedback);
          CHECK(v.kind == K::Correct);
        }
        // Each step's mistakes, typed in place of that step with the other steps right.
        std::vector<std::string> steps;
        {
          std::string all = ref.value();
          std::size_t pos = 0;
          while (pos <= all.size()) {
            std::size_t semi = all.find("; ", pos);
            if (semi == std::string::npos) semi = all.size();
            steps.push_back(all.substr(pos, semi - pos));
            pos = semi + 2;
          }
        }
        REQUIRE(steps.size() == part.steps.size());
        auto mistakes = c.author_mistakes(part.id);
        REQUIRE(mistakes.ok());
        for (const auto& m : mistakes.value()) {
          const std::size_t k = static_cast<std::size_t>(std::atoi(m.id.c_str() + 4)) - 1;
          REQUIRE(k < steps.size());
          std::string answer;
          for (std::size_t j = 0; j < steps.size(); ++j) answer += (j ? "\n" : "") + (j == k ? m.expression : steps[j]);
          const kl::Verdict v = c.check(part.id, answer);
          INFO(m.id << ": " << m.expression << " -> " << v.feedback);
          CHECK(v.kind == K::Incorrect);
          CHECK(v.mistake == m.id);
          CHECK(v.steps[k].mistake == m.id.substr(m.id.find(':') + 1));
        }
        auto view = c.view(part.id);
        REQUIRE(view.ok());
        CHECK(view.value().step_prompts.size() == part.steps.size());
        for (const auto& sp : view.value().step_prompts) CHECK_FALSE(contains(sp, "{{"));
        CHECK_FALSE(contains(view.value().solution, "{{"));
        CHECK(part.solution.slots.size() + part.solution.text.size() > 0);
      }
    }
  }
  CHECK(derivations >= 6);
}
