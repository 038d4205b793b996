// The embind registration: names only. Adapters and conversions are in convert.cpp; the public JS API
// (idiomatic names, JSON parsed, one failure shape) is bindings/kllab.mjs. Raw names start with '_'.
#include <emscripten/bind.h>

#include "convert.hpp"
#include "kl/session.hpp"

EMSCRIPTEN_BINDINGS(kllab) {
  using namespace emscripten;
  function("_evaluate", &klb::evaluate_once);
  function("_functions", &klb::function_list);
  function("_vocabulary", &kl::vocabulary_json);
  class_<klb::Scratch>("_Scratch").constructor<>().function("evaluate", &klb::scratch_evaluate).function("reset", &klb::scratch_reset);
  class_<kl::Session>("_Notebook")
      .constructor(&klb::open_notebook, allow_raw_pointers())
      .function("errors", &klb::errors)
      .function("validate", &klb::validate)
      .function("info", &klb::info)
      .function("cells", &klb::cells)
      .function("exercise", &klb::exercise)
      .function("runAll", &klb::run_all)
      .function("editCell", &klb::edit_cell)
      .function("setSlider", &klb::set_slider)
      .function("plot", &klb::plot)
      .function("check", &klb::check)
      .function("view", &klb::view)
      .function("preview", &klb::preview)
      .function("exerciseSlots", &klb::exercise_slots)
      .function("libraryMistakes", &klb::library_mistakes)
      .function("loadRecord", &klb::load_record)
      .function("recordJson", &klb::record_json)
      .function("resetRecord", &klb::reset_record)
      .function("setLearner", &klb::set_learner)
      .function("mergeRecord", &klb::merge_record)
      .function("state", &klb::state)
      .function("setVariant", &klb::set_variant)
      .function("setDraft", &klb::set_draft)
      .function("submit", &klb::submit)
      .function("recheck", &klb::recheck)
      .function("revealHint", &klb::reveal_hint)
      .function("dropPart", &klb::drop_part)
      .function("revealSolution", &klb::reveal_solution)
      .function("exportFile", &klb::export_file)
      .function("previewImport", &klb::preview_import)
      .function("applyImport", &klb::apply_import);
}
