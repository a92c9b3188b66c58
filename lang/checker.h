// Checks a parsed script against the catalog before any work is done: names,
// ops, arguments and their types, duplicate definitions, cycles, and whether
// each definition's value fits its keyword. Reports every error it finds.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "lang/ast.h"
#include "lang/catalog.h"
#include "lang/diagnostics.h"

namespace genre::lang {

// Where the arguments of one call went: per parameter (signature order), the
// values bound to it. A List parameter may take several positional values
// (select("a", "b")). Keyed by the Call node; for `a |> f(x)` by the Pipe node
// (a is then the first value); for a bare op name (`optimizer: nadam`) by the Name.
struct Bound {
  const Param* param;
  std::vector<const Expr*> values;
};
using Bindings = std::map<const Expr*, std::vector<Bound>>;

// The type of each definition (Any where it could not be known).
std::map<std::string, Type> check(const Script& s, const Catalog& c, Diagnostics& d, Bindings* out = nullptr);


}  // namespace genre::lang
