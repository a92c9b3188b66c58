#include "ops/op.h"

namespace genre {

void register_model_specs() {}  // TODO: not written yet

}  // namespace genre
