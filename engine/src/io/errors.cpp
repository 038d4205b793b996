// Names of error codes, shared by the CLI, the bindings and the tests.
#include "kl/result.hpp"

namespace kl {

const char* code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::Syntax: return "syntax";
    case ErrorCode::UnknownName: return "unknown_name";
    case ErrorCode::Arity: return "arity";
    case ErrorCode::Type: return "type";
    case ErrorCode::Domain: return "domain";
    case ErrorCode::DivisionByZero: return "division_by_zero";
    case ErrorCode::Length: return "length";
    case ErrorCode::NotDistribution: return "not_distribution";
    case ErrorCode::NotPositiveDefinite: return "not_positive_definite";
    case ErrorCode::Index: return "index";
    case ErrorCode::TooDeep: return "too_deep";
    case ErrorCode::TooLarge: return "too_large";
    case ErrorCode::Forbidden: return "forbidden";
    case ErrorCode::Notebook: return "notebook";
    case ErrorCode::Storage: return "storage";
    case ErrorCode::Closed: return "closed";
    case ErrorCode::Internal: return "internal";
  }
  return "internal";
}

}  // namespace kl
