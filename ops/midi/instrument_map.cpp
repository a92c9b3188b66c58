// map { drums <- percussion; piano <- programs 0..7 }: an instrument map
// written as a block, for instruments(map: ...). The planner turns the block
// into the record instruments reads: {"drums": "percussion", "piano": [[0, 7]]}
// (`programs 0..7, 24` is the list of ranges [[0, 7], [24, 24]]).
#include "runtime/core/op.h"

namespace genre {

void register_instrument_map() {
  using lang::Type;
  lang::Signature m;
  m.name = "map";
  m.role = lang::Role::Spec;
  m.result = Type::Record;
  m.block = true;
  m.block_item = Type::Record;       // a mapping block: `family <- value` items make a record
  m.block_symbols = {"percussion"};  // the names a value may be; else `programs a..b, c`
  m.doc = "An instrument map for instruments(map: ...): map { drums <- percussion; piano <- programs 0..7; bass <- "
          "programs 32..39, 43 } is the record {\"drums\": \"percussion\", \"piano\": [[0, 7]], \"bass\": [[32, 39], "
          "[43, 43]]}. A family takes percussion (MIDI channel 10) or General MIDI programs 0-127 (a..b includes both "
          "ends); items are separated by newlines, ';' or ','.";
  register_op(m);
}

}  // namespace genre
