// The expression evaluator behind keep() and grid scores.
#include <cmath>

#include "runtime/core/expr.h"
#include "tabular_helpers.h"

using namespace tabtest;
using Catch::Contains;
using genre::eval_rows;
using genre::eval_scalar;
using genre::expr_text;

namespace {
json name(const std::string& n) { return {{"name", n}}; }
json str(const std::string& s) { return {{"str", s}}; }
json num(double x) { return {{"num", x}}; }
json op(const std::string& o, std::vector<json> args) { return {{"op", o}, {"args", args}}; }
json list(std::vector<json> items) { return {{"list", items}}; }

Table songs() {
  TempDir d;
  Table t = csv(d.write("s.csv", "Genre,Tempo,Energy\nrock,120,0.9\npop,,0.5\njazz,90,0.2\n,150,\n"), "Genre");
  return t;
}
using Mask = std::vector<uint8_t>;
}  // namespace

TEST_CASE("expr: in, comparisons and logic over rows - missing compares false", "[expr]") {
  Table t = songs();
  CHECK(eval_rows(op("in", {name("label"), list({str("rock"), str("jazz")})}), t) == Mask{1, 0, 1, 0});
  CHECK(eval_rows(op(">", {name("Tempo"), num(100)}), t) == Mask{1, 0, 0, 1});
  CHECK(eval_rows(op("!=", {name("Tempo"), num(90)}), t) == Mask{1, 0, 0, 1});  // pop's Tempo is missing
  CHECK(eval_rows(op("==", {name("Genre"), str("pop")}), t) == Mask{0, 1, 0, 0});
  CHECK(eval_rows(op("and", {op(">=", {name("Energy"), num(0.5)}), op("<", {name("Tempo"), num(130)})}), t) ==
        Mask{1, 0, 0, 0});
  CHECK(eval_rows(op("or", {op("==", {name("label"), str("jazz")}), op(">", {name("Tempo"), num(140)})}), t) ==
        Mask{0, 0, 1, 1});
  CHECK(eval_rows(op("not", {op("in", {name("label"), list({str("rock")})})}), t) == Mask{0, 1, 1, 1});
  // arithmetic: Tempo / 2 - 10 > 40  <=>  Tempo > 100
  CHECK(eval_rows(op(">", {op("-", {op("/", {name("Tempo"), num(2)}), num(10)}), num(40)}), t) == Mask{1, 0, 0, 1});
  CHECK(eval_rows(op("<", {op("neg", {name("Tempo")}), num(-100)}), t) == Mask{1, 0, 0, 1});
  CHECK(eval_rows(op("in", {name("Tempo"), list({num(90), num(150)})}), t) == Mask{0, 0, 1, 1});
  CHECK(eval_rows(json{{"bool", true}}, t) == Mask{1, 1, 1, 1});
}

TEST_CASE("expr: type errors and unknown names are DataErrors that name the column", "[expr]") {
  Table t = songs();
  CHECK(error_of([&] { eval_rows(op("==", {name("Genre"), num(5)}), t); }) ==
        "cannot compare column \"Genre\" (text) with 5 (number) in `Genre == 5`");
  CHECK(error_of([&] { eval_rows(op("in", {name("Tempo"), list({str("fast")})}), t); }) ==
        "cannot look for column \"Tempo\" (number) in a list holding \"fast\" (text) in `Tempo in [\"fast\"]`");
  CHECK_THAT(error_of([&] { eval_rows(op("+", {name("label"), num(1)}), t); }),
             Contains("needs number, but label (column \"Genre\") is text"));
  CHECK_THAT(error_of([&] { eval_rows(op(">", {name("tempo"), num(1)}), t); }),
             Contains("no column \"tempo\"; the columns are \"Genre\", \"Tempo\", \"Energy\""));
  CHECK_THAT(error_of([&] { eval_rows(name("Tempo"), t); }), Contains("a condition must be true or false"));
  Table nolabel = t;
  nolabel.label = "";
  CHECK_THAT(error_of([&] { eval_rows(op("==", {name("label"), str("x")}), nolabel); }), Contains("has no label column"));
}

TEST_CASE("expr: scalar scores over metric names", "[expr]") {
  // the S4 selection score: 0.5 * (0.5 * (1 - acc_delta) + 1 * acc_val)
  json score = op("*", {num(0.5), op("+", {op("*", {num(0.5), op("-", {num(1), name("acc_delta")})}),
                                            op("*", {num(1), name("acc_val")})})});
  auto lookup = [](const std::string& n) -> std::optional<double> {
    if (n == "acc_delta") return 0.1;
    if (n == "acc_val") return 0.6;
    return std::nullopt;
  };
  CHECK(eval_scalar(score, lookup) == Approx(0.5 * (0.5 * 0.9 + 0.6)));
  CHECK(expr_text(score) == "0.5 * ((0.5 * (1 - acc_delta)) + (1 * acc_val))");
  CHECK(eval_scalar(op("abs", {op("neg", {name("acc_delta")})}), lookup) == Approx(0.1));
  CHECK(eval_scalar(op(">", {name("acc_val"), num(0.5)}), lookup) == 1);
  CHECK(error_of([&] { eval_scalar(name("loss"), lookup, {"acc_delta", "acc_val"}); }) ==
        "unknown name \"loss\" in `loss`; known names: acc_delta, acc_val");
}
