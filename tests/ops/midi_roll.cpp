// instruments, piano_roll and windows on hand-built note tables: family
// mapping, require: all, step edges, slot order, overflow counts, families
// order, and window cutting. Expected values are worked out by hand below.
#include <catch2/catch.hpp>

#include "runtime/core/op.h"
#include "tests/ops/tabular_helpers.h"

using genre::Column;
using genre::json;
using genre::Table;

namespace {

struct N {
  std::string file;
  double onset, dur, pitch, vel, program, drum;
  std::string family = "";  // set: the table gets a `family` column (piano_roll's input)
  std::string label = "";
};

Column text(const std::string& name, std::vector<std::string> v) {
  Column c;
  c.name = name;
  c.numeric = false;
  c.text = std::move(v);
  c.present.assign(c.text.size(), 1);
  return c;
}
Column num(const std::string& name, std::vector<double> v) {
  Column c;
  c.name = name;
  c.num = std::move(v);
  return c;
}

Table notes(const std::vector<N>& ns) {
  std::vector<std::string> file, fam, lab, err;
  std::vector<double> on, du, pi, ve, pr, dr;
  for (auto& n : ns) {
    file.push_back(n.file);
    on.push_back(n.onset);
    du.push_back(n.dur);
    pi.push_back(n.pitch);
    ve.push_back(n.vel);
    pr.push_back(n.program);
    dr.push_back(n.drum);
    fam.push_back(n.family);
    lab.push_back(n.label.empty() ? "g_" + n.file : n.label);
    err.push_back("");
  }
  Table t;
  t.source = "notes";
  t.cols = {text("file", file), num("onset", on), num("duration", du), num("pitch", pi), num("velocity", ve),
            num("program", pr), num("drum", dr), text("label", lab), text("error", err)};
  t.cols.back().present.assign(ns.size(), 0);
  if (!ns.empty() && !ns[0].family.empty()) t.cols.push_back(text("family", fam));
  return t;
}

genre::Value call(const std::string& op, const Table& in, json params) {
  genre::register_all();
  auto* fn = genre::find_op(op);
  REQUIRE(fn);
  genre::Value v = in;
  genre::OpContext ctx;
  ctx.params = std::move(params);
  ctx.inputs = {{"data", "notes", &v}};
  return (*fn)(ctx);
}
Table run(const std::string& op, const Table& in, json params) { return std::get<Table>(call(op, in, std::move(params))); }
std::string run_error(const std::string& op, const Table& in, json params) {
  return tabtest::error_of([&] { run(op, in, std::move(params)); });
}

const json four = json::parse(R"({"drums": "percussion", "piano": [0, 7], "guitar": [24, 31], "bass": [[32, 39], [43, 43]]})");

}  // namespace

TEST_CASE("instruments: family from program and drum flag, unmapped notes and error rows dropped", "[midi]") {
  Table in = notes({
      {"a.mid", 0.0, 1, 60, 90, 0, 0},    // piano (0)
      {"a.mid", 0.5, 1, 40, 90, 33, 0},   // bass
      {"a.mid", 0.5, 1, 36, 90, 0, 1},    // drum channel: percussion whatever the program
      {"a.mid", 1.0, 1, 70, 90, 40, 0},   // violin: no family -> dropped
      {"a.mid", 1.0, 1, 50, 90, 43, 0},   // second bass range
      {"b.mid", 0.0, 1, 64, 90, 7, 0},    // piano (7, range end)
      {"b.mid", 0.0, 1, 64, 90, 8, 0},    // 8: just past piano -> dropped
      {"b.mid", 0.0, 1, 64, 90, 24, 0},   // guitar
  });
  // a quarantined file: error set, numbers missing
  in.cols[0].text.push_back("bad.mid");
  in.cols[0].present.push_back(1);
  for (int c = 1; c <= 6; ++c) in.cols[c].num.push_back(genre::missing);
  in.cols[7].text.push_back("g");
  in.cols[7].present.push_back(1);
  in.cols[8].text.push_back("bad.mid: truncated");
  in.cols[8].present.push_back(1);

  Table t = run("instruments", in, {{"map", four}});
  REQUIRE(t.rows() == 6);
  auto& fam = t.column("family").text;
  CHECK(fam == std::vector<std::string>{"piano", "bass", "drums", "bass", "piano", "guitar"});
  CHECK(t.column("program").num == std::vector<double>{0, 33, 0, 43, 7, 24});
  CHECK(t.column("file").text == std::vector<std::string>{"a.mid", "a.mid", "a.mid", "a.mid", "b.mid", "b.mid"});

  // without a percussion family, drum notes go too
  json no_drums = {{"piano", {0, 7}}};
  Table p = run("instruments", in, {{"map", no_drums}});
  CHECK(p.column("program").num == std::vector<double>{0, 7});
}

TEST_CASE("instruments: require all drops songs lacking a family", "[midi]") {
  Table in = notes({
      {"full.mid", 0, 1, 36, 90, 0, 1},
      {"full.mid", 0, 1, 60, 90, 1, 0},
      {"full.mid", 0, 1, 62, 90, 25, 0},
      {"full.mid", 0, 1, 40, 90, 34, 0},
      {"nobass.mid", 0, 1, 36, 90, 0, 1},
      {"nobass.mid", 0, 1, 60, 90, 1, 0},
      {"nobass.mid", 0, 1, 62, 90, 25, 0},
      {"nobass.mid", 0, 1, 70, 90, 41, 0},  // viola: not bass
  });
  Table all = run("instruments", in, {{"map", four}, {"require", "all"}});
  CHECK(all.column("file").text == std::vector<std::string>(4, "full.mid"));
  Table any = run("instruments", in, {{"map", four}, {"require", "any"}});
  CHECK(any.rows() == 7);
}

TEST_CASE("instruments: a bad map is a clear error", "[midi]") {
  Table in = notes({{"a.mid", 0, 1, 60, 90, 0, 0}});
  CHECK(run_error("instruments", in, {{"map", {{"piano", {0, 7}}, {"keys", {5, 10}}}}}) ==
        "instruments: program 5 is in both \"keys\" and \"piano\"");
  CHECK(run_error("instruments", in, {{"map", {{"piano", {0, 128}}}}}) ==
        "instruments: family \"piano\": the range [0,128] must be whole programs 0-127 with first <= last");
  CHECK(run_error("instruments", in, {{"map", {{"piano", "drums"}}}}) ==
        "instruments: family \"piano\": the only text value is \"percussion\", got \"drums\"");
}

TEST_CASE("piano_roll: step edges, slot order, overflow counts, families order", "[midi]") {
  // step 0.25 s, 2 slots per family, families [bass, piano] (bass first although
  // piano notes come first in the table)
  Table in = notes({
      {"s.mid", 0.25, 0.5, 64, 80, 0, 0, "piano"},   // exactly on the 0.25 edge -> step 1
      {"s.mid", 0.0, 1.0, 60, 70, 0, 0, "piano"},    // step 0
      {"s.mid", 0.24, 0.1, 67, 71, 0, 0, "piano"},   // step 0, after 60
      {"s.mid", 0.1, 0.2, 62, 72, 0, 0, "piano"},    // step 0, between 60 and 67 by onset
      {"s.mid", 0.1, 0.3, 59, 73, 0, 0, "piano"},    // same onset as 62, lower pitch -> first of the two
      {"s.mid", 0.3, 2.0, 40, 90, 0, 0, "bass"},     // step 1
      {"s.mid", 0.75, 0.25, 41, 91, 0, 0, "bass"},   // edge -> step 3
      {"s.mid", 0.5, 0.25, 99, 99, 0, 0, "guitar"},  // not asked for: ignored, not counted
      {"t.mid", 0.3, 1, 50, 60, 0, 0, "piano", "rock"},  // 0.3 / 0.1 rounds below 3 in floating point
  });
  Table t = run("piano_roll", in, {{"step", 0.25}, {"max_notes", 2}, {"families", {"bass", "piano"}}});
  REQUIRE(t.rows() == 2);
  CHECK(t.column("file").text == std::vector<std::string>{"s.mid", "t.mid"});
  CHECK(t.column("label").text == std::vector<std::string>{"g_s.mid", "rock"});
  const Column& r = t.column("roll");
  REQUIRE(r.seq_dims == 12);  // 2 families x 2 slots x 3
  REQUIRE(r.steps(0) == 4);   // last onset 0.75 -> step 3
  // per step: bass slot 0, bass slot 1, piano slot 0, piano slot 1 (pitch, duration, velocity)
  std::vector<float> want = {
      0, 0, 0, 0, 0, 0, 60, 1.0f, 70, 59, 0.3f, 73,        // step 0: 60 (0.0), 59 (0.1, pitch 59 < 62); 62, 67 dropped
      40, 2.0f, 90, 0, 0, 0, 64, 0.5f, 80, 0, 0, 0,        // step 1
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                  // step 2: guitar only -> empty
      41, 0.25f, 91, 0, 0, 0, 0, 0, 0, 0, 0, 0,            // step 3
  };
  CHECK(r.seq[0] == want);
  CHECK(t.column("dropped").num == std::vector<double>{2, 0});

  // families order: swapped, the piano block comes first
  Table u = run("piano_roll", in, {{"step", 0.25}, {"max_notes", 2}, {"families", {"piano", "bass"}}});
  const auto& s = u.column("roll").seq[0];
  CHECK(std::vector<float>(s.begin(), s.begin() + 6) == std::vector<float>{60, 1.0f, 70, 59, 0.3f, 73});
  CHECK(std::vector<float>(s.begin() + 12 + 6, s.begin() + 12 + 9) == std::vector<float>{40, 2.0f, 90});

  // onset 0.3 with 0.1 s steps is step 3 (a step edge), not step 2
  Table v = run("piano_roll", in, {{"step", 0.1}, {"max_notes", 1}, {"families", {"piano"}}});
  REQUIRE(v.column("roll").steps(1) == 4);
  CHECK(v.column("roll").seq[1] == std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 0, 50, 1, 60});

  // max_notes defaults to 10: nothing dropped here
  Table d = run("piano_roll", in, {{"step", 0.25}, {"families", {"bass", "piano"}}});
  CHECK(d.column("roll").seq_dims == 60);
  CHECK(d.column("dropped").num == std::vector<double>{0, 0});

  CHECK(run_error("piano_roll", in, {{"step", 0}, {"families", {"piano"}}}) ==
        "piano_roll: step must be a positive number of seconds, got 0");
  CHECK(run_error("piano_roll", in, {{"step", 0.25}, {"families", {"piano", "piano"}}}) ==
        "piano_roll: family \"piano\" is listed twice");
}

TEST_CASE("windows: consecutive full windows, last partial dropped, file and label kept", "[midi]") {
  // song a: notes at steps 0..6 (7 steps); song b: 2 steps; step 1 s, one family, one slot
  std::vector<N> ns;
  for (int k = 0; k < 7; ++k) ns.push_back({"a.mid", double(k), 1, double(60 + k), 80, 0, 0, "piano", "pop"});
  ns.push_back({"b.mid", 1, 1, 50, 80, 0, 0, "piano", "house"});
  Table roll = run("piano_roll", notes(ns), {{"step", 1}, {"max_notes", 1}, {"families", {"piano"}}});
  REQUIRE(roll.column("roll").steps(0) == 7);

  Table w = run("windows", roll, {{"column", "roll"}, {"steps", 3}});
  REQUIRE(w.rows() == 2);  // a: steps 0-2 and 3-5, step 6 dropped; b: 2 steps, no full window
  CHECK(w.column("file").text == std::vector<std::string>{"a.mid", "a.mid"});
  CHECK(w.column("label").text == std::vector<std::string>{"pop", "pop"});
  CHECK(w.column("window").num == std::vector<double>{1, 2});
  CHECK(w.column("roll").seq[0] == std::vector<float>{60, 1, 80, 61, 1, 80, 62, 1, 80});
  CHECK(w.column("roll").seq[1] == std::vector<float>{63, 1, 80, 64, 1, 80, 65, 1, 80});

  Table two = run("windows", roll, {{"steps", 2}});  // column defaults to roll
  CHECK(two.column("file").text == std::vector<std::string>{"a.mid", "a.mid", "a.mid", "b.mid"});
  CHECK(two.column("roll").seq[3] == std::vector<float>{0, 0, 0, 50, 1, 80});

  CHECK(run_error("windows", roll, {{"column", "file"}, {"steps", 2}}) ==
        "windows: column \"file\" is not a sequence column");
}
