// Choice parts: the learner picks an option by its authored number or its text; each variant shows
// the options in an order of its own.
#include <cctype>
#include <cstdlib>
#include <utility>

#include "check/internal.hpp"
#include "kl/numerics.hpp"

namespace kl {
namespace detail {

std::vector<int> choice_order(const Notebook& nb, const Part& p, std::uint64_t seed) {
  std::vector<int> order(p.choices.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  Rng rng(variant_rng_seed(nb.id, "choices/" + p.id, seed));
  for (std::size_t i = order.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng.integer(0, static_cast<std::int64_t>(i) - 1));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

Verdict check_choice(const Part& p, const std::string& answer, const Environment& env) {
  const std::string a = trim(answer);
  if (a.empty()) return invalid("choose one of the options");
  int pick = -1;
  bool numeric = a.find_first_not_of("0123456789") == std::string::npos && a.size() < 4;
  if (numeric) pick = std::atoi(a.c_str()) - 1;
  if (!numeric || pick < 0 || pick >= static_cast<int>(p.choices.size())) {
    pick = -1;
    auto lower = [](std::string s) {
      for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return s;
    };
    for (std::size_t i = 0; i < p.choices.size(); ++i)
      if (lower(trim(p.choices[i].text)) == lower(a)) pick = static_cast<int>(i);
  }
  if (pick < 0)
    return invalid("choose one of the " + std::to_string(p.choices.size()) + " options (by its number, 1 to " +
                   std::to_string(p.choices.size()) + ", or its text)");
  const Choice& c = p.choices[static_cast<std::size_t>(pick)];
  Verdict v = make_verdict(c.correct ? VerdictKind::Correct : VerdictKind::Incorrect);
  v.answer_text = c.text;
  if (!c.feedback.empty()) give_feedback(v, c.feedback, env);
  if (c.correct) {
    if (v.feedback.empty()) v.feedback = "Correct.";
  } else {
    v.mistake = "choice:" + std::to_string(pick + 1);
    if (v.feedback.empty()) v.feedback = "That is not the right option.";
  }
  return v;
}

}  // namespace detail
}  // namespace kl
