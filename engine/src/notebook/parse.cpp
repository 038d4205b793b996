// The notebook file parser: front matter, prose, and the fenced kl / slider / plot / exercise
// blocks. It collects every author error with file:line and keeps going, so an author sees all of
// them at once.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "kl/notebook.hpp"

namespace kl {

const char* answer_kind_name(AnswerKind k) {
  switch (k) {
    case AnswerKind::Number: return "number";
    case AnswerKind::Vector: return "vector";
    case AnswerKind::Probability: return "probability";
    case AnswerKind::Matrix: return "matrix";
    case AnswerKind::Expression: return "expression";
    case AnswerKind::Choice: return "choice";
    case AnswerKind::Derivation: return "derivation";
  }
  return "number";
}

const Exercise* Notebook::exercise(const std::string& wanted) const {
  for (const auto& ex : exercises)
    if (ex.id == wanted) return &ex;
  return nullptr;
}

std::pair<const Exercise*, const Part*> Notebook::part(const std::string& wanted) const {
  for (const auto& ex : exercises)
    for (const auto& p : ex.parts)
      if (p.id == wanted) return {&ex, &p};
  return {nullptr, nullptr};
}

Result<const Exercise*> Notebook::find_exercise(const std::string& wanted) const {
  if (const Exercise* ex = exercise(wanted)) return ex;
  return make_error(ErrorCode::UnknownName, "there is no exercise '" + wanted.substr(0, 80) + "' in " + id);
}

Result<std::pair<const Exercise*, const Part*>> Notebook::find_part(const std::string& wanted) const {
  auto found = part(wanted);
  if (found.second) return found;
  std::vector<std::string> ids;
  for (const auto& ex : exercises)
    for (const auto& p : ex.parts) ids.push_back(p.id);
  const std::string near = nearest_name(wanted, ids);
  return make_error(ErrorCode::UnknownName,
                    "there is no part '" + wanted.substr(0, 80) + "' in " + id + (near.empty() ? "" : ": did you mean '" + near + "'?"));
}

const Cell* Notebook::cell(const std::string& wanted) const {
  for (const auto& c : cells)
    if (c.id == wanted) return &c;
  return nullptr;
}

namespace {

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

int indent_of(const std::string& s) {
  int n = 0;
  for (char c : s) {
    if (c == ' ') ++n;
    else if (c == '\t') n += 4;
    else break;
  }
  return n;
}

bool blank(const std::string& s) { return trim(s).empty(); }

bool valid_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// Splits "a => b" at the first top-level "=>" (outside brackets and quotes).
bool split_arrow(const std::string& s, std::string& left, std::string& right) {
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '(' || c == '[') ++depth;
    else if (c == ')' || c == ']') --depth;
    else if (depth == 0 && c == '=' && s[i + 1] == '>') {
      left = trim(s.substr(0, i));
      right = trim(s.substr(i + 2));
      return true;
    }
  }
  return false;
}

// Splits "base ~ vary" at the first '~' outside quotes ('~' is not an operator of the language).
bool split_tilde(const std::string& s, std::string& left, std::string& right) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '~') {
      left = trim(s.substr(0, i));
      right = trim(s.substr(i + 1));
      return true;
    }
  }
  return false;
}

class NotebookParser {
 public:
  NotebookParser(std::string_view text, std::string file) : file_(std::move(file)) {
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string line(text.substr(start, end - start));
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(std::move(line));
      if (end == text.size()) break;
      start = end + 1;
    }
  }

  ParseReport run() {
    std::size_t i = front_matter();
    std::vector<std::string> prose;
    int prose_line = static_cast<int>(i) + 1;
    auto flush_prose = [&] {
      bool any = std::any_of(prose.begin(), prose.end(), [](const std::string& l) { return !blank(l); });
      if (any) {
        Cell c;
        c.type = Cell::Type::Prose;
        c.line = prose_line;
        c.id = "prose-" + std::to_string(++prose_count_);
        std::string text;
        for (const auto& l : prose) text += l + "\n";
        c.source = text;
        nb_.cells.push_back(std::move(c));
      }
      prose.clear();
    };
    while (i < lines_.size()) {
      const std::string& line = lines_[i];
      if (line.rfind("```", 0) == 0) {
        const std::string info = trim(line.substr(3));
        std::string type = info.substr(0, info.find(' '));
        std::string args = type.size() < info.size() ? trim(info.substr(type.size())) : "";
        static const std::vector<std::string> kTypes = {"kl", "exercise", "slider", "plot"};
        const bool ours = std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
        // Find the closing fence.
        std::size_t close = i + 1;
        while (close < lines_.size() && trim(lines_[close]) != "```") ++close;
        if (!ours) {
          std::string near = type.size() >= 4 ? nearest_name(type, kTypes) : "";
          if (!near.empty() && near != type)
            error(static_cast<int>(i) + 1, "unknown block type '" + type + "': did you mean '" + near + "'?");
          // Any other fenced block (```python, ```text) is prose, shown as code.
          const std::size_t stop = std::min(close, lines_.size() - 1);
          for (std::size_t k = i; k <= stop; ++k) prose.push_back(lines_[k]);
          i = stop + 1;
          continue;
        }
        flush_prose();
        if (close >= lines_.size()) {
          error(static_cast<int>(i) + 1, "the ```" + type + " block opened here is never closed with ```");
          close = lines_.size();
        }
        std::vector<std::string> body(lines_.begin() + static_cast<long>(i) + 1, lines_.begin() + static_cast<long>(close));
        const int first = static_cast<int>(i) + 2;  // file line of body[0]
        if (type == "kl") code_cell(args, body, first);
        else if (type == "slider") slider_cell(args, body, first);
        else if (type == "plot") plot_cell(args, body, first);
        else exercise_cell(args, body, first);
        i = close + 1;
        prose_line = static_cast<int>(i) + 1;
        continue;
      }
      if (prose.empty()) prose_line = static_cast<int>(i) + 1;
      prose.push_back(line);
      ++i;
    }
    flush_prose();
    check_unique_ids();
    return {std::move(nb_), std::move(errors_)};
  }

 private:
  void error(int line, std::string message) {
    Error e = make_error(ErrorCode::Notebook, std::move(message));
    e.file = file_;
    e.line = line;
    errors_.push_back(std::move(e));
  }

  // An expression or template error, placed on its file line.
  void error_from(const Error& inner, int line, const std::string& context) {
    std::string msg = context.empty() ? inner.message : context + ": " + inner.message;
    if (inner.column > 0) msg += " (column " + std::to_string(inner.column) + ")";
    error(line, msg);
  }

  std::size_t front_matter() {
    if (lines_.empty() || trim(lines_[0]) != "---") {
      error(1, "a notebook starts with front matter: a '---' line, then id: and title:, then '---'");
      return 0;
    }
    std::size_t i = 1;
    for (; i < lines_.size() && trim(lines_[i]) != "---"; ++i) {
      const std::string line = trim(lines_[i]);
      if (line.empty() || line[0] == '#') continue;
      const std::size_t colon = line.find(':');
      const int ln = static_cast<int>(i) + 1;
      if (colon == std::string::npos) {
        error(ln, "front matter lines are 'key: value'");
        continue;
      }
      const std::string key = trim(line.substr(0, colon));
      const std::string value = trim(line.substr(colon + 1));
      if (key == "id") {
        if (!valid_id(value)) error(ln, "the notebook id '" + value + "' may use only letters, digits, '-' and '_'");
        nb_.id = value;
      } else if (key == "title") {
        nb_.title = value;
      } else if (key == "description") {
        nb_.description = value;
      } else if (key == "order") {
        nb_.order = std::atoi(value.c_str());
      } else {
        std::string near = nearest_name(key, {"id", "title", "description", "order"});
        error(ln, "unknown front matter key '" + key + "'" +
                      (near.empty() ? " (known: id, title, description, order)" : ": did you mean '" + near + "'?"));
      }
    }
    if (i >= lines_.size()) {
      error(1, "the front matter is never closed with a '---' line");
      return lines_.size();
    }
    if (nb_.id.empty()) error(1, "the front matter has no id:");
    if (nb_.title.empty()) error(1, "the front matter has no title:");
    return i + 1;
  }

  void code_cell(const std::string& args, const std::vector<std::string>& body, int first) {
    Cell c;
    c.type = Cell::Type::Code;
    c.line = first - 1;
    std::string name = args;
    if (name.rfind("id=", 0) == 0) name = name.substr(3);
    c.id = name.empty() ? "cell-" + std::to_string(++code_count_) : name;
    if (!name.empty() && !valid_id(name)) error(c.line, "the cell id '" + name + "' may use only letters, digits, '-' and '_'");
    for (const auto& l : body) c.source += l + "\n";
    auto prog = parse_program(c.source);
    if (!prog.ok()) {
      error_from(prog.error(), first - 1 + prog.error().line, "");
    } else {
      c.statements = prog.value();
      analyse(c);
    }
    nb_.cells.push_back(std::move(c));
  }

  void analyse(Cell& c) {
    std::set<std::string> local;
    for (const auto& st : c.statements) {
      for (const auto& n : free_names(*st.expr))
        if (!local.count(n)) c.uses.insert(n);
      if (!st.target.empty()) {
        if (is_function(st.target) || is_constant(st.target))
          error(c.line + st.line, "'" + st.target + "' is a built-in name and cannot be assigned to");
        local.insert(st.target);
        c.defines.insert(st.target);
      }
    }
  }

  // key: value lines of a slider or plot block, with repeated keys kept in order.
  std::vector<std::tuple<std::string, std::string, int>> key_values(const std::vector<std::string>& body, int first) {
    std::vector<std::tuple<std::string, std::string, int>> out;
    for (std::size_t k = 0; k < body.size(); ++k) {
      const std::string line = trim(body[k]);
      if (line.empty() || line[0] == '#') continue;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) {
        error(first + static_cast<int>(k), "expected 'key: value'");
        continue;
      }
      out.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)), first + static_cast<int>(k));
    }
    return out;
  }

  bool number_value(const std::string& text, int line, const std::string& key, double& out) {
    auto r = parse_expression(text);
    Environment empty;
    auto v = r.ok() ? evaluate(*r.value(), empty) : Result<Value>(r.error());
    if (!v.ok() || !v.value().is_number()) {
      error(line, key + ": expected a number, got '" + text + "'");
      return false;
    }
    out = v.value().number();
    return true;
  }

  void slider_cell(const std::string& args, const std::vector<std::string>& body, int first) {
    Cell c;
    c.type = Cell::Type::Slider;
    c.line = first - 1;
    bool has_value = false;
    for (const auto& [key, value, line] : key_values(body, first)) {
      if (key == "name") c.slider.name = value;
      else if (key == "label") c.slider.label = value;
      else if (key == "min") number_value(value, line, key, c.slider.min);
      else if (key == "max") number_value(value, line, key, c.slider.max);
      else if (key == "step") number_value(value, line, key, c.slider.step);
      else if (key == "value") has_value = number_value(value, line, key, c.slider.value);
      else {
        std::string near = nearest_name(key, {"name", "label", "min", "max", "step", "value"});
        error(line, "unknown slider key '" + key + "'" +
                        (near.empty() ? " (known: name, label, min, max, step, value)" : ": did you mean '" + near + "'?"));
      }
    }
    Slider& s = c.slider;
    if (s.name.empty()) error(c.line, "a slider needs a name: (the code name it sets)");
    else if (!valid_id(s.name) || std::isdigit(static_cast<unsigned char>(s.name[0])) || s.name.find('-') != std::string::npos)
      error(c.line, "the slider name '" + s.name + "' must be a valid name (letters, digits, _)");
    if (!(s.max > s.min)) error(c.line, "a slider needs min < max");
    if (!(s.step > 0)) error(c.line, "a slider needs step > 0");
    if (!has_value) s.value = s.min;
    if (s.value < s.min || s.value > s.max) error(c.line, "the slider's value must lie between min and max");
    c.id = args.empty() ? "slider-" + s.name : args;
    c.defines.insert(s.name);
    nb_.cells.push_back(std::move(c));
  }

  void plot_cell(const std::string& args, const std::vector<std::string>& body, int first) {
    Cell c;
    c.type = Cell::Type::Plot;
    c.line = first - 1;
    c.id = args.empty() ? "plot-" + std::to_string(++plot_count_) : args;
    Plot& p = c.plot;
    for (const auto& [key, value, line] : key_values(body, first)) {
      if (key == "title") p.title = value;
      else if (key == "xlabel") p.xlabel = value;
      else if (key == "ylabel") p.ylabel = value;
      else if (key == "scale") {
        if (value == "log") p.log_y = true;
        else if (value != "linear") error(line, "scale: use 'linear' or 'log'");
      } else if (key == "over") {
        auto st = parse_statement(value);
        if (!st.ok()) error_from(st.error(), line, "over");
        else if (st.value().target.empty()) error(line, "over: write 'name = values', e.g. over: tau = linspace(0.5, 10, 96)");
        else {
          p.over_name = st.value().target;
          p.over = st.value().expr;
        }
      } else if (key == "series") {
        std::string expr, label;
        if (!split_arrow(value, expr, label)) {
          error(line, "series: write 'expression => label'");
          continue;
        }
        auto e = parse_expression(expr);
        if (!e.ok()) error_from(e.error(), line, "series");
        else p.series.push_back({label, e.value(), expr});
      } else {
        std::string near = nearest_name(key, {"title", "xlabel", "ylabel", "over", "series", "scale"});
        error(line, "unknown plot key '" + key + "'" +
                        (near.empty() ? " (known: title, xlabel, ylabel, over, series, scale)" : ": did you mean '" + near + "'?"));
      }
    }
    if (!p.over) error(c.line, "a plot needs over: name = values");
    if (p.series.empty()) error(c.line, "a plot needs at least one series: expression => label");
    if (p.over) {
      for (const auto& n : free_names(*p.over)) c.uses.insert(n);
      for (const auto& s : p.series)
        for (const auto& n : free_names(*s.expr))
          if (n != p.over_name) c.uses.insert(n);
    }
    nb_.cells.push_back(std::move(c));
  }

  // ---- exercises ----------------------------------------------------------------------------

  struct Entry {
    std::string key;      // "title", "let", "part", "answer", ...
    std::string inline_;  // text after the key on its line
    std::string block;    // following more-indented lines, common indent removed
    int line = 0;
    int block_line = 0;  // file line of the block's first line
  };

  // Reads `key: value` (or `let ...`, `require ...`, `part ...`) at lines[k], plus its block of
  // more-indented lines. Returns the index after the entry.
  std::size_t read_entry(const std::vector<std::string>& body, std::size_t k, int first, int own_indent, Entry& e, bool top_level) {
    const std::string line = trim(body[k]);
    e.line = first + static_cast<int>(k);
    static const char* kWordKeys[] = {"let", "require", "part"};
    bool word = false;
    if (top_level) {
      for (const char* w : kWordKeys) {
        const std::size_t n = std::strlen(w);
        if (line.size() > n && line.compare(0, n, w) == 0 && (line[n] == ' ' || line[n] == '\t')) {
          e.key = w;
          e.inline_ = trim(line.substr(n));
          word = true;
          break;
        }
      }
    }
    if (!word) {
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos || line.find(' ') < colon) {
        e.key = "";
        e.inline_ = line;
      } else {
        e.key = trim(line.substr(0, colon));
        e.inline_ = trim(line.substr(colon + 1));
        if (e.inline_ == "|") e.inline_.clear();
      }
    }
    // A part's properties are not its block: they are read separately.
    if (e.key == "part") return k + 1;
    std::size_t j = k + 1;
    std::vector<std::string> block;
    while (j < body.size() && (blank(body[j]) || indent_of(body[j]) > own_indent)) {
      block.push_back(body[j]);
      ++j;
    }
    while (!block.empty() && blank(block.back())) {
      block.pop_back();
      --j;
    }
    int common = 1 << 20;
    for (const auto& b : block)
      if (!blank(b)) common = std::min(common, indent_of(b));
    for (const auto& b : block) {
      e.block += blank(b) ? "" : b.substr(std::min<std::size_t>(b.size(), static_cast<std::size_t>(common)));
      e.block += "\n";
    }
    if (!e.block.empty()) e.block.pop_back();
    e.block_line = e.line + 1;
    return j;
  }

  // The entry's full text: inline value, or block, or both (inline first line, block after).
  static std::string full_text(const Entry& e) {
    if (e.block.empty()) return e.inline_;
    if (e.inline_.empty()) return e.block;
    return e.inline_ + "\n" + e.block;
  }

  TextTemplate text_of(const Entry& e, const std::string& what) {
    const int line = e.inline_.empty() && !e.block.empty() ? e.block_line : e.line;
    auto t = parse_template(full_text(e), line);
    if (!t.ok()) {
      error(t.error().line, what + ": " + t.error().message);
      return {};
    }
    return t.value();
  }

  NodePtr expr_of(const std::string& text, int line, const std::string& what) {
    auto r = parse_expression(text);
    if (!r.ok()) {
      error_from(r.error(), line, what);
      return nullptr;
    }
    return r.value();
  }

  void exercise_cell(const std::string& args, const std::vector<std::string>& body, int first) {
    Exercise ex;
    ex.line = first - 1;
    ex.id = args;
    if (ex.id.empty()) error(ex.line, "an exercise block needs an id: ```exercise ex8");
    else if (!valid_id(ex.id)) error(ex.line, "the exercise id '" + ex.id + "' may use only letters, digits, '-' and '_'");
    std::size_t k = 0;
    while (k < body.size()) {
      if (blank(body[k]) || trim(body[k])[0] == '#') {
        ++k;
        continue;
      }
      if (indent_of(body[k]) > 0) {
        error(first + static_cast<int>(k), "unexpected indented line: properties belong under a 'part' line");
        ++k;
        continue;
      }
      Entry e;
      k = read_entry(body, k, first, 0, e, true);
      if (e.key == "title") ex.title = e.inline_;
      else if (e.key == "intro") ex.intro = text_of(e, "intro");
      else if (e.key == "let") param(ex, e);
      else if (e.key == "require") {
        NodePtr r = expr_of(e.inline_, e.line, "require");
        if (r) ex.requires_.emplace_back(r, e.line);
      } else if (e.key == "part") {
        k = part(ex, e, body, k, first);
      } else {
        std::string near = nearest_name(e.key.empty() ? e.inline_ : e.key, {"title", "intro", "let", "require", "part"});
        error(e.line,
              (e.key.empty() ? "unexpected line '" + e.inline_ + "'" : "unknown exercise key '" + e.key + "'") +
                  (near.empty() ? " (an exercise has title:, intro:, let, require and part lines)" : ": did you mean '" + near + "'?"));
      }
    }
    if (ex.parts.empty()) error(ex.line, "the exercise '" + ex.id + "' has no parts");
    Cell c;
    c.type = Cell::Type::Exercise;
    c.id = ex.id;
    c.line = ex.line;
    c.exercise = static_cast<int>(nb_.exercises.size());
    nb_.exercises.push_back(std::move(ex));
    nb_.cells.push_back(std::move(c));
  }

  void param(Exercise& ex, const Entry& e) {
    std::string base = e.inline_, vary;
    const bool has_vary = split_tilde(e.inline_, base, vary);
    auto st = parse_statement(base);
    if (!st.ok()) {
      error_from(st.error(), e.line, "let");
      return;
    }
    if (st.value().target.empty()) {
      error(e.line, "let: write 'let name = value' (optionally '~ how other variants draw it')");
      return;
    }
    Param p;
    p.name = st.value().target;
    p.base = st.value().expr;
    p.line = e.line;
    if (has_vary) {
      if (vary.empty()) error(e.line, "let: nothing after '~'");
      else p.vary = expr_of(vary, e.line, "let (after ~)");
    }
    for (const auto& other : ex.params)
      if (other.name == p.name) error(e.line, "the parameter '" + p.name + "' is defined twice in this exercise");
    ex.params.push_back(std::move(p));
  }

  std::size_t part(Exercise& ex, const Entry& head, const std::vector<std::string>& body, std::size_t k, int first) {
    Part p;
    p.line = head.line;
    const std::size_t colon = head.inline_.find(':');
    p.id = trim(head.inline_.substr(0, colon));
    if (!valid_id(p.id)) error(p.line, "a part line is 'part ID: prompt', e.g. 'part ex8a: Compute ...'");
    else if (!ex.id.empty() && p.id.rfind(ex.id, 0) != 0)
      error(p.line, "the part id '" + p.id + "' should start with its exercise's id '" + ex.id + "' (e.g. " + ex.id + "a)");
    std::string prompt = colon == std::string::npos ? "" : trim(head.inline_.substr(colon + 1));
    bool correct_choice = false;
    int prop_indent = -1;
    while (k < body.size()) {
      if (blank(body[k])) {
        ++k;
        continue;
      }
      const int ind = indent_of(body[k]);
      if (ind == 0) break;
      if (trim(body[k])[0] == '#') {
        ++k;
        continue;
      }
      if (prop_indent < 0) prop_indent = ind;
      if (ind != prop_indent) {
        error(first + static_cast<int>(k), "this line's indentation does not match the part's other lines");
        ++k;
        continue;
      }
      Entry e;
      k = read_entry(body, k, first, ind, e, false);
      property(p, e, prompt, correct_choice);
    }
    if (!prompt.empty()) {
      auto t = parse_template(prompt, p.line);
      if (!t.ok()) error(t.error().line, "prompt: " + t.error().message);
      else p.prompt = t.value();
    }
    if (p.prompt.empty()) error(p.line, "the part '" + p.id + "' has no prompt");
    finish_part(p, correct_choice);
    ex.parts.push_back(std::move(p));
    return k;
  }

  void property(Part& p, const Entry& e, std::string& prompt, bool& correct_choice) {
    const std::string& key = e.key;
    if (key == "prompt") {
      prompt = full_text(e);
    } else if (key == "answer") {
      auto st = parse_statement(e.inline_);
      if (!st.ok()) {
        error_from(st.error(), e.line, "answer");
        return;
      }
      p.name = st.value().target;
      p.answer = st.value().expr;
      p.answer_source = e.inline_;
    } else if (key == "accept") {
      if (NodePtr n = expr_of(e.inline_, e.line, "accept")) p.accept.push_back(n);
    } else if (key == "kind") {
      kind(p, e);
    } else if (key == "tolerance") {
      tolerance(p, e);
    } else if (key == "hint") {
      p.hints.push_back(text_of(e, "hint"));
    } else if (key == "solution") {
      p.solution = text_of(e, "solution");
    } else if (key == "mistake") {
      AuthorMistake m;
      if (mistake(e, m)) p.mistakes.push_back(std::move(m));
    } else if (key == "step") {
      step(p, e);
    } else if (key == "shown") {
      p.shown = full_text(e);
      if (p.shown.empty()) error(e.line, "shown: say why the answer appears on the page (e.g. 'shown: worked example in the prose above')");
    } else if (key == "claim") {
      Claim c;
      c.source = e.inline_;
      c.line = e.line;
      c.condition = expr_of(e.inline_, e.line, "claim");
      if (c.condition) p.claims.push_back(std::move(c));
    } else if (key == "choice" || key == "choice*") {
      Choice c;
      c.line = e.line;
      c.correct = key == "choice*";
      // The option's text is prose (apostrophes and all): split at the first "=>" as written.
      std::string text = full_text(e), feedback;
      const std::size_t arrow = text.find("=>");
      if (arrow != std::string::npos) {
        feedback = trim(text.substr(arrow + 2));
        text = trim(text.substr(0, arrow));
      }
      c.text = text;
      if (!feedback.empty()) {
        auto t = parse_template(feedback, e.line);
        if (!t.ok()) error(t.error().line, "choice feedback: " + t.error().message);
        else c.feedback = t.value();
      }
      if (c.text.empty()) error(e.line, "a choice needs its text");
      correct_choice = correct_choice || c.correct;
      p.choices.push_back(std::move(c));
    } else if (key == "forbid") {
      std::string list = e.inline_;
      std::size_t pos = 0;
      while (pos <= list.size()) {
        std::size_t comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        const std::string name = trim(list.substr(pos, comma - pos));
        if (!name.empty()) {
          if (!is_function(name)) {
            std::string near = nearest_name(name, function_names());
            error(e.line, "forbid: '" + name + "' is not a library function" + (near.empty() ? "" : ": did you mean '" + near + "'?"));
          }
          p.forbidden.insert(name);
        }
        pos = comma + 1;
      }
    } else if (key == "range") {
      // range: phi from 0.1 to 2
      const std::string& t = e.inline_;
      const std::size_t from = t.find(" from "), to = t.find(" to ");
      double lo = 0, hi = 0;
      if (from == std::string::npos || to == std::string::npos || to < from) {
        error(e.line, "range: write 'range: name from LOW to HIGH'");
        return;
      }
      VariableRange r;
      r.name = trim(t.substr(0, from));
      if (!number_value(trim(t.substr(from + 6, to - from - 6)), e.line, "range", lo) ||
          !number_value(trim(t.substr(to + 4)), e.line, "range", hi))
        return;
      if (!(hi > lo)) error(e.line, "range: LOW must be below HIGH");
      r.lo = lo;
      r.hi = hi;
      bool found = false;
      for (auto& v : p.variables)
        if (v.name == r.name) {
          v = r;
          found = true;
        }
      if (!found) error(e.line, "range: '" + r.name + "' is not a variable of this part's kind: expression(...)");
    } else {
      static const std::vector<std::string> kKeys = {"prompt", "answer",  "accept", "kind",  "tolerance", "hint",  "solution", "mistake",
                                                     "choice", "choice*", "forbid", "range", "step",      "shown", "claim"};
      std::string near = nearest_name(key.empty() ? e.inline_ : key, kKeys);
      error(
          e.line,
          (key.empty() ? "unexpected line '" + e.inline_ + "'" : "unknown part key '" + key + "'") +
              (near.empty()
                   ? " (known: prompt, answer, accept, kind, tolerance, hint, solution, mistake, choice, forbid, range, step, shown, claim)"
                   : ": did you mean '" + near + "'?"));
    }
  }

  // `mistake: wrong expression => feedback`, for a part or a derivation step.
  bool mistake(const Entry& e, AuthorMistake& m) {
    std::string expr, feedback;
    const std::string text = full_text(e);
    if (!split_arrow(text, expr, feedback) || feedback.empty()) {
      error(e.line, "mistake: write 'wrong answer expression => feedback'");
      return false;
    }
    m.source = expr;
    m.line = e.line;
    m.expr = expr_of(expr, e.line, "mistake");
    auto t = parse_template(feedback, e.line);
    if (!t.ok()) error(t.error().line, "mistake feedback: " + t.error().message);
    else m.feedback = t.value();
    return m.expr != nullptr;
  }

  // ---- derivations ----------------------------------------------------------------------------

  // A step's expressions may name earlier steps (prev, step1, step2, ...) and use at(E, x, V);
  // `index` is the step's 0-based position. Reports every misuse on `line`.
  void step_references(const Node& n, std::size_t index, int line, const std::string& what) {
    if (n.type == Node::Type::Name) {
      if (n.text == "prev" && index == 0) error(line, what + ": the first step has no previous step, so it cannot use 'prev'");
      if (n.text.size() > 4 && n.text.compare(0, 4, "step") == 0 && n.text.find_first_not_of("0123456789", 4) == std::string::npos) {
        const long k = std::atol(n.text.c_str() + 4);
        if (k < 1 || static_cast<std::size_t>(k) > index)
          error(line, what + ": '" + n.text + "' is not an earlier step (step " + std::to_string(index + 1) + " may use step1 to step" +
                          std::to_string(index) + ")");
      }
    }
    if (n.type == Node::Type::Call && n.text == "at" && (n.children.size() != 3 || n.children[1]->type != Node::Type::Name))
      error(line, what + ": write at(EXPRESSION, variable, value), e.g. at(prev, x, m1 + sqrt(v1))");
    for (const auto& c : n.children) step_references(*c, index, line, what);
  }

  // `step: prompt` with its own indented lines: answer:, from:, constant:, hint:, mistake:, prompt:.
  void step(Part& p, const Entry& e) {
    DerivationStep s;
    s.line = e.line;
    const std::size_t index = p.steps.size();
    std::string prompt = e.inline_;
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (!e.block.empty() && pos <= e.block.size()) {
      std::size_t nl = e.block.find('\n', pos);
      if (nl == std::string::npos) nl = e.block.size();
      lines.push_back(e.block.substr(pos, nl - pos));
      pos = nl + 1;
    }
    std::size_t j = 0;
    while (j < lines.size()) {
      if (blank(lines[j]) || trim(lines[j])[0] == '#') {
        ++j;
        continue;
      }
      if (indent_of(lines[j]) > 0) {
        error(e.block_line + static_cast<int>(j), "this line's indentation does not match the step's other lines");
        ++j;
        continue;
      }
      Entry sub;
      j = read_entry(lines, j, e.block_line, 0, sub, false);
      const std::string& key = sub.key;
      if (key == "answer") {
        s.answer = expr_of(sub.inline_, sub.line, "step answer");
        s.answer_source = sub.inline_;
        s.answer_line = sub.line;
        if (s.answer) step_references(*s.answer, index, sub.line, "answer");
      } else if (key == "from") {
        s.from = expr_of(sub.inline_, sub.line, "from");
        s.from_source = sub.inline_;
        s.from_line = sub.line;
        if (s.from) {
          step_references(*s.from, index, sub.line, "from");
          if (index == 0) error(sub.line, "from: the first step has no earlier step to be computed from");
        }
      } else if (key == "constant") {
        if (sub.inline_ == "additive") s.constant = DerivationStep::Constant::Additive;
        else if (sub.inline_ == "factor") s.constant = DerivationStep::Constant::Factor;
        else error(sub.line, "constant: use 'additive' (any added constant is accepted) or 'factor' (any nonzero constant factor)");
      } else if (key == "hint") {
        s.hints.push_back(text_of(sub, "hint"));
      } else if (key == "prompt") {
        prompt = full_text(sub);
      } else if (key == "mistake") {
        AuthorMistake m;
        if (mistake(sub, m)) {
          step_references(*m.expr, index, sub.line, "mistake");
          s.mistakes.push_back(std::move(m));
        }
      } else {
        static const std::vector<std::string> kKeys = {"answer", "from", "constant", "hint", "prompt", "mistake"};
        std::string near = nearest_name(key.empty() ? sub.inline_ : key, kKeys);
        error(sub.line, (key.empty() ? "unexpected line '" + sub.inline_ + "' in a step" : "unknown step key '" + key + "'") +
                            (near.empty() ? " (a step has answer:, from:, constant:, hint:, mistake: and prompt: lines)"
                                          : ": did you mean '" + near + "'?"));
      }
    }
    if (prompt.empty()) error(s.line, "step " + std::to_string(index + 1) + " has no prompt: write 'step: what this step does'");
    else {
      auto t = parse_template(prompt, s.line);
      if (!t.ok()) error(t.error().line, "step prompt: " + t.error().message);
      else s.prompt = t.value();
    }
    if (!s.answer) error(s.line, "step " + std::to_string(index + 1) + " has no answer: line (indent it under the step)");
    p.steps.push_back(std::move(s));
  }

  void kind(Part& p, const Entry& e) {
    std::string k = e.inline_;
    p.kind_given = true;
    if (k == "number") p.kind = AnswerKind::Number;
    else if (k == "vector") p.kind = AnswerKind::Vector;
    else if (k == "probability") p.kind = AnswerKind::Probability;
    else if (k == "matrix") p.kind = AnswerKind::Matrix;
    else if (k == "choice") p.kind = AnswerKind::Choice;
    else if (k.rfind("derivation", 0) == 0) {
      // derivation or derivation(x, m1, v1): the steps' free variables.
      p.kind = AnswerKind::Derivation;
      const std::string rest = trim(k.substr(10));
      if (rest.empty()) return;
      if (rest.front() != '(' || rest.back() != ')') {
        error(e.line, "kind: write 'derivation' or 'derivation(x, mu, v)', with the steps' free variables");
        return;
      }
      const std::string vars = rest.substr(1, rest.size() - 2);
      std::size_t pos = 0;
      while (pos <= vars.size()) {
        std::size_t comma = vars.find(',', pos);
        if (comma == std::string::npos) comma = vars.size();
        const std::string name = trim(vars.substr(pos, comma - pos));
        if (!name.empty()) {
          if (name == "prev" || name == "at" ||
              (name.size() > 4 && name.compare(0, 4, "step") == 0 && name.find_first_not_of("0123456789", 4) == std::string::npos))
            error(e.line, "kind: '" + name + "' is reserved in derivations (prev, stepN and at() name earlier steps)");
          else if (is_function(name) || is_constant(name))
            error(e.line, "kind: '" + name + "' is a built-in name and cannot be a variable");
          p.variables.push_back({name, 0.1, 3.0});
        }
        pos = comma + 1;
      }
    } else if (k.rfind("expression", 0) == 0) {
      p.kind = AnswerKind::Expression;
      const std::size_t open = k.find('('), close = k.find(')');
      if (open == std::string::npos || close == std::string::npos || close < open) {
        error(e.line, "kind: write 'expression(phi)' or 'expression(mu, v)', with the answer's free variables");
        return;
      }
      std::string vars = k.substr(open + 1, close - open - 1);
      std::size_t pos = 0;
      while (pos <= vars.size()) {
        std::size_t comma = vars.find(',', pos);
        if (comma == std::string::npos) comma = vars.size();
        const std::string name = trim(vars.substr(pos, comma - pos));
        if (!name.empty()) p.variables.push_back({name, 0.1, 3.0});
        pos = comma + 1;
      }
      if (p.variables.empty()) error(e.line, "kind: expression(...) needs at least one variable");
      const std::string rest = trim(k.substr(close + 1));
      if (rest == "+ constant") p.up_to_constant = true;
      else if (!rest.empty()) error(e.line, "kind: after expression(...) only '+ constant' may follow (equal up to an additive constant)");
    } else {
      std::string near = nearest_name(k, {"number", "vector", "probability", "matrix", "choice", "expression", "derivation"});
      error(e.line, "unknown answer kind '" + k + "'" +
                        (near.empty() ? " (known: number, vector, probability, matrix, choice, expression(x), derivation(x))"
                                      : ": did you mean '" + near + "'?"));
    }
  }

  void tolerance(Part& p, const Entry& e) {
    std::string t = e.inline_;
    const std::size_t sp = t.find(' ');
    const std::string mode = t.substr(0, sp);
    const std::string rest = sp == std::string::npos ? "" : trim(t.substr(sp + 1));
    Tolerance& tol = p.tolerance;
    if (mode == "stderr") {
      // stderr K of EXPR
      const std::size_t of = rest.find(" of ");
      if (of == std::string::npos) {
        error(e.line, "tolerance: write 'stderr 4 of EXPR', EXPR being the reference's standard error");
        return;
      }
      tol.mode = Tolerance::Mode::StdErr;
      number_value(trim(rest.substr(0, of)), e.line, "tolerance", tol.value);
      tol.stderr_expr = expr_of(trim(rest.substr(of + 4)), e.line, "tolerance");
      return;
    }
    if (mode == "rel") tol.mode = Tolerance::Mode::Relative;
    else if (mode == "abs") tol.mode = Tolerance::Mode::Absolute;
    else if (mode == "sigfigs") tol.mode = Tolerance::Mode::SigFigs;
    else {
      error(e.line, "tolerance: use 'rel 1e-3', 'abs 0.001', 'sigfigs 3' or 'stderr 4 of EXPR'");
      return;
    }
    if (number_value(rest, e.line, "tolerance", tol.value) && !(tol.value > 0)) error(e.line, "tolerance: the bound must be positive");
  }

  void finish_part(Part& p, bool correct_choice) {
    if (p.kind == AnswerKind::Derivation) {
      if (p.steps.empty()) error(p.line, "a derivation part needs at least one 'step:' line, each with its answer: indented under it");
      if (p.steps.size() > kMaxDerivationSteps)
        error(p.line, "a derivation has at most " + std::to_string(kMaxDerivationSteps) + " steps; split it into parts");
      if (p.answer) error(p.line, "a derivation part takes no answer: line of its own: each step has one");
      if (!p.mistakes.empty()) error(p.mistakes.front().line, "in a derivation, mistake: lines belong under the step they are about");
      if (!p.accept.empty() || p.tolerance.mode != Tolerance::Mode::Auto)
        error(p.line, "accept: and tolerance: do not apply to a derivation (its steps are compared as formulas)");
      if (!p.choices.empty()) error(p.line, "choice: lines belong to a part of kind: choice");
      return;
    }
    if (!p.steps.empty()) error(p.steps.front().line, "step: lines belong to a part of kind: derivation(...)");
    if (!p.choices.empty() && !p.kind_given) {
      p.kind = AnswerKind::Choice;
      p.kind_given = true;
    }
    if (p.kind == AnswerKind::Choice) {
      if (p.choices.size() < 2) error(p.line, "a choice part needs at least two choice: lines");
      if (!correct_choice) error(p.line, "mark the correct option with 'choice*:'");
      if (p.answer) error(p.line, "a choice part takes no answer: line (mark the correct option with 'choice*:')");
      return;
    }
    if (!p.choices.empty()) error(p.line, "choice: lines belong to a part of kind: choice");
    if (!p.answer) error(p.line, "the part '" + p.id + "' has no answer: line");
  }

  // Cell and exercise ids share one namespace (they are element ids on the page); part ids have
  // their own (they name inputs), and a part may share its exercise's id (exercise d1, part d1).
  void check_unique_ids() {
    std::map<std::string, int> blocks, parts;
    auto claim = [&](std::map<std::string, int>& seen, const std::string& id, int line, const char* what) {
      auto it = seen.find(id);
      if (it != seen.end())
        error(line, std::string("duplicate id '") + id + "' (" + what + "): it is already used at line " + std::to_string(it->second));
      else seen[id] = line;
    };
    for (const auto& c : nb_.cells)
      if (c.type != Cell::Type::Prose && c.type != Cell::Type::Exercise) claim(blocks, c.id, c.line, "cell");
    for (const auto& ex : nb_.exercises) {
      claim(blocks, ex.id, ex.line, "exercise");
      for (const auto& p : ex.parts) {
        claim(parts, p.id, p.line, "part");
        for (const auto& other : nb_.exercises)
          if (other.id == p.id && &other != &ex)
            error(p.line, "the part id '" + p.id + "' is also the id of another exercise (line " + std::to_string(other.line) + ")");
      }
    }
  }

  std::string file_;
  std::vector<std::string> lines_;
  Notebook nb_;
  std::vector<Error> errors_;
  int code_count_ = 0, plot_count_ = 0, prose_count_ = 0;
};

}  // namespace

ParseReport parse_notebook(std::string_view text, const std::string& file) {
  ParseReport r = NotebookParser(text, file).run();
  r.notebook.file = file;
  std::stable_sort(r.errors.begin(), r.errors.end(), [](const Error& a, const Error& b) { return a.line < b.line; });
  return r;
}

}  // namespace kl
