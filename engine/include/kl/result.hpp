// Errors as values: the one error type of the engine and the Result<T> every fallible public
// function returns. No exception is thrown anywhere in the engine (see ARCHITECTURE.md, principle 2).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kl {

/// Error classes. The numeric values are part of the JS API (error.code is the name, see code_name).
enum class ErrorCode {
  Syntax,               ///< malformed expression text (has a column)
  UnknownName,          ///< a variable or function that does not exist
  Arity,                ///< wrong number of arguments
  Type,                 ///< wrong kind of value (vector where a number is expected, ...)
  Domain,               ///< outside a function's domain: ln(-1), 0/0, sqrt(-2), a NaN result
  DivisionByZero,       ///< x / 0
  Length,               ///< vectors or matrices of incompatible sizes
  NotDistribution,      ///< a probability vector that is negative or does not sum to 1
  NotPositiveDefinite,  ///< a covariance matrix that is not symmetric positive definite
  Index,                ///< an index out of range or not a whole number
  TooDeep,              ///< nesting deeper than the cap
  TooLarge,             ///< a vector, matrix, string or computation larger than the caps
  Forbidden,            ///< a function the exercise does not allow in this answer
  Notebook,             ///< an author error in a notebook file (has a line)
  Storage,              ///< a corrupted or foreign progress record
  Closed,               ///< a call on a notebook or session that was closed (JS API)
  Internal              ///< a bug: should never be seen
};

/// Stable lower-case name of an error code ("syntax", "unknown_name", ...), used by the CLI and JS.
const char* code_name(ErrorCode code);

/// A structured error: what went wrong, in words a learner understands, and where.
struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  int column = 0;    ///< 1-based column in the expression text; 0 when not applicable
  int line = 0;      ///< 1-based line in a notebook file; 0 when not applicable
  std::string file;  ///< notebook file name for author errors; empty otherwise
};

/// Makes an Error (column and line left at 0).
inline Error make_error(ErrorCode code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

/// Either a value or an Error. Small, explicit, no exceptions.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace kl

/// Propagates an error: KL_TRY(auto x, expr) declares x from a Result or returns its error.
#define KL_CONCAT_INNER(a, b) a##b
#define KL_CONCAT(a, b) KL_CONCAT_INNER(a, b)
#define KL_TRY_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                 \
  if (!tmp.ok()) return tmp.error(); \
  decl = std::move(tmp).value()
#define KL_TRY(decl, expr) KL_TRY_IMPL(KL_CONCAT(kl_try_, __LINE__), decl, expr)
