#include "ops/op.h"

namespace genre {

void register_columns() {}  // TODO: not written yet

}  // namespace genre
