#include "lang/catalog.h"

namespace genre::lang {

Catalog& catalog() {
  static Catalog c;
  return c;
}

}  // namespace genre::lang
