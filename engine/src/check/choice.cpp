// Choice parts: the learner picks an option by its number or its text.
#include <cctype>
#include <cstdlib>

#include "check/internal.hpp"

namespace kl {
namespace detail {

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
  if (pick < 0) return invalid("choose one of the " + std::to_string(p.choices.size()) + " options (by its number, 1 to " + std::to_string(p.choices.size()) + ", or its text)");
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
