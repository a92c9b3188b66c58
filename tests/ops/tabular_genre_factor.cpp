// The S4 data path on the real genre-factor files (skipped when absent):
// join the authors' table with the recorded split, keep the 6 genres, take the
// split from split_knn_svm, then quantile(normal) + minmax(-1, 1) fitted on
// train must equal scikit-learn's values (tests/data/tabular/gen_genre_factor.py).
#include <algorithm>
#include <cmath>

#include "tabular_helpers.h"

using namespace tabtest;

TEST_CASE("genre-factor: join + keep + by_column split gives 4124/1032/1290 - preprocessing matches sklearn",
          "[shared][s4]") {
  std::string dir = std::string(GENRE_SHARED_DATA) + "/genre-factor";
  if (!std::filesystem::exists(dir + "/data_selected_v1.csv")) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  Table data = csv(dir + "/data_selected_v1.csv", "Genre");
  Table splits = csv(dir + "/splits_6genre_sklearn_rs42.csv");
  REQUIRE(data.rows() == 13260);
  Table j = run_table("join", {{"on", "Unnamed: 0"}}, {{"data", data}, {"other", splits}});
  CHECK(j.rows() == 6446);
  json six = json::array();
  for (auto g : {"hip hop", "rock", "pop", "electronic", "metal", "classic"}) six.push_back({{"str", g}});
  Table k = run_table("keep", {{"where", {{"op", "in"}, {"args", {{{"name", "label"}}, {{"list", six}}}}}}}, {{"data", j}});
  CHECK(k.rows() == 6446);
  Split s = run_split("split", {{"by_column", "split_knn_svm"}}, {{"data", k}});
  REQUIRE(s.parts.size() == 3);
  CHECK(s.part("train").rows() == 4124);
  CHECK(s.part("val").rows() == 1032);
  CHECK(s.part("test").rows() == 1290);

  Split q = run_split("quantile", {{"output", "normal"}}, {{"data", s}});
  Split m = run_split("minmax", {{"lo", -1}, {"hi", 1}}, {{"data", q}});
  Table ref = csv(data_dir() + "/genre_factor_quantile_minmax.csv");
  REQUIRE(ref.rows() == 20);
  for (size_t r = 0; r < ref.rows(); ++r) {
    const Table& part = m.part(text(ref, "part")[r]);
    double id = num(ref, "Unnamed: 0")[r];
    auto& ids = num(s.part(text(ref, "part")[r]), "Unnamed: 0");  // m's ids were transformed too: all are features
    size_t row = std::find(ids.begin(), ids.end(), id) - ids.begin();
    REQUIRE(row < ids.size());
    for (auto& f : ref.feature_names()) {
      if (f == "Unnamed: 0") continue;
      INFO("Unnamed: 0 = " << id << ", " << f);
      CHECK(std::abs(num(part, f)[row] - num(ref, f)[r]) < 1e-12);
    }
  }
}
