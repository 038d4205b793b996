// The reactive graph of code, slider and plot cells: which cell defines which name, dependency
// order, double definitions and cycles, and re-running exactly the dependents of a change.
//
// Units of work: one cell run (all its statements) and one plot (its x values and every point of
// every series) each get one Budget, with a deadline as a backstop, so neither can escape the
// work cap by evaluating many small things. The names all cells define together hold at most
// kMaxHeldElements numbers.
#include <algorithm>
#include <functional>

#include "kl/notebook.hpp"

namespace kl {

namespace {

bool in_graph(const Cell& c) { return c.type == Cell::Type::Code || c.type == Cell::Type::Slider || c.type == Cell::Type::Plot; }

Error graph_error(const Notebook& nb, int line, std::string message) {
  Error e = make_error(ErrorCode::Notebook, std::move(message));
  e.file = nb.file;
  e.line = line;
  return e;
}

}  // namespace

Runtime::Runtime(const Notebook& nb) : nb_(nb) {
  // Who defines what.
  for (std::size_t i = 0; i < nb_.cells.size(); ++i) {
    const Cell& c = nb_.cells[i];
    if (!in_graph(c)) continue;
    for (const auto& name : c.defines) {
      auto it = definer_.find(name);
      if (it != definer_.end()) {
        graph_errors_.push_back(graph_error(nb_, c.line,
                                            "'" + name + "' is defined in two cells (here and at line " +
                                                std::to_string(nb_.cells[it->second].line) + "): define each name in one cell"));
      } else {
        definer_[name] = i;
      }
    }
  }
  // Topological order by depth-first search; a back edge is a cycle.
  std::vector<int> state(nb_.cells.size(), 0);  // 0 new, 1 on stack, 2 done
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (state[i] == 2) return;
    if (state[i] == 1) return;
    state[i] = 1;
    for (const auto& name : nb_.cells[i].uses) {
      auto it = definer_.find(name);
      if (it == definer_.end() || it->second == i) continue;
      if (state[it->second] == 1) {
        graph_errors_.push_back(graph_error(nb_, nb_.cells[i].line,
                                            "cycle: this cell uses '" + name + "', which is defined by the cell at line " +
                                                std::to_string(nb_.cells[it->second].line) + ", which depends on this one"));
        continue;
      }
      visit(it->second);
    }
    state[i] = 2;
    order_.push_back(i);
  };
  for (std::size_t i = 0; i < nb_.cells.size(); ++i)
    if (in_graph(nb_.cells[i])) visit(i);
}

CellResult Runtime::run_cell(std::size_t index) {
  Cell& c = nb_.cells[index];
  CellResult r;
  r.cell = c.id;
  // Blocked when a name this cell reads comes from a cell that failed (or is blocked).
  for (const auto& name : c.uses) {
    auto it = definer_.find(name);
    if (it != definer_.end() && it->second != index && failed_.count(it->second)) {
      r.status = CellResult::Status::Blocked;
      r.blocked_by = name;
      break;
    }
  }
  auto pe = parse_errors_.find(index);
  if (r.status == CellResult::Status::Ok && pe != parse_errors_.end()) {
    r.status = CellResult::Status::Error;
    r.error = pe->second;
  }
  if (r.status == CellResult::Status::Ok) {
    if (c.type == Cell::Type::Slider) {
      env_[c.slider.name] = Value(c.slider.value);
      r.values.emplace_back(c.slider.name, Value(c.slider.value));
    } else if (c.type == Cell::Type::Code) {
      std::set<std::string> assigned;
      Budget budget(default_work_limit(), kMaxSeconds);
      EvalOptions options;
      options.budget = &budget;
      double held = 0;  // numbers the names hold, kept up to date (a cell may assign 100,000 times)
      for (const auto& kv : env_) held += static_cast<double>(kv.second.size());
      for (const auto& st : c.statements) {
        auto v = evaluate(*st.expr, env_, options);
        if (v.ok() && !st.target.empty()) {
          auto room = check_room(env_, st.target, v.value(), &held);
          if (!room.ok()) v = room.error();
        }
        if (!v.ok()) {
          r.status = CellResult::Status::Error;
          r.error = v.error();
          r.error.line = st.line;
          // x = x + 1 with no earlier x: a definition that refers to itself.
          for (const auto& name : free_names(*st.expr))
            if (name == st.target && !assigned.count(name) && !env_.count(name) && r.error.code == ErrorCode::UnknownName)
              r.error.message = "'" + name + "' is used in its own definition before it has a value (a definition cannot refer to itself)";
          break;
        }
        if (!st.target.empty()) assigned.insert(st.target);
        if (!st.target.empty()) env_[st.target] = v.value();
        r.values.emplace_back(st.target, v.value());
      }
    } else if (c.type == Cell::Type::Plot) {
      plots_.erase(c.id);
      auto data = plot(c.id);
      if (!data.ok()) {
        r.status = CellResult::Status::Error;
        r.error = data.error();
      } else {
        plots_[c.id] = std::move(data).value();  // plot() then answers from here until its inputs change
      }
    }
  }
  if (r.status == CellResult::Status::Ok) {
    failed_.erase(index);
  } else {
    failed_[index] = r.status == CellResult::Status::Blocked ? r.blocked_by : c.id;
    for (const auto& name : c.defines) env_.erase(name);  // no stale values
  }
  return r;
}

std::vector<CellResult> Runtime::run_all() {
  env_.clear();
  failed_.clear();
  plots_.clear();
  std::vector<CellResult> out;
  for (std::size_t i : order_) out.push_back(run_cell(i));
  return out;
}

std::vector<CellResult> Runtime::run_from(const std::set<std::string>& changed_cells) {
  // Dirty = the changed cells and everything downstream of them, run in topological order.
  std::set<std::size_t> dirty;
  for (std::size_t i : order_)
    if (changed_cells.count(nb_.cells[i].id)) dirty.insert(i);
  std::vector<CellResult> out;
  for (std::size_t i : order_) {
    if (!dirty.count(i)) {
      bool depends = false;
      for (const auto& name : nb_.cells[i].uses) {
        auto it = definer_.find(name);
        if (it != definer_.end() && it->second != i && dirty.count(it->second)) depends = true;
      }
      if (!depends) continue;
      dirty.insert(i);
    }
    out.push_back(run_cell(i));
  }
  return out;
}

Result<std::vector<CellResult>> Runtime::edit(const std::string& cell_id, const std::string& source) {
  auto it = std::find_if(nb_.cells.begin(), nb_.cells.end(), [&](const Cell& c) { return c.id == cell_id; });
  if (it == nb_.cells.end() || it->type != Cell::Type::Code)
    return make_error(ErrorCode::UnknownName, "there is no code cell '" + cell_id + "'");
  const std::size_t index = static_cast<std::size_t>(it - nb_.cells.begin());
  auto prog = parse_program(source);
  if (!prog.ok()) {
    // The cell now fails with the syntax error (column and line kept); its dependents are blocked
    // rather than left with the old values. Its names stay claimed, so the graph is unchanged.
    parse_errors_[index] = prog.error();
    it->source = source;
    return run_from({cell_id});
  }
  parse_errors_.erase(index);
  // The edited cell may define only names no other cell defines, and read no name it would cycle on.
  std::set<std::string> defines, uses, local;
  for (const auto& st : prog.value()) {
    for (const auto& n : free_names(*st.expr))
      if (!local.count(n)) uses.insert(n);
    if (!st.target.empty()) {
      if (is_function(st.target) || is_constant(st.target)) {
        Error e = make_error(ErrorCode::Type, "'" + st.target + "' is a built-in name and cannot be assigned to");
        e.line = st.line;
        return e;
      }
      local.insert(st.target);
      defines.insert(st.target);
    }
  }
  for (const auto& name : defines) {
    auto d = definer_.find(name);
    if (d != definer_.end() && d->second != index) {
      Error e = make_error(ErrorCode::Notebook, "'" + name + "' is already defined by another cell (" + nb_.cells[d->second].id + ")");
      return e;
    }
  }
  // Reject an edit that would create a cycle: a used name whose definer depends on this cell.
  std::function<bool(std::size_t, std::set<std::size_t>&)> reaches = [&](std::size_t from, std::set<std::size_t>& seen) {
    if (from == index) return true;
    if (!seen.insert(from).second) return false;
    for (const auto& n : nb_.cells[from].uses) {
      auto d = definer_.find(n);
      if (d != definer_.end() && d->second != from && reaches(d->second, seen)) return true;
    }
    return false;
  };
  for (const auto& name : uses) {
    auto d = definer_.find(name);
    std::set<std::size_t> seen;
    if (d != definer_.end() && d->second != index && reaches(d->second, seen))
      return make_error(ErrorCode::Notebook, "this edit would make a cycle: '" + name + "' depends on this cell");
  }
  // Names the cell stops defining disappear (their readers become blocked or fail).
  for (const auto& name : it->defines)
    if (!defines.count(name)) {
      env_.erase(name);
      definer_.erase(name);
    }
  for (const auto& name : defines) definer_[name] = index;
  it->source = source;
  it->statements = prog.value();
  it->defines = defines;
  it->uses = uses;
  // The order may change: recompute it.
  std::vector<std::size_t> order;
  std::vector<int> state(nb_.cells.size(), 0);
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (state[i]) return;
    state[i] = 1;
    for (const auto& n : nb_.cells[i].uses) {
      auto d = definer_.find(n);
      if (d != definer_.end() && d->second != i) visit(d->second);
    }
    state[i] = 2;
    order.push_back(i);
  };
  for (std::size_t i = 0; i < nb_.cells.size(); ++i)
    if (in_graph(nb_.cells[i])) visit(i);
  order_ = order;
  // Dependents of a removed name must re-run too: treat every reader of old or new names as changed.
  std::set<std::string> changed{cell_id};
  return run_from(changed);
}

Result<std::vector<CellResult>> Runtime::set_slider(const std::string& name, double value) {
  for (auto& c : nb_.cells) {
    if (c.type == Cell::Type::Slider && c.slider.name == name) {
      if (!(value >= c.slider.min && value <= c.slider.max))
        return make_error(ErrorCode::Domain, "the slider '" + name + "' goes from " + format_number(c.slider.min, 6) + " to " +
                                                 format_number(c.slider.max, 6));
      c.slider.value = value;
      return run_from({c.id});
    }
  }
  return make_error(ErrorCode::UnknownName, "there is no slider '" + name + "'");
}

Result<PlotData> Runtime::plot(const std::string& cell_id) const {
  const Cell* c = nullptr;
  for (const auto& cell : nb_.cells)
    if (cell.id == cell_id && cell.type == Cell::Type::Plot) c = &cell;
  if (c == nullptr) return make_error(ErrorCode::UnknownName, "there is no plot '" + cell_id + "'");
  auto cached = plots_.find(cell_id);
  if (cached != plots_.end()) return cached->second;
  const Plot& p = c->plot;
  // A plot whose lines did not parse (an author error, reported by the parser) has nothing to draw.
  bool complete = p.over != nullptr;
  for (const auto& s : p.series) complete = complete && s.expr != nullptr;
  if (!complete) return make_error(ErrorCode::Notebook, "the plot '" + cell_id + "' has lines that could not be read");
  // One budget for the whole plot: `over` and every point of every series.
  Budget budget(default_work_limit(), kMaxSeconds);
  EvalOptions options;
  options.budget = &budget;
  KL_TRY(Value xs, evaluate(*p.over, env_, options));
  if (!xs.is_vector()) return make_error(ErrorCode::Type, "over: " + p.over_name + " must be a vector, got " + describe(xs));
  if (xs.vector().size() > kMaxPlotPoints)
    return make_error(ErrorCode::TooLarge,
                      "a plot may have at most " + std::to_string(kMaxPlotPoints) + " points, got " + std::to_string(xs.vector().size()));
  PlotData out;
  out.cell = cell_id;
  out.x = xs.vector();
  // The series see only the names they read (copying every value of the notebook per plot was
  // an uncharged copy of everything), plus the point.
  Environment env;
  for (const auto& s : p.series)
    for (const auto& name : free_names(*s.expr)) {
      auto it = env_.find(name);
      if (it != env_.end()) env.insert(*it);
    }
  for (const auto& s : p.series) {
    Vec y(out.x.size());
    for (Eigen::Index i = 0; i < out.x.size(); ++i) {
      env[p.over_name] = Value(out.x[i]);
      auto v = evaluate(*s.expr, env, options);
      if (!v.ok()) {
        Error e = v.error();
        if (e.code != ErrorCode::TooLarge)
          e.message = "series '" + s.label + "' at " + p.over_name + " = " + format_number(out.x[i], 6) + ": " + e.message;
        else
          e.message = "the plot is too large to compute (series '" + s.label + "', at point " + std::to_string(i + 1) + " of " +
                      std::to_string(out.x.size()) + "): " + e.message;
        return e;
      }
      if (!v.value().is_number())
        return make_error(ErrorCode::Type, "series '" + s.label + "' must give a number at each point, got " + describe(v.value()));
      y[i] = v.value().number();
    }
    out.series.emplace_back(s.label, std::move(y));
  }
  return out;
}

Result<Environment> authored_environment(const Notebook& nb) {
  // Plots define no names: leave them out (some, e.g. Monte Carlo curves, are costly).
  Notebook without_plots = nb;
  without_plots.cells.erase(
      std::remove_if(without_plots.cells.begin(), without_plots.cells.end(), [](const Cell& c) { return c.type == Cell::Type::Plot; }),
      without_plots.cells.end());
  Runtime rt(without_plots);
  if (!rt.graph_errors().empty()) return rt.graph_errors().front();
  for (const auto& r : rt.run_all()) {
    if (r.status == CellResult::Status::Error && nb.cell(r.cell) && nb.cell(r.cell)->type != Cell::Type::Plot) {
      Error e = r.error;
      e.code = ErrorCode::Notebook;
      e.file = nb.file;
      e.line = nb.cell(r.cell)->line + std::max(1, e.line);
      if (e.column > 0) e.message += " (column " + std::to_string(e.column) + ")";
      return e;
    }
  }
  return rt.env();
}

}  // namespace kl
