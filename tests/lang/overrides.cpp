// --set NAME=VALUE: which values become expressions, which become strings,
// and the errors for names that cannot be set.
#include <catch2/catch.hpp>

#include <filesystem>

#include "lang/overrides.h"
#include "lang/parser.h"

using namespace genre::lang;

namespace {

Script script(Diagnostics& d) {
  return parse("s.genre",
               "let data = \"../data/\"\nlet epochs = 400\ndataset t = csv(data + \"t.csv\")\n", d);
}

std::string value_of(const Script& s, const std::string& name) {
  for (auto& def : s.defs)
    if (def.name == name) return dump(*def.value);
  return "";
}

}  // namespace

TEST_CASE("overrides: --set replaces a let's value: numbers, lists and quoted strings as written") {
  Diagnostics d;
  Script s = script(d);
  apply_overrides(s, {"epochs=12", "data=\"x y/\""}, d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(value_of(s, "epochs") == dump(*parse("t", "let e = 12", d).defs[0].value));
  CHECK(value_of(s, "data") == "\"x y/\"");
  apply_overrides(s, {"epochs=[1, 2]"}, d);
  CHECK(value_of(s, "epochs") == dump(*parse("t", "let e = [1, 2]", d).defs[0].value));
}

TEST_CASE("overrides: --set takes a bare word as a string, and an existing path relative to the current folder") {
  Diagnostics d;
  Script s = script(d);
  apply_overrides(s, {"data=3rd_take/"}, d);  // a leading digit that is not a number
  REQUIRE_FALSE(d.has_errors());
  CHECK(value_of(s, "data") == "\"3rd_take/\"");
  auto here = std::filesystem::current_path();
  auto dir = std::filesystem::temp_directory_path() / "genre_overrides_test";
  std::filesystem::create_directories(dir / "gtzan");
  std::filesystem::current_path(dir);
  apply_overrides(s, {"data=gtzan"}, d);
  std::filesystem::current_path(here);
  REQUIRE_FALSE(d.has_errors());
  CHECK(value_of(s, "data") == "\"" + (dir / "gtzan").lexically_normal().string() + "/\"");
}

TEST_CASE("overrides: --set errors: no '=', unknown name, a definition that is not a let, a value that does not parse") {
  Diagnostics d;
  Script s = script(d);
  apply_overrides(s, {"epochs"}, d);
  apply_overrides(s, {"epoch=3"}, d);
  apply_overrides(s, {"t=3"}, d);
  apply_overrides(s, {"epochs=[1, 2"}, d);
  REQUIRE(d.list.size() == 4);
  CHECK(d.list[0].message == "--set expects NAME=VALUE, got 'epochs'");
  CHECK(d.list[1].message == "--set: the script has no definition named 'epoch'");
  CHECK(d.list[1].hint == "its let definitions: data, epochs");
  CHECK(d.list[2].message == "--set: 't' is a dataset definition; only let definitions can be set");
  CHECK(d.list[3].file == "--set epochs=[1, 2");
  CHECK(value_of(s, "epochs") == dump(*parse("t", "let e = 400", d).defs[0].value));
}
