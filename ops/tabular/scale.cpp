#include "ops/op.h"

namespace genre {

void register_scale() {}  // TODO: not written yet

}  // namespace genre
