// S0's next-step model (ops/models/sequence_*.cpp) on hand-built windows:
// the coding of roll numbers into classes, the network's size, that the loss
// ignores every family but the target, that it learns a predictable sequence,
// the per-feature loss report, and the errors a script can run into.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "ops/models/sequence_model.h"
#include "runtime/core/hash.h"
#include "runtime/core/op.h"
#include "runtime/core/row_groups.h"
#include "runtime/engine/cache.h"

using namespace genre;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// One slot: (pitch, duration s, velocity); velocity 0 = empty.
struct Slot {
  float pitch = 0, dur = 0, vel = 0;
};

// Windows of `steps` steps for `families` x `notes` slots; fill(w, step, family, note) gives each slot.
template <class Fill>
Table windows(size_t count, size_t steps, size_t families, size_t notes, Fill fill) {
  Column roll;
  roll.name = "roll";
  roll.numeric = false;
  roll.seq_dims = uint32_t(families * notes * 3);
  for (size_t w = 0; w < count; ++w) {
    std::vector<float> seq;
    for (size_t s = 0; s < steps; ++s)
      for (size_t f = 0; f < families; ++f)
        for (size_t n = 0; n < notes; ++n) {
          Slot x = fill(w, s, f, n);
          seq.insert(seq.end(), {x.pitch, x.dur, x.vel});
        }
    roll.seq.push_back(seq);
    roll.present.push_back(1);
  }
  Table t;
  t.source = "windows.test";
  t.cols.push_back(std::move(roll));
  return t;
}

json spec(const std::string& target, json extra = json::object()) {
  json s = {{"spec", "next_step"},  {"families", {"drums", "bass"}}, {"target", target}, {"embedding", 8},
            {"lstm", 16},           {"batch", 8},                      {"epochs", 1},      {"seed", 3},
            {"durations", 4},       {"velocity_step", 32}};
  for (auto& [k, v] : extra.items()) s[k] = v;
  return s;
}

FitContext fc() { return FitContext{.device = "cpu", .seed = 11}; }

Value call(const std::string& op, std::vector<Input> inputs) {
  register_all();
  const OpFn* fn = find_op(op);
  REQUIRE(fn);
  OpContext ctx;
  ctx.params = json::object();
  ctx.inputs = std::move(inputs);
  return (*fn)(ctx);
}

}  // namespace

TEST_CASE("next_step: roll numbers become classes, 0 for an empty slot", "[next_step]") {
  Table t = windows(1, 2, 2, 1, [](size_t, size_t, size_t, size_t) { return Slot{}; });
  StepCoding c = step_coding(spec("bass", {{"duration_step", 0.25}, {"durations", 16}, {"velocity_step", 8}}), t);
  CHECK(c.notes == 1);
  CHECK(c.target == 1);
  CHECK(c.pitch_classes() == 129);
  CHECK(c.duration_classes() == 17);
  CHECK(c.velocity_classes() == 17);  // 1 + ceil(127 / 8)
  // drums: pitch 36, 0.6 s, velocity 100; bass: empty
  float step[6] = {36, 0.6f, 100, 0, 0, 0};
  int64_t out[6];
  code_step(c, step, out, "here");
  CHECK(out[0] == 37);              // 1 + pitch
  CHECK(out[1] == 3);               // 1 + floor(0.6 / 0.25)
  CHECK(out[2] == 13);              // 1 + (100 - 1) / 8
  CHECK(out[3] == 0);
  CHECK(out[4] == 0);
  CHECK(out[5] == 0);
  float longest[6] = {0, 30.0f, 127, 127, 0.0f, 1};  // pitch 0 is a note; a 30-s note takes the last class
  code_step(c, longest, out, "here");
  CHECK(out[0] == 1);
  CHECK(out[1] == 16);
  CHECK(out[2] == 16);
  CHECK(out[3] == 128);
  CHECK(out[4] == 1);
  CHECK(out[5] == 1);
  float bad[6] = {130, 0.5f, 90, 0, 0, 0};
  CHECK_THROWS_WITH(code_step(c, bad, out, "song.mid row 3 step 7"),
                    Contains("song.mid row 3 step 7, slot 1") && Contains("pitch 130"));
}

TEST_CASE("next_step: the network's size follows the spec and the roll", "[next_step]") {
  // 2 families x 1 note: pitch 129, duration 1 + 4, velocity 1 + ceil(127 / 32) = 5 classes per slot.
  Table t = windows(4, 5, 2, 1, [](size_t, size_t s, size_t, size_t) { return Slot{60, 0.25f, float(s % 2 ? 90 : 0)}; });
  Model m = fit_next_step(spec("drums"), t, nullptr, fc());
  int64_t vocab = 2 * (129 + 5 + 5), e = 8, h = 16, outputs = 129 + 5 + 5;
  int64_t expect = vocab * e + 4 * h * (e + h) + 2 * 4 * h + h * outputs + outputs;
  CHECK(m.kind == "next_step");
  CHECK(m.info["parameters"].get<int64_t>() == expect);
  CHECK(m.info["history"].size() == 1);
  StepLoss l = next_step_loss(m, t, fc());
  CHECK(l.windows == 4);
  CHECK(l.steps == 4 * 4);  // each window predicts steps 2..5
  CHECK_THAT(l.loss, WithinAbs((l.pitch + l.duration + l.velocity) / 3, 1e-9));
}

TEST_CASE("next_step: the loss counts only the target family", "[next_step]") {
  std::mt19937 rng(5);
  std::vector<float> noise(64 * 12);
  for (auto& x : noise) x = float(rng() % 100);
  auto base = [&](size_t w, size_t s, size_t f, size_t n) {
    float p = noise[(w * 12 + s * 2 + f + n) % noise.size()];
    return Slot{30 + std::floor(p / 2), 0.25f * float(1 + int(p) % 3), 1 + p};
  };
  Table a = windows(6, 6, 2, 2, base);
  Model m = fit_next_step(spec("bass"), a, nullptr, fc());
  double la = next_step_loss(m, a, fc()).loss;

  // The last step is only ever a target. Change the drums there: no effect on
  // the bass model's loss. Change the bass there: the loss moves.
  Table drums_changed = windows(6, 6, 2, 2, [&](size_t w, size_t s, size_t f, size_t n) {
    return s == 5 && f == 0 ? Slot{100, 3.0f, 127} : base(w, s, f, n);
  });
  Table bass_changed = windows(6, 6, 2, 2, [&](size_t w, size_t s, size_t f, size_t n) {
    return s == 5 && f == 1 ? Slot{100, 3.0f, 127} : base(w, s, f, n);
  });
  CHECK(next_step_loss(m, drums_changed, fc()).loss == la);
  CHECK(std::fabs(next_step_loss(m, bass_changed, fc()).loss - la) > 1e-5);

  // And the drums model is the mirror image.
  Model d = fit_next_step(spec("drums"), a, nullptr, fc());
  double ld = next_step_loss(d, a, fc()).loss;
  CHECK(next_step_loss(d, bass_changed, fc()).loss == ld);
  CHECK(std::fabs(next_step_loss(d, drums_changed, fc()).loss - ld) > 1e-5);
}

TEST_CASE("next_step: learns a predictable sequence far below the uniform loss", "[next_step]") {
  // bass alternates C (60, 0.5 s, velocity 100) and an empty slot; drums hit every step.
  auto fill = [](size_t w, size_t s, size_t f, size_t) {
    if (f == 0) return Slot{36, 0.25f, 90};
    return (s + w) % 2 ? Slot{60, 0.5f, 100} : Slot{};
  };
  Table t = windows(32, 12, 2, 1, fill);
  json sp = spec("bass", {{"epochs", 100}, {"optimizer", {{"optimizer", "adam"}, {"lr", 0.01}}}});
  Model m = fit_next_step(sp, t, nullptr, fc());
  StepLoss l = next_step_loss(m, t, fc());
  double uniform = (std::log(129.0) + std::log(5.0) + std::log(5.0)) / 3;  // 3.26
  INFO("loss " << l.loss << " (pitch " << l.pitch << ", duration " << l.duration << ", velocity " << l.velocity
               << "), uniform " << uniform);
  CHECK(l.loss < 0.02 * uniform);
  CHECK(m.info["history"][0]["loss"].get<double>() > m.info["history"][99]["loss"].get<double>());

  // Same seed, same model; another seed, other weights.
  CHECK(fit_next_step(sp, t, nullptr, fc()).state == m.state);
  sp["seed"] = 4;
  CHECK(fit_next_step(sp, t, nullptr, fc()).state != m.state);
}

TEST_CASE("next_step_loss: the loss split by feature, one row per sweep point", "[next_step]") {
  // Pitch and duration are fixed, velocity random: after training, the
  // velocity loss stays near log(velocity classes) while pitch and duration fall.
  std::mt19937 rng(9);
  std::vector<float> vel(40 * 10);
  for (auto& v : vel) v = float(1 + rng() % 127);
  auto fill = [&](size_t w, size_t s, size_t f, size_t) {
    return f == 0 ? Slot{38, 0.25f, 80} : Slot{40, 1.0f, vel[w * 10 + s]};
  };
  Table t = windows(40, 10, 2, 1, fill);
  json sp = spec("bass", {{"epochs", 20}, {"velocity_step", 1}, {"optimizer", {{"optimizer", "adam"}, {"lr", 0.01}}}});
  Model bass = fit_next_step(sp, t, nullptr, fc());
  Model drums = fit_next_step(spec("drums", {{"epochs", 2}}), t, nullptr, fc());

  Value bv = bass, dv = drums, tv = t;
  Value v = call("next_step_loss", {{"models", "models[genre=pop rock instrument=bass]", &bv},
                                    {"models", "models[genre=pop rock instrument=drums]", &dv},
                                    {"data", "parts.test", &tv}});
  json r = std::get<json>(v);
  const json& b = r["models"]["models[genre=pop rock instrument=bass]"];
  CHECK(b["target"] == "bass");
  CHECK(b["windows"] == 40);
  CHECK(b["pitch"].get<double>() < 0.1);
  CHECK(b["duration"].get<double>() < 0.1);
  CHECK(b["velocity"].get<double>() > 3.5);  // log(127) = 4.84 is the best possible on random velocities
  CHECK_THAT(b["loss"].get<double>(),
             WithinAbs((b["pitch"].get<double>() + b["duration"].get<double>() + b["velocity"].get<double>()) / 3, 1e-9));
  CHECK(b["point"]["genre"] == "pop rock");
  CHECK(b["point"]["instrument"] == "bass");

  REQUIRE(is_next_step_loss(r));
  auto tables = next_step_tables(r);
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].first == "loss");
  CHECK(tables[0].second.header ==
        std::vector<std::string>{"genre", "instrument", "target", "windows", "loss", "pitch", "duration", "velocity"});
  REQUIRE(tables[0].second.rows.size() == 2);
  CHECK(tables[0].second.rows[0][0] == "pop rock");
  CHECK(tables[0].second.rows[0][1] == "bass");
  CHECK(tables[0].second.rows[1][1] == "drums");
  CHECK(tables[1].first == "mean_by_genre");
  REQUIRE(tables[1].second.rows.size() == 1);
  double mean = (b["loss"].get<double>() + r["models"]["models[genre=pop rock instrument=drums]"]["loss"].get<double>()) / 2;
  CHECK(tables[1].second.rows[0][2] == num(mean));
}

TEST_CASE("next_step: errors say what is wrong", "[next_step]") {
  Table t = windows(2, 4, 2, 1, [](size_t, size_t, size_t, size_t) { return Slot{60, 0.25f, 90}; });
  CHECK_THROWS_AS(fit_next_step(spec("flute"), t, nullptr, fc()), DataError);
  CHECK_THROWS_WITH(fit_next_step(spec("flute"), t, nullptr, fc()),
                    Contains("unknown family \"flute\" as target") && Contains("\"drums\", \"bass\""));
  json none = spec("drums");
  none.erase("target");
  CHECK_THROWS_WITH(fit_next_step(none, t, nullptr, fc()), Contains("no target family"));

  Table one = windows(2, 1, 2, 1, [](size_t, size_t, size_t, size_t) { return Slot{60, 0.25f, 90}; });
  CHECK_THROWS_WITH(fit_next_step(spec("drums"), one, nullptr, fc()),
                    Contains("windows.test: row 1 has 1 step(s)") && Contains("at least 2 steps"));

  // A roll of 3 families given as 2.
  Table three = windows(2, 4, 3, 1, [](size_t, size_t, size_t, size_t) { return Slot{60, 0.25f, 90}; });
  CHECK_THROWS_WITH(fit_next_step(spec("drums"), three, nullptr, fc()),
                    Contains("a step of \"roll\" has 9 numbers, not families (2) x notes x 3"));

  // Unequal windows.
  Table mixed = t;
  mixed.cols[0].seq[1].resize(3 * 6);
  CHECK_THROWS_WITH(fit_next_step(spec("drums"), mixed, nullptr, fc()), Contains("row 2 has 3 steps but row 1 has 4"));

  // next_step_loss pairs models with tables.
  Model m = fit_next_step(spec("drums"), t, nullptr, fc());
  Value mv = m, tv = t;
  CHECK_THROWS_WITH(call("next_step_loss", {{"models", "a", &mv}, {"models", "b", &mv}, {"data", "x", &tv},
                                            {"data", "y", &tv}, {"data", "z", &tv}}),
                    Contains("2 models but 3 test tables"));
  // A model scored on a roll of another width.
  Table wider = windows(2, 4, 2, 2, [](size_t, size_t, size_t, size_t) { return Slot{60, 0.25f, 90}; });
  CHECK_THROWS_WITH(next_step_loss(m, wider, fc()), Contains("a step has 12 numbers but the model was trained on 6"));
}

TEST_CASE("next_step: windows read from the cache a batch at a time train the same model", "[next_step]") {
  // The same windows in memory and as a stored table of 5 row groups (runtime/core/row_groups.h),
  // as windows(...) after piano_roll leaves them in a run: fit reads the stored rows from the
  // cache entry a batch at a time (SequenceRows), in the same shuffled order, so the same bits.
  auto fill = [](size_t w, size_t s, size_t f, size_t) {
    if (f == 0) return Slot{36, 0.25f, float(60 + (w * 7 + s) % 60)};
    return (s + w) % 3 ? Slot{float(40 + w % 12), 0.5f, 100} : Slot{};
  };
  Table t = windows(37, 10, 2, 1, fill);
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("genre_next_step_rows_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Cache cache(dir);
  auto out = cache.rows_out(hash_hex("windows"));
  for (size_t from = 0; from < t.rows(); from += 8) {
    std::vector<size_t> rows;
    for (size_t r = from; r < std::min(t.rows(), from + 8); ++r) rows.push_back(r);
    out->add(t.take(rows));
  }
  Table stored = out->finish();
  cache.place(hash_hex("windows"), stored);
  REQUIRE(stored.stored);
  REQUIRE(stored.stored->groups.size() == 5);

  json sp = spec("bass", {{"epochs", 3}, {"batch", 6}});
  Model in_memory = fit_next_step(sp, t, &t, fc());
  Model from_cache = fit_next_step(sp, stored, &stored, fc());
  CHECK(from_cache.state == in_memory.state);
  CHECK(from_cache.info == in_memory.info);  // history (loss and val_loss by epoch), windows, steps
  StepLoss a = next_step_loss(in_memory, t, fc()), b = next_step_loss(in_memory, stored, fc());
  CHECK(a.loss == b.loss);
  CHECK(a.windows == b.windows);
  // Through the fit op, as a run calls it (fit declares need.groups: the stored table as it is).
  Value st = stored;
  register_all();
  OpContext ctx;
  ctx.params = {{"model", sp}};
  ctx.inputs = {{"data", "w", &st}};
  ctx.seed = 11;
  Model via_op = std::get<Model>((*find_op("fit"))(ctx));
  CHECK(via_op.state == fit_next_step(sp, t, nullptr, FitContext{.device = "cpu", .seed = 11}).state);
  std::filesystem::remove_all(dir);
}
