// The ML-mistake library (EXERCISES.md, last section): the standard wrong turns a learner takes,
// written as rewrites of the reference expression. The checker evaluates each rewrite in the
// learner's variant and names the mistake when the learner's answer matches its value.
#include <functional>

#include "check/mistakes_internal.hpp"

namespace kl {
namespace detail {

namespace {

// The library, one row per mistake: the id (a contract: tests and authors use it), the name shown
// with a verdict, and the feedback; where a text would not be true of every reference, the texts for
// a divergence and for another log quantity (a log-density, an ELBO, an entropy) follow (nullptr: the
// general text holds). Every text must be true whatever the variant and wherever the rewrite applied
// (the whole answer or one term of it). The rewrites below refer to rows by id.
const std::vector<MistakeSpec> kMistakes = {
    {"kl_direction", "KL direction swapped",
     "This is the value with the two distributions swapped. KL(p ‖ q), the cross-entropy H(p, q) and the other divergences here "
     "weight by their first argument and are not symmetric: keep the two distributions in the order the question gives them.",
     nullptr, nullptr},
    {"cross_entropy_for_kl", "cross-entropy instead of KL",
     "A cross-entropy H(p, q) = H(p) + KL(p ‖ q) stands where KL(p ‖ q) belongs: it carries the extra entropy H(p). Subtract the "
     "entropy, or sum p·log(p/q) instead of −p·log q.",
     nullptr, nullptr},
    {"kl_for_cross_entropy", "KL instead of cross-entropy",
     "KL(p ‖ q) stands where the cross-entropy H(p, q) belongs: KL is the cross-entropy minus the entropy H(p). The cross-entropy "
     "−Σ p·log q includes the entropy of p as well.",
     nullptr, nullptr},
    {"temperature_one_side", "temperature on one side only",
     "The temperature was applied to only one of the softmaxes. In this answer each softmax divides its logits by its temperature "
     "before normalising.",
     nullptr, nullptr},
    {"temperature_missing", "temperature left out",
     "This is the value at temperature τ = 1. Divide the logits by τ before taking the softmax.", nullptr, nullptr},
    {"logits_for_probabilities", "logits instead of probabilities",
     "Logits (divided by the temperature, where there is one) were used where probabilities belong. Turn logits into "
     "probabilities with a softmax first: exponentiate each one and divide by their sum.",
     nullptr, nullptr},
    {"tau_squared", "τ² factor",
     "The soft-label KL term differs from the answer's by a factor τ². Hinton et al. multiply the soft-label KL by τ² to keep its "
     "gradients comparable across temperatures; check whether this part includes that factor.",
     nullptr, nullptr},
    {"std_for_variance", "standard deviation read as variance",
     "The variance was squared: a number given as a variance (σ²) was treated as a standard deviation σ. In N(μ, σ²) the second "
     "argument is the variance already.",
     nullptr, nullptr},
    {"variance_for_std", "standard deviation used as variance",
     "A standard deviation σ = √σ² went where the variance σ² belongs. In N(μ, σ²) the second argument is the variance: square σ "
     "first.",
     nullptr, nullptr},
    {"alpha_for_alpha_bar", "α_t instead of ᾱ_t",
     "This uses α_t = 1 − β_t where the cumulative product ᾱ_t = α_1·α_2·…·α_t belongs (or the reverse). q(x_t | x_0) has mean "
     "√ᾱ_t·x_0 and variance 1 − ᾱ_t; a single step q(x_t | x_{t−1}) uses α_t.",
     nullptr, nullptr},
    {"beta_for_beta_tilde", "β_t instead of β̃_t", "This uses β_t where the posterior variance β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t belongs.",
     nullptr, nullptr},
    {"sum_vs_mean", "sum instead of mean (or the reverse)",
     "This differs by the number of terms: a mean was taken where the sum belongs, or the reverse. Check whether the quantity adds "
     "up over components (KL over dimensions) or averages (a loss over a batch).",
     nullptr, nullptr},
    {"log_base_2", "log base 2 instead of natural log",
     "This is the value in bits (log base 2). KL Lab works in nats (natural log): multiply by ln 2 ≈ 0.693, or use ln instead of "
     "log₂.",
     nullptr, nullptr},
    {"log_base_10", "log base 10 instead of natural log",
     "This is the value with log base 10. Use the natural log: multiply by ln 10 ≈ 2.303.", nullptr, nullptr},
    {"natural_log_for_bits", "natural log instead of log base 2",
     "This is the value in nats. This part asks for bits: divide by ln 2 ≈ 0.693.", nullptr, nullptr},
    {"missing_half", "factor ½ missing",
     "This is twice the answer: a factor ½ is missing somewhere. Check each formula's constants (the Gaussian KL, the Gaussian "
     "log-density, total variation and the Jensen-Shannon mixture all carry a ½).",
     nullptr, nullptr},
    {"extra_half", "extra factor ½", "This is half the answer: there is a factor ½ too many.", nullptr, nullptr},
    {"sign_flip", "sign flipped", "Your answer is the answer with its sign flipped. Check which way round each difference goes.",
     "Your answer is the answer with its sign flipped, and a divergence is never negative (KL(p ‖ q) ≥ 0, with 0 only when p = q). "
     "Check which way round each log ratio goes: log(p/q) with p the first argument.",
     "Your answer and the answer differ only in sign. Check which quantity the question asks for (a log-probability or its "
     "negative, an objective or the loss that is its negative) and which way round each difference and log ratio goes."},
};

// Functions whose values are logarithms (nats): their presence makes a reference a log quantity.
bool is_log_function(const std::string& name) {
  static const char* kLogs[] = {
      "ln",    "log",      "log2",          "log10",  "log1p",         "entropy",        "cross_entropy", "kl",        "jsd",
      "renyi", "kl_gauss", "kl_std_normal", "kl_mvn", "normal_logpdf", "mixture_logpdf", "log_softmax",   "logsumexp", "bits"};
  for (const char* f : kLogs)
    if (name == f) return true;
  return false;
}

}  // namespace

const std::vector<MistakeSpec>& mistake_table() { return kMistakes; }

const char* feedback_for(const MistakeSpec& m, Quantity q) {
  if (q == Quantity::Divergence && m.on_divergence) return m.on_divergence;
  if (q != Quantity::Other && m.on_log) return m.on_log;
  return m.feedback;
}

Quantity quantity_of(const Node& reference) {
  if (is_divergence(reference)) return Quantity::Divergence;
  for (const auto& f : called_functions(reference))
    if (is_log_function(f)) return Quantity::Log;
  return Quantity::Other;
}

const MistakeSpec* find_mistake(const std::string& id) {
  for (const auto& m : kMistakes)
    if (id == m.id) return &m;
  return nullptr;
}

namespace {

using Transform = std::function<NodePtr(const NodePtr&)>;  // returns nullptr: no change here

// Rebuilds `n` with transform applied at exactly one matching node (the k-th match, in pre-order).
// Returns nullptr when there are fewer than k + 1 matches.
NodePtr rewrite_nth(const NodePtr& n, const Transform& t, int& k) {
  if (NodePtr r = t(n)) {
    if (k == 0) {
      --k;
      return r;
    }
    --k;
  }
  for (std::size_t i = 0; i < n->children.size(); ++i) {
    NodePtr c = rewrite_nth(n->children[i], t, k);
    if (c) {
      auto copy = std::make_shared<Node>(*n);
      copy->children[i] = c;
      return copy;
    }
    if (k < 0) return nullptr;
  }
  return nullptr;
}

// Rebuilds `n` with transform applied at every matching node (outermost first, no re-entry).
NodePtr rewrite_all(const NodePtr& n, const Transform& t, bool& changed) {
  if (NodePtr r = t(n)) {
    changed = true;
    return r;
  }
  auto copy = std::make_shared<Node>(*n);
  for (auto& c : copy->children) c = rewrite_all(c, t, changed);
  return copy;
}

int count_matches(const NodePtr& n, const Transform& t) {
  int k = t(n) ? 1 : 0;
  for (const auto& c : n->children) k += count_matches(c, t);
  return k;
}

bool is_call(const NodePtr& n, std::initializer_list<const char*> names) {
  if (n->type != Node::Type::Call) return false;
  for (const char* name : names)
    if (n->text == name) return true;
  return false;
}

NodePtr with_args(const NodePtr& call, std::vector<NodePtr> args) { return make_call(call->text, std::move(args), call->column); }

NodePtr num(double x) { return make_number(x); }

class Builder {
 public:
  Builder(const NodePtr& ref, const Environment& scope) : ref_(ref), scope_(scope) {}

  // Adds one rewrite per match and, when there are several, one with all of them.
  void each_and_all(const char* id, const Transform& t) {
    const int n = count_matches(ref_, t);
    for (int i = 0; i < n; ++i) {
      int k = i;
      if (NodePtr r = rewrite_nth(ref_, t, k)) add(id, r);
    }
    if (n > 1) all(id, t);
  }

  void all(const char* id, const Transform& t) {
    bool changed = false;
    NodePtr r = rewrite_all(ref_, t, changed);
    if (changed) add(id, r);
  }

  void add(const char* id, NodePtr expr) {
    // Compared as trees: printing every rewrite was a third of the cost of a check.
    for (const auto& r : out_)
      if (same_tree(*r.expr, *expr)) return;
    if (same_tree(*expr, *ref_)) return;
    out_.push_back({find_mistake(id), std::move(expr)});
  }

  bool contains(const Transform& t) const { return count_matches(ref_, t) > 0; }
  const NodePtr& ref() const { return ref_; }
  const Environment& scope() const { return scope_; }
  std::vector<Rewrite> take() { return std::move(out_); }

 private:
  NodePtr ref_;
  const Environment& scope_;
  std::vector<Rewrite> out_;
};

bool has_tau(const NodePtr& n) { return is_call(n, {"softmax", "log_softmax"}) && n->children.size() == 2; }

}  // namespace

bool is_divergence(const Node& reference) {
  static const char* kDivergences[] = {"kl",       "jsd",           "tv",     "chi2",    "hellinger",    "renyi",
                                       "kl_gauss", "kl_std_normal", "kl_mvn", "entropy", "cross_entropy"};
  if (reference.type != Node::Type::Call) return false;
  for (const char* d : kDivergences)
    if (reference.text == d) return true;
  return false;
}

std::vector<Rewrite> library_rewrites(const NodePtr& reference, const Environment& scope) {
  Builder b(reference, scope);

  // 1. KL direction swapped.
  b.each_and_all("kl_direction", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"kl", "cross_entropy", "chi2"}) && n->children.size() == 2) return with_args(n, {n->children[1], n->children[0]});
    if (is_call(n, {"renyi"}) && n->children.size() == 3) return with_args(n, {n->children[1], n->children[0], n->children[2]});
    if (is_call(n, {"kl_gauss"}) && n->children.size() == 4)
      return with_args(n, {n->children[2], n->children[3], n->children[0], n->children[1]});
    if (is_call(n, {"kl_mvn"}) && n->children.size() == 4)
      return with_args(n, {n->children[2], n->children[3], n->children[0], n->children[1]});
    return nullptr;
  });

  // 2. Cross-entropy where KL was asked, and the reverse.
  b.each_and_all("cross_entropy_for_kl", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"kl"}) && n->children.size() == 2) return make_call("cross_entropy", n->children, n->column);
    return nullptr;
  });
  b.each_and_all("kl_for_cross_entropy", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"cross_entropy"}) && n->children.size() == 2) return make_call("kl", n->children, n->column);
    return nullptr;
  });

  // 3. Temperature: on one side only, or forgotten.
  const int tau_calls = count_matches(reference, [](const NodePtr& n) { return has_tau(n) ? n : nullptr; });
  if (tau_calls >= 2) {
    b.each_and_all("temperature_one_side", [](const NodePtr& n) -> NodePtr {
      if (has_tau(n)) return with_args(n, {n->children[0]});
      return nullptr;
    });
  }
  if (tau_calls >= 1) {
    b.all("temperature_missing", [](const NodePtr& n) -> NodePtr {
      if (has_tau(n)) return with_args(n, {n->children[0]});
      return nullptr;
    });
  }

  // 4. Logits used where probabilities are meant.
  b.each_and_all("logits_for_probabilities", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"softmax"})) return n->children.size() == 2 ? make_binary("/", n->children[0], n->children[1]) : n->children[0];
    return nullptr;
  });

  // 5. The τ² factor of distillation missing or extra.
  b.each_and_all("tau_squared", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"kl"}) && n->children.size() == 2 && has_tau(n->children[0]) && has_tau(n->children[1]))
      return make_binary("*", make_binary("^", n->children[0]->children[1], num(2)), n);
    if (n->type == Node::Type::Binary && n->text == "*" && n->children[0]->type == Node::Type::Binary && n->children[0]->text == "^" &&
        n->children[0]->children[1]->type == Node::Type::Number && n->children[0]->children[1]->number == 2 &&
        is_call(n->children[1], {"kl"}))
      return n->children[1];
    return nullptr;
  });

  // 6. Standard deviation where the variance is meant, and the reverse.
  auto variance_args = [](const NodePtr& n) -> std::vector<std::size_t> {
    if (is_call(n, {"kl_gauss"}) && n->children.size() == 4) return {1, 3};
    if (is_call(n, {"normal_logpdf"}) && n->children.size() == 3) return {2};
    if (is_call(n, {"kl_std_normal"}) && n->children.size() == 2) return {1};
    if (is_call(n, {"mixture_logpdf"}) && n->children.size() == 4) return {3};
    if (is_call(n, {"q_posterior_var"})) return {};
    return {};
  };
  b.all("std_for_variance", [&](const NodePtr& n) -> NodePtr {
    auto idx = variance_args(n);
    if (idx.empty()) return nullptr;
    std::vector<NodePtr> args = n->children;
    for (std::size_t i : idx) args[i] = make_binary("^", args[i], num(2));
    return with_args(n, args);
  });
  b.all("variance_for_std", [&](const NodePtr& n) -> NodePtr {
    auto idx = variance_args(n);
    if (idx.empty()) return nullptr;
    std::vector<NodePtr> args = n->children;
    for (std::size_t i : idx) args[i] = make_call("sqrt", {args[i]});
    return with_args(n, args);
  });

  // 7. α_t where ᾱ_t is meant (and the reverse, by name), β_t where β̃_t is meant.
  b.each_and_all("alpha_for_alpha_bar", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"alpha_bar"}) && n->children.size() == 1) return make_binary("-", num(1), n->children[0]);
    return nullptr;
  });
  for (const auto& [bar, plain] : std::vector<std::pair<std::string, std::string>>{{"abar", "alpha"}, {"alpha_bar", "alpha"}}) {
    if (!scope.count(bar) || !scope.count(plain)) continue;
    const std::string from_bar = bar, to_plain = plain;
    b.all("alpha_for_alpha_bar", [&](const NodePtr& n) -> NodePtr {
      if (n->type != Node::Type::Name) return nullptr;
      if (n->text == from_bar) return make_name(to_plain, n->column);
      if (n->text == to_plain) return make_name(from_bar, n->column);
      return nullptr;
    });
  }
  b.each_and_all("beta_for_beta_tilde", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"q_posterior_var"}) && n->children.size() == 2) {
      auto idx = std::make_shared<Node>();
      idx->type = Node::Type::Index;
      idx->children = {n->children[0], n->children[1]};
      return NodePtr(idx);
    }
    return nullptr;
  });

  // 8. Sum versus mean.
  b.each_and_all("sum_vs_mean", [](const NodePtr& n) -> NodePtr {
    if (is_call(n, {"sum"}) && n->children.size() == 1) return make_call("mean", n->children, n->column);
    if (is_call(n, {"mean"}) && n->children.size() == 1) return make_call("sum", n->children, n->column);
    return nullptr;
  });

  // 9. Whole-value slips: log base (only for a value that is a logarithm), factor ½, sign.
  const bool in_bits = b.contains([](const NodePtr& n) -> NodePtr { return is_call(n, {"log2", "bits"}) ? n : nullptr; });
  if (quantity_of(*reference) == Quantity::Other) {
    // a probability, a mean, a variance: a log base says nothing about it
  } else if (!in_bits) {
    b.add("log_base_2", make_binary("/", reference, make_call("ln", {num(2)})));
    b.add("log_base_10", make_binary("/", reference, make_call("ln", {num(10)})));
  } else {
    b.add("natural_log_for_bits", make_binary("*", reference, make_call("ln", {num(2)})));
  }
  b.add("missing_half", make_binary("*", num(2), reference));
  b.add("extra_half", make_binary("/", reference, num(2)));
  b.add("sign_flip", make_unary("-", reference));
  return b.take();
}

}  // namespace detail
}  // namespace kl
