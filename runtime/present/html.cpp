#include "runtime/present/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "ops/models/sequence_model.h"
#include "ops/analysis/dendrogram.h"
#include "ops/eval/report_tables.h"
#include "ops/tags/tag_table.h"
#include "runtime/core/op.h"
#include "runtime/present/report.h"
#include "runtime/core/svg.h"
#include "runtime/core/write_atomic.h"

namespace genre {

namespace {

using svg::esc;

const char* kStyle = R"(
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 0; color: #222; background: #f4f5f7; }
header { background: #1f3a5f; color: white; padding: 14px 28px 12px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 2px 0; font-size: 13px; color: #d8e2f0; }
nav { margin-top: 8px; font-size: 13px; }
nav a { color: white; margin-right: 14px; }
main { padding: 4px 28px 40px; }
section { background: white; border: 1px solid #d9dde3; border-radius: 6px; padding: 10px 20px 14px; margin: 18px 0; }
h2 { font-size: 19px; margin: 6px 0 10px; color: #1f3a5f; }
h2 .kind { font-weight: normal; color: #6b7280; font-size: 13px; margin-left: 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; border-top: 1px solid #eceef1; padding-top: 10px; }
.figs { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: flex-start; }
figure { margin: 6px 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figure .scroll { overflow: auto; max-height: 900px; border: 1px solid #eceef1; }
figure .scroll svg { max-width: none; }
figure .row { display: flex; flex-wrap: wrap; gap: 8px 16px; }
figcaption { font-size: 12px; color: #555; max-width: 620px; margin-top: 4px; }
.side figure { width: min-content; }
.side figure svg { max-width: none; }
.side figcaption { max-width: none; min-width: 260px; }
.tables { display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px; }
caption { text-align: left; font-weight: bold; padding: 3px 0; font-size: 13px; }
th, td { padding: 3px 9px; border-bottom: 1px solid #e6e8eb; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 240px; }
th { background: #eef2f7; text-align: left; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.ran td { background: #fff6eb; }
.bar { display: inline-block; height: 8px; background: #ff7f0e; vertical-align: middle; margin-right: 6px; }
.bar.before { background: #9ecae1; }
details { margin: 4px 0 10px; }
summary { cursor: pointer; color: #1f3a5f; font-size: 13px; }
pre { background: #f7f8fa; border: 1px solid #e6e8eb; padding: 8px 10px; font-size: 12px; overflow: auto; }
pre.script .ln { color: #9aa1ab; display: inline-block; width: 3.5em; user-select: none; }
.note { font-size: 13px; color: #555; }
)";

// An id from any text: letters, digits, '-' and '_' survive.
std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += std::isalnum(c) || c == '-' || c == '_' ? char(c) : '_';
  return out;
}

double number(const std::string& s) {
  if (s.empty()) return NAN;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  return end && *end == 0 ? v : NAN;
}

// A sweep's value as the script wrote it: 3, not 3.0.
std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return fmt::format("{:g}", v.get<double>());
  return v.dump();
}

bool numeric_cell(const std::string& s) {
  return !s.empty() && (s == "-" || !std::isnan(number(s)) || s.find(" ± ") != std::string::npos);
}

// A node's label in a DAG box: without the "/op" the line below shows, on one
// or two lines of at most `width` characters, broken at a space or '['.
std::vector<std::string> box_lines(std::string label, const std::string& op, size_t width) {
  if (label.size() > op.size() + 1 && label.ends_with("/" + op)) label.resize(label.size() - op.size() - 1);
  std::vector<size_t> at;  // byte offset of each character (UTF-8)
  for (size_t i = 0; i < label.size(); ++i)
    if ((static_cast<unsigned char>(label[i]) & 0xC0) != 0x80) at.push_back(i);
  if (at.size() <= width) return {label};
  size_t cut = width;  // characters on the first line
  for (size_t k = width; k > width / 2; --k)
    if (label[at[k]] == '[' || label[at[k - 1]] == ' ') {
      cut = k;
      break;
    }
  std::string first = label.substr(0, at[cut]), rest = label.substr(at[cut]);
  if (at.size() - cut > width) rest = label.substr(at[cut], at[cut + width - 1] - at[cut]) + "…";
  return {first, rest};
}

double get(const json& j, const std::string& k) {
  return j.is_object() && j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN;
}

// A list of numbers; null (a NaN after the cache's JSON) stays NaN.
std::vector<double> numbers(const json& j, const std::string& k) {
  std::vector<double> out;
  if (j.is_object() && j.contains(k) && j[k].is_array())
    for (auto& v : j[k]) out.push_back(v.is_number() ? v.get<double>() : NAN);
  return out;
}

std::string html_table(const TextTable& t, const std::string& caption) {
  std::string out = "<table>";
  if (!caption.empty()) out += "<caption>" + esc(caption) + "</caption>";
  out += "\n<thead><tr>";
  for (auto& h : t.header) out += "<th>" + esc(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (auto& r : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < r.size(); ++i)
      out += (i > 0 && numeric_cell(r[i]) ? "<td class=\"n\">" : "<td>") + esc(r[i]) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

// Long tables fold away; the plots above them tell the story.
std::string folded(const std::string& summary, const std::string& body) {
  return "<details><summary>" + esc(summary) + "</summary>\n" + body + "</details>\n";
}

class Page {
 public:
  explicit Page(const ReportPage& p) : p_(p) {}

  std::string render() {
    std::string body;
    for (auto& t : p_.targets) body += target(t);
    body += dag();
    if (!p_.quarantine.empty()) body += quarantine();
    body += script();
    return head() + body + "</main>\n</body>\n</html>\n";
  }

 private:
  const ReportPage& p_;
  std::set<std::string> ids_;

  std::string unique_id(const std::string& want) {
    std::string id = want;
    for (int i = 2; ids_.count(id); ++i) id = want + "-" + std::to_string(i);
    ids_.insert(id);
    return id;
  }

  std::string figure(const std::string& id, const std::string& svg, const std::string& caption) {
    return fmt::format("<figure id=\"{}\">\n{}<figcaption>{}</figcaption>\n</figure>\n", unique_id(slug(id)), svg, esc(caption));
  }

  std::string head() {
    std::string stem = std::filesystem::path(p_.script).stem().string();
    size_t ran = 0;
    double secs = 0, before = 0;
    for (auto& n : p_.nodes) {
      if (n.ran) ++ran, secs += n.seconds;
      else if (n.earlier >= 0) before += n.earlier;
    }
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + esc(stem) + " — genre report</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<header>\n";
    out += "<h1>" + esc(stem) + "</h1>\n";
    out += fmt::format("<p>{} · genre {} · {} nodes: {} ran ({:.1f} s of op time), {} reused from the cache{}</p>\n",
                       esc(p_.script), GENRE_VERSION, p_.nodes.size(), ran, secs, p_.nodes.size() - ran,
                       before > 0 ? fmt::format(" (computed in {:.1f} s by earlier runs)", before) : "");
    if (!p_.sets.empty()) {
      std::string s;
      for (auto& x : p_.sets) s += (s.empty() ? "" : "  ") + ("--set " + x);
      out += "<p>run with " + esc(s) + "</p>\n";
    }
    out += "<nav>";
    for (auto& t : p_.targets) out += "<a href=\"#" + slug("r-" + t.name) + "\">" + esc(t.name) + "</a>";
    out += "<a href=\"#dag\">DAG</a>";
    if (!p_.quarantine.empty()) out += "<a href=\"#quarantine\">set aside</a>";
    out += "<a href=\"#script\">script</a></nav>\n</header>\n<main>\n";
    return out;
  }

  std::string section(const std::string& name, const std::string& kind, const std::string& body) {
    return fmt::format("<section id=\"{}\">\n<h2>{}<span class=\"kind\">{}</span></h2>\n{}</section>\n",
                       unique_id(slug("r-" + name)), esc(name), esc(kind), body);
  }

  // A target's section: by its op's report kind (runtime/core/op.h), never by its JSON's shape.
  std::string target(const Target& t) {
    const std::string& name = t.name;
    if (auto* j = std::get_if<json>(&t.value)) {
      const ReportKind* k = report_kind(t.op);
      std::string kind = k ? k->name : "";
      if (kind == "dendrogram") return dendrogram(name, *j);
      if (kind == "tags") return tags(name, *j);
      if (kind == "next_step_loss") return next_step(name, *j);
      if (kind == "metrics") return report(name, *j);
      if (kind == "counts") return label_counts(name, *j);
      std::string text = k ? k->terminal(*j) : j->dump(2);
      if (text.size() > 200000) text = text.substr(0, 200000) + "\n...";
      return section(name, "report", "<pre>" + esc(text) + "</pre>\n");
    }
    const char* kind = std::holds_alternative<Table>(t.value) ? "table" : std::holds_alternative<Split>(t.value) ? "split" : "model";
    return section(name, kind, "<pre>" + esc(describe(t)) + "</pre>\n");
  }

  // The models best first by accuracy (else the first metric), each with its interval and its comparison with
  // the best: what a reader of the report wants to know first.
  std::string ranking(const json& r, const std::vector<std::string>& order) {
    auto cols = summary_metrics(r, order);
    if (cols.empty() || order.size() < 2) return "";
    std::string key = cols[0].first;
    std::vector<std::string> ranked = order;
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](auto& a, auto& b) { return get(r["models"][a], key) > get(r["models"][b], key); });
    const std::string& best = ranked[0];
    TextTable t{{"rank", "model", cols[0].second}, {}};
    bool pairs = key == "accuracy";
    if (pairs) t.header.insert(t.header.end(), {"vs " + best, "McNemar p (Holm)"});
    for (size_t i = 0; i < ranked.size(); ++i) {
      const json& x = r["models"][ranked[i]];
      std::vector<std::string> row{std::to_string(i + 1), ranked[i], value_with_interval(x, key)};
      if (pairs) {
        // A pair is stored once, under the model the script names first: the sign flips the other way round.
        const json* p = nullptr;
        double sign = 1;
        const json& pairs = r.contains("pairs") ? r["pairs"] : json::object();
        if (pairs.contains(ranked[i]) && pairs[ranked[i]].contains(best)) p = &pairs[ranked[i]][best];
        else if (pairs.contains(best) && pairs[best].contains(ranked[i])) p = &pairs[best][ranked[i]], sign = -1;
        if (p) {
          const json& d = (*p)["accuracy_diff_ci"];
          double lo = sign > 0 ? d[0].get<double>() : -d[1].get<double>(), hi = sign > 0 ? d[1].get<double>() : -d[0].get<double>();
          row.push_back(fmt::format("{:+.4f} [{:+.4f}, {:+.4f}]", sign * get(*p, "accuracy_diff"), lo, hi));
          row.push_back(p_value(get(*p, "mcnemar_p_holm")));
        } else {
          row.insert(row.end(), {"", ""});
        }
      }
      t.rows.push_back(row);
    }
    std::string level = fmt::format("{:g}%", 100 * r.value("/uncertainty/level"_json_pointer, 0.95));
    return html_table(t, "models ranked by " + cols[0].second + " (" + level + " intervals)");
  }

  // evaluate, cv and ablate reports: a summary, then each model's plots and tables.
  std::string report(const std::string& name, const json& r) {
    std::map<std::string, TextTable> tables;
    for (auto& [title, t] : report_tables(r, false)) tables[title] = t;
    std::vector<std::string> order = model_order(r);
    std::vector<std::string> classes = r.value("classes", std::vector<std::string>{});
    bool cv = r.contains("cv");
    std::string body;

    // The single-number metrics side by side.
    svg::BarChart bars;
    bars.title = name + ": metrics per model";
    bars.y_title = "score";
    bars.from_data = true;
    std::vector<std::string> keys;
    for (auto& [key, title] : summary_metrics(r, order)) {
      keys.push_back(key);
      bars.series.push_back(title);
    }
    bool whiskers = false;
    for (auto& m : order) {
      if (cv && m == "std") continue;  // a spread, not a score
      bars.groups.push_back(m);
      std::vector<double> row;
      std::vector<std::pair<double, double>> err;
      for (auto& k : keys) {
        const json& x = r["models"][m];
        row.push_back(get(x, k));
        auto ci = metric_interval(x, k);
        err.push_back(ci.value_or(std::pair{NAN, NAN}));
        whiskers |= ci.has_value();
      }
      bars.values.push_back(row);
      bars.errors.push_back(err);
    }
    std::string figs;
    if (!bars.series.empty()) {
      if (bars.series.size() == 1) bars.y_title = bars.series[0], bars.series.clear();
      std::string level = r.contains("uncertainty") ? fmt::format("{:g}%", 100 * r["uncertainty"].value("level", 0.95))
                                                    : fmt::format("{:g}%", 100 * r.value("/cv/level"_json_pointer, 0.95));
      figs += figure("fig-" + name + "-summary", svg::bar_chart(bars),
                     cv ? "Each fold's score on its held-out rows, and their mean" +
                              (whiskers ? " with its " + level + " Student's t interval over the folds." : ".")
                        : "Scores on the " + std::to_string(r.value("rows", 0)) + " test rows" +
                              (whiskers ? ", whiskers: " + level + " bootstrap intervals (" +
                                              std::to_string(r["uncertainty"].value("resamples", 0)) +
                                              " resamples of the test rows, stratified by class)."
                                        : "."));
    }
    // Average precision per class, every model that has it.
    svg::BarChart ap;
    for (auto& m : order)
      if (r["models"][m].contains("pr_auc")) ap.series.push_back(m);
    if (!ap.series.empty()) {
      ap.title = name + ": average precision per class";
      ap.y_title = "average precision (PR-AUC)";
      ap.from_data = true;
      for (auto& c : classes) {
        ap.groups.push_back(c);
        std::vector<double> row;
        for (auto& m : ap.series) row.push_back(get(r["models"][m]["pr_auc"], c));
        ap.values.push_back(row);
      }
      if (ap.series.size() == 1) ap.title += " (" + ap.series[0] + ")", ap.series.clear();
      figs += figure("fig-" + name + "-pr_auc", svg::bar_chart(ap),
                     "Area under each class's one-vs-rest precision-recall curve (average precision); a class's share "
                     "of the rows is what a random ranking scores.");
    }
    if (!cv) body += ranking(r, order);
    body += "<div class=\"figs\">\n" + figs + "</div>\n";
    body += side_by_side(name, r, order, classes);
    if (tables.count("summary")) body += html_table(tables["summary"], "summary");
    if (tables.count("pairs"))
      body += folded(fmt::format("every pair of models ({}): McNemar's exact test, paired bootstrap of the accuracy difference",
                                 tables["pairs"].rows.size()),
                     html_table(tables["pairs"], ""));
    if (tables.count("chosen")) body += html_table(tables["chosen"], "grid search: the chosen point");

    for (auto& m : order) {
      const json& x = r["models"][m];
      std::vector<std::string> cls = x.value("classes", classes);
      std::string mfigs, mtables;
      if (x.contains("pr_curve") && x["pr_curve"].is_object()) {
        std::vector<svg::PrCurve> curves;
        for (auto& c : cls) {
          if (!x["pr_curve"].contains(c)) continue;
          const json& k = x["pr_curve"][c];
          svg::PrCurve pc{c, numbers(k, "precision"), numbers(k, "recall"), std::nullopt};
          if (x.contains("pr_auc") && x["pr_auc"].contains(c)) pc.auc = get(x["pr_auc"], c);
          curves.push_back(std::move(pc));
        }
        mfigs += figure("fig-" + name + "-" + m + "-pr", svg::pr_chart(m + ": precision-recall per class", curves),
                        "One class against the rest, thresholds on the model's score for that class; AP = average precision.");
      }
      if (x.contains("history") && x["history"].is_array() && !x["history"].empty()) mfigs += training(name, m, x["history"]);
      if (x.contains("trials") && x["trials"].is_array() && !x["trials"].empty()) mfigs += trials(name, m, x["trials"]);
      if (tables.count(m + "_per_class")) mtables += html_table(tables[m + "_per_class"], "per class");
      if (tables.count(m + "_trials")) mtables += html_table(tables[m + "_trials"], "grid trials (mean ± std over folds)");
      std::string more;
      if (tables.count(m + "_confusion")) more += folded("confusion matrix as a table", html_table(tables[m + "_confusion"], ""));
      if (tables.count(m + "_history"))
        more += folded(fmt::format("training history ({} epochs)", tables[m + "_history"].rows.size()),
                       html_table(tables[m + "_history"], ""));
      if (mfigs.empty() && mtables.empty() && more.empty()) continue;
      body += "<h3>" + esc(m) + "</h3>\n";
      if (!mfigs.empty()) body += "<div class=\"figs\">\n" + mfigs + "</div>\n";
      if (!mtables.empty()) body += "<div class=\"tables\">\n" + mtables + "</div>\n";
      body += more;
    }
    std::string kind = cv ? fmt::format("cross-validation, {} folds", r["cv"].value("k", 0))
                          : fmt::format("evaluate, {} test rows", r.value("rows", 0));
    return section(name, kind, body);
  }

  // The models compared class by class: F1 per class as grouped bars, then every confusion matrix in one row.
  std::string side_by_side(const std::string& name, const json& r, const std::vector<std::string>& order,
                           const std::vector<std::string>& classes) {
    std::string figs;
    svg::BarChart f1;
    f1.title = name + ": F1 per class";
    f1.y_title = "F1";
    f1.from_data = true;
    bool from_confusion = false;
    for (auto& m : order) {
      const json& x = r["models"][m];
      bool listed = x.contains("per_class") && !x["per_class"].empty() && x["per_class"].begin()->contains("f1");
      if (!listed && !(x.contains("confusion") && x["confusion"].is_array())) continue;
      f1.series.push_back(m);
      from_confusion |= !listed;
    }
    for (size_t c = 0; c < classes.size() && !f1.series.empty(); ++c) {
      f1.groups.push_back(classes[c]);
      std::vector<double> row;
      std::vector<std::pair<double, double>> err;
      for (auto& m : f1.series) {
        const json& x = r["models"][m];
        if (x.contains("per_class") && x["per_class"].contains(classes[c]) && x["per_class"][classes[c]].contains("f1")) {
          const json& pc = x["per_class"][classes[c]];
          row.push_back(get(pc, "f1"));
          err.push_back(metric_interval(pc, "f1").value_or(std::pair{NAN, NAN}));
        } else {
          row.push_back(class_f1(x["confusion"], c));
          err.push_back({NAN, NAN});
        }
      }
      f1.values.push_back(row);
      f1.errors.push_back(err);
    }
    if (!f1.groups.empty()) {
      if (f1.series.size() == 1) f1.title += " (" + f1.series[0] + ")", f1.series.clear();
      figs += figure("fig-" + name + "-f1", svg::bar_chart(f1),
                     std::string("Each class's F1 (the harmonic mean of its precision and recall) per model") +
                         (from_confusion ? ", computed from the confusion matrices." : ", whiskers: bootstrap intervals."));
    }
    std::string matrices;
    for (auto& m : order) {
      const json& x = r["models"][m];
      if (x.contains("confusion") && x["confusion"].is_array())
        matrices += confusion(name, m, x["confusion"], x.value("classes", classes));
    }
    if (figs.empty() && matrices.empty()) return "";
    return "<h3>models side by side</h3>\n" + (figs.empty() ? "" : "<div class=\"figs\">\n" + figs + "</div>\n") +
           (matrices.empty() ? "" : "<div class=\"figs side\">\n" + matrices + "</div>\n");
  }

  // F1 of class c from a confusion matrix (rows: true class, columns: predicted); NaN when it has no rows and
  // no predictions, 0 when it has either but no hit (scikit-learn's zero_division=0).
  static double class_f1(const json& conf, size_t c) {
    double hit = 0, truth = 0, predicted = 0;
    for (size_t i = 0; i < conf.size(); ++i)
      for (size_t j = 0; j < conf[i].size(); ++j) {
        double v = conf[i][j].is_number() ? conf[i][j].get<double>() : 0;
        if (i == c && j == c) hit = v;
        if (i == c) truth += v;
        if (j == c) predicted += v;
      }
    if (truth + predicted == 0) return NAN;
    return 2 * hit / (truth + predicted);
  }

  std::string confusion(const std::string& report, const std::string& m, const json& conf, const std::vector<std::string>& cls) {
    svg::Heatmap h;
    h.title = m + ": confusion matrix";
    h.row_title = "true class";
    h.col_title = "predicted class";
    size_t k = std::min(conf.size(), cls.size());
    h.rows = h.cols = std::vector<std::string>(cls.begin(), cls.begin() + long(k));
    for (size_t i = 0; i < k; ++i) {
      std::vector<double> row, shade;
      double total = 0;
      for (size_t j = 0; j < k && j < conf[i].size(); ++j) row.push_back(conf[i][j].get<double>()), total += row.back();
      for (double v : row) shade.push_back(total > 0 ? v / total : 0);
      h.values.push_back(row);
      h.shade.push_back(shade);
    }
    return figure("fig-" + report + "-" + m + "-confusion", svg::heatmap(h),
                  "Test rows by true class (rows) and predicted class (columns); the colour is the share of the true "
                  "class's rows, so small classes read as well as large ones.");
  }

  std::string training(const std::string& report, const std::string& m, const json& hist) {
    auto series = [&](const char* key, const char* label, int colour, bool dashed) {
      svg::Series s{label, {}, {}, dashed, colour};
      for (size_t i = 0; i < hist.size(); ++i) {
        double y = get(hist[i], key);
        if (std::isnan(y)) continue;
        double e = get(hist[i], "epoch");
        s.x.push_back(std::isnan(e) ? double(i + 1) : e);
        s.y.push_back(y);
      }
      return s;
    };
    std::string svgs;
    bool validated = false;
    for (auto [what, train, val] : {std::tuple{"loss", "loss", "val_loss"}, {"accuracy", "acc", "val_acc"}}) {
      svg::LineChart c;
      c.title = m + ": " + what;
      c.x_title = "epoch";
      c.y_title = what;
      c.width = 340;
      c.height = 220;
      for (auto s : {series(train, "training", 0, false), series(val, "validation", 1, true)})
        if (!s.x.empty()) validated |= s.dashed, c.series.push_back(std::move(s));
      if (!c.series.empty()) svgs += svg::line_chart(c);
    }
    if (svgs.empty()) return "";
    return figure("fig-" + report + "-" + m + "-training", "<div class=\"row\">\n" + svgs + "</div>\n",
                  fmt::format("Training curves over {} epochs: training rows{}.", hist.size(),
                              validated ? " (solid), validation rows (dashed)" : " (fitted without validation rows)"));
  }

  std::string trials(const std::string& report, const std::string& m, const json& rows) {
    svg::BarChart b;
    b.title = m + ": grid search, score per point";
    b.y_title = "score (mean over folds)";
    b.digits = 3;
    b.from_data = true;
    double best = -INFINITY;
    int best_i = -1;
    for (auto& row : rows) {
      std::string label;
      for (auto& [k, v] : row.items()) {
        if (k == "score" || k.ends_with("_std") || row.contains(k + "_std")) continue;
        label += (label.empty() ? "" : " ") + k + "=" + value_text(v);
      }
      double s = get(row, "score");
      if (s > best) best = s, best_i = int(b.groups.size());
      b.groups.push_back(label);
      b.values.push_back({s});
    }
    if (best_i >= 0) b.highlight = {best_i};
    return figure("fig-" + report + "-" + m + "-trials", svg::bar_chart(b),
                  "Each point of the grid, scored by the script's formula over the folds' means; the best (orange) is "
                  "refitted on all the training rows.");
  }

  std::string tags(const std::string& name, const json& j) {
    std::vector<std::string> order = j["order"];
    std::string figs;
    svg::BarChart share;
    share.title = name + ": share of items per tag";
    share.y_title = "share of items";
    for (auto& t : order) share.groups.push_back(t), share.values.push_back({j["share"].value(t, NAN)});
    figs += figure("fig-" + name + "-share", svg::bar_chart(share),
                   fmt::format("The share of the {} items that carry each tag.", j.value("items", 0)));
    svg::Heatmap h;
    h.title = name + ": Jaccard index between tags";
    h.rows = h.cols = order;
    h.digits = 2;
    double top = 0;
    for (auto& a : order)
      for (auto& b : order)
        if (a != b) top = std::max(top, j["jaccard"][a].value(b, 0.0));
    for (auto& a : order) {
      std::vector<double> row, shade;
      for (auto& b : order) {
        double v = j["jaccard"][a].value(b, NAN);
        row.push_back(v);
        shade.push_back(a == b ? 1.0 : top > 0 ? v / top : 0);
      }
      h.values.push_back(row);
      h.shade.push_back(shade);
    }
    figs += figure("fig-" + name + "-jaccard", svg::heatmap(h),
                   "|A ∩ B| / |A ∪ B| over the items tagged a and b; the colour is scaled to the largest overlap of two "
                   "different tags.");
    std::string body = "<div class=\"figs\">\n" + figs + "</div>\n<div class=\"tables\">\n";
    for (auto& [title, t] : tag_tables(j)) body += html_table(t, title);
    return section(name, fmt::format("tag table, {} items", j.value("items", 0)), body + "</div>\n");
  }

  std::string dendrogram(const std::string& name, const json& j) {
    const json& d = j["dendrogram"];
    std::string title = fmt::format("{}: {} linkage, {} distance", name, d.value("method", "?"), d.value("metric", "?"));
    std::string body = "<div class=\"figs\">\n" +
                       figure("fig-" + name + "-dendrogram", dendrogram_svg(j, title),
                              "Leaves on the left; two clusters join at the height (distance) of their merge.") +
                       "</div>\n";
    body += folded(fmt::format("merges ({})", d["merges"].size()), html_table(merge_table(j, false), ""));
    return section(name, fmt::format("clusters of {} rows", d["names"].size()), body);
  }

  std::string next_step(const std::string& name, const json& j) {
    auto tables = next_step_tables(j);
    const TextTable& loss = tables[0].second;
    auto col = [&](const std::string& h) {
      return size_t(std::find(loss.header.begin(), loss.header.end(), h) - loss.header.begin());
    };
    size_t keys = col("target"), li = col("loss");
    svg::BarChart b;
    b.title = name + ": test loss";
    b.y_title = "loss (cross-entropy per step)";
    if (keys >= 2 && loss.header[0] != "model") {
      b.title += " by " + loss.header[0] + " and " + loss.header[1];
      b.x_title = loss.header[0];
      std::map<std::string, size_t> g, s;
      for (auto& r : loss.rows) {
        if (!g.count(r[0])) g[r[0]] = b.groups.size(), b.groups.push_back(r[0]);
        if (!s.count(r[1])) s[r[1]] = b.series.size(), b.series.push_back(r[1]);
      }
      b.values.assign(b.groups.size(), std::vector<double>(b.series.size(), NAN));
      for (auto& r : loss.rows) b.values[g[r[0]]][s[r[1]]] = number(r[li]);
    } else {
      for (auto& r : loss.rows) {
        std::string label;
        for (size_t i = 0; i < keys; ++i) label += (i ? " " : "") + r[i];
        b.groups.push_back(label);
        b.values.push_back({number(r[li])});
      }
    }
    std::string body = "<div class=\"figs\">\n" +
                       figure("fig-" + name + "-loss", svg::bar_chart(b),
                              fmt::format("Mean cross-entropy of the next step's pitch, duration and velocity classes "
                                          "over {} test windows; lower is better.", j.value("rows", 0))) +
                       "</div>\n<div class=\"tables\">\n";
    for (auto& [title, t] : tables) body += html_table(t, title);
    return section(name, "next-step loss", body + "</div>\n");
  }

  std::string label_counts(const std::string& name, const json& j) {
    std::vector<std::string> order = j["order"];
    // Labels by their rows in the first table, most first.
    std::vector<std::pair<double, std::string>> by;
    std::set<std::string> seen;
    for (auto& t : order)
      for (auto& [l, c] : j["tables"][t]["counts"].items())
        if (seen.insert(l).second) by.push_back({t == order[0] ? -c.get<double>() : 0.0, l});
    std::stable_sort(by.begin(), by.end(), [](auto& a, auto& b) { return a.first < b.first; });
    TextTable t{{"label"}, {}};
    for (auto& o : order) t.header.push_back(o);
    svg::BarChart b;
    b.title = name + ": rows per label";
    b.y_title = "rows";
    b.digits = 0;
    b.series = order;
    for (auto& [k, l] : by) {
      std::vector<std::string> row{l};
      std::vector<double> vals;
      for (auto& o : order) {
        const json& c = j["tables"][o]["counts"];
        row.push_back(c.contains(l) ? c[l].dump() : "0");
        vals.push_back(c.contains(l) ? c[l].get<double>() : 0);
      }
      t.rows.push_back(row);
      b.groups.push_back(l);
      b.values.push_back(vals);
    }
    if (b.series.size() == 1) b.series.clear();
    std::string body;
    if (b.groups.size() <= 40)
      body += "<div class=\"figs\">\n" +
              figure("fig-" + name + "-counts", svg::bar_chart(b), "Rows per label in each table, in the script's order.") +
              "</div>\n";
    body += t.rows.size() > 40 ? folded(fmt::format("{} labels", t.rows.size()), html_table(t, "")) : html_table(t, "");
    return section(name, "label counts", body);
  }

  // A node's box in the drawing: nodes an expansion made (a grid's trials, cv's folds, a sweep's
  // fits: labels that differ only inside [...]) share one box with their count.
  struct Box {
    std::string label, op;
    std::vector<size_t> nodes;
    size_t ran = 0;
    double seconds = 0, earlier = 0;  // op time of those that ran; of the others, when computed before
    bool target = false;
  };

  static std::string group_label(const std::string& label) {
    std::string out;
    int depth = 0;
    for (char c : label) {
      if (c == '[') ++depth;
      else if (c == ']' && depth > 0) --depth;
      else if (depth == 0) out += c;
    }
    return out;
  }

  std::vector<Box> boxes(std::vector<size_t>& box_of) {
    const auto& nodes = p_.nodes;
    std::vector<Box> out;
    std::map<std::string, size_t> by;
    box_of.assign(nodes.size(), 0);
    for (size_t i = 0; i < nodes.size(); ++i) {
      auto& nd = nodes[i];
      bool expanded = nd.label.find('[') != std::string::npos;
      std::string key = expanded ? group_label(nd.label) + "\n" + nd.op : "#" + std::to_string(i);
      auto [it, added] = by.try_emplace(key, out.size());
      if (added) out.push_back({expanded ? group_label(nd.label) : nd.label, nd.op, {}});
      Box& b = out[it->second];
      b.nodes.push_back(i);
      if (nd.ran) ++b.ran, b.seconds += nd.seconds;
      else if (nd.earlier >= 0) b.earlier += nd.earlier;
      b.target |= nd.target;
      box_of[i] = it->second;
    }
    return out;
  }

  // The DAG drawn in layers by depth (sources on the left), then as a table.
  std::string dag() {
    const auto& nodes = p_.nodes;
    size_t n = nodes.size();
    std::vector<size_t> box_of;
    std::vector<Box> bx = boxes(box_of);
    size_t B = bx.size();
    // Edges between boxes, once each; a box's depth is one more than its deepest input's.
    std::vector<std::set<size_t>> ins(B);
    for (size_t i = 0; i < n; ++i)
      for (auto& [in, part] : nodes[i].inputs)
        if (in < n && box_of[in] != box_of[i]) ins[box_of[i]].insert(box_of[in]);
    std::vector<int> depth(B, 0);
    for (size_t pass = 0, changed = 1; changed && pass <= B; ++pass) {  // B passes at most: a cycle of boxes stops here
      changed = 0;
      for (size_t b = 0; b < B; ++b)
        for (size_t a : ins[b])
          if (depth[b] < depth[a] + 1 && depth[a] + 1 <= int(B)) depth[b] = depth[a] + 1, changed = 1;
    }
    int layers = B ? *std::max_element(depth.begin(), depth.end()) + 1 : 0;
    std::vector<std::vector<size_t>> layer(static_cast<size_t>(layers));
    for (size_t b = 0; b < B; ++b) layer[size_t(depth[b])].push_back(b);

    // Top to bottom, a row per depth, so a long pipeline grows down the page, not sideways.
    const double bw = 190, bh = 44, col = 206, row = 78, top = 46, left = 12;
    // Each box as near as it can be to the mean position of its inputs (fewer
    // crossings, short edges), pushed right only as far as the box before it needs.
    std::vector<double> x(B, 0);
    double right = left;
    for (auto& l : layer) {
      std::vector<std::pair<double, size_t>> at;
      for (size_t b : l) {
        double s = 0;
        int k = 0;
        for (size_t a : ins[b])
          if (depth[a] < depth[b]) s += x[a], ++k;
        at.push_back({k ? s / k : left + double(at.size()) * col, b});
      }
      std::stable_sort(at.begin(), at.end());
      double next = left;
      for (auto& [want, b] : at) {
        x[b] = std::max(want, next);
        next = x[b] + col;
      }
      right = std::max(right, next);
    }
    auto x_of = [&](size_t b) { return x[b]; };
    std::vector<double> y(B);
    for (size_t b = 0; b < B; ++b) y[b] = top + depth[b] * row;
    auto when = [](double secs) { return fmt::format("{:.2f} s", secs); };

    std::string svg;
    if (B > 0 && B <= 600) {
      double w = right - col + bw + 16, h = top + layers * row - (row - bh) + 12;
      svg = fmt::format(
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
          "role=\"img\" aria-label=\"the DAG\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" font-size=\"11\">\n"
          "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
          std::max(w, 620.0), h);
      // Legend.
      svg += "<g font-size=\"12\">"
             "<rect x=\"12\" y=\"10\" width=\"16\" height=\"12\" fill=\"#fde3c8\" stroke=\"#e6550d\"/><text x=\"34\" y=\"20\">ran in this run (seconds)</text>"
             "<rect x=\"220\" y=\"10\" width=\"16\" height=\"12\" fill=\"#dfeaf6\" stroke=\"#3a78b5\"/><text x=\"242\" y=\"20\">from the cache (seconds when computed)</text>"
             "<rect x=\"512\" y=\"10\" width=\"16\" height=\"12\" fill=\"white\" stroke=\"#222\" stroke-width=\"2.5\"/><text x=\"534\" y=\"20\">reported</text>"
             "</g>\n";
      svg += "<g fill=\"none\" stroke=\"#9aa5b1\" stroke-width=\"1.2\">\n";
      for (size_t b = 0; b < B; ++b)
        for (size_t a : ins[b]) {
          if (depth[a] >= depth[b]) continue;
          double x1 = x_of(a) + bw / 2, y1 = y[a] + bh, x2 = x_of(b) + bw / 2, y2 = y[b], dy = (y2 - y1) / 2;
          svg += fmt::format("<path d=\"M{:.1f},{:.1f} C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"/>\n", x1, y1, x1, y1 + dy,
                             x2, y2 - dy, x2, y2);
        }
      svg += "</g>\n";
      for (size_t b = 0; b < B; ++b) {
        const Box& x = bx[b];
        size_t count = x.nodes.size();
        std::string name = count > 1 ? fmt::format("{} ×{}", x.label, count) : x.label;
        auto lines = box_lines(name, x.op, 27);
        std::string sub = x.op + " · " +
                          (x.ran == count ? when(x.seconds)
                           : x.ran > 0    ? fmt::format("{} ran, {}", x.ran, when(x.seconds))
                                          : "cached" + (x.earlier > 0 ? " (" + when(x.earlier) + ")" : std::string()));
        std::string tip = count > 1 ? fmt::format("{} ({}): {} nodes, {} ran", x.label, x.op, count, x.ran)
                                    : nodes[x.nodes[0]].label + " (" + x.op + ")";
        svg += fmt::format("<a href=\"#node-{}\"><g><title>{}</title>", x.nodes[0], esc(tip));
        if (count > 1)  // a stack: the box drawn over a second one
          svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.0f}\" rx=\"4\" fill=\"white\" "
                             "stroke=\"#9aa5b1\"/>", x_of(b) + 3, y[b] + 3, bw, bh);
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.0f}\" rx=\"4\" fill=\"{}\" stroke=\"{}\" "
                           "stroke-width=\"{}\"/>",
                           x_of(b), y[b], bw, bh, x.ran ? "#fde3c8" : "#dfeaf6", x.target ? "#222" : x.ran ? "#e6550d" : "#3a78b5",
                           x.target ? 2.5 : 1);
        double ty = y[b] + (lines.size() == 1 ? 18 : 13);
        for (auto& l : lines) {
          svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x_of(b) + 6, ty, esc(l));
          ty += 12;
        }
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"#555\">{}</text></g></a>\n", x_of(b) + 6,
                           y[b] + (lines.size() == 1 ? 34 : 39), esc(sub));
      }
      svg += "</svg>\n";
    }
    size_t ran = 0;
    double secs = 0, slowest = 0, before = 0;
    for (auto& nd : nodes) {
      if (nd.ran) ++ran, secs += nd.seconds;
      else if (nd.earlier >= 0) before += nd.earlier;
      slowest = std::max(slowest, nd.ran ? nd.seconds : std::max(0.0, nd.earlier));
    }
    std::string body = fmt::format("<p class=\"note\">{} nodes: {} ran ({:.1f} s of op time, in parallel where the DAG "
                                   "allows), {} reused from the cache{}. Sources at the top; each node below "
                                   "its inputs{}.</p>\n",
                                   n, ran, secs, n - ran,
                                   before > 0 ? fmt::format(" (computed in {:.1f} s of op time by earlier runs)", before) : "",
                                   B < n ? "; the nodes an expansion made (a grid's trials, cv's folds, a sweep) share a box with their count" : "");
    if (!svg.empty())
      body += figure("fig-dag", "<div class=\"scroll\">\n" + svg + "</div>\n",
                     "Each op call of the plan, layered by depth; click a box for its row below.");
    else if (B > 600)
      body += "<p class=\"note\">Too many nodes to draw; the table lists them all.</p>\n";
    std::string t = "<table>\n<thead><tr><th>#</th><th>node</th><th>op</th><th>inputs</th><th>status</th><th>seconds</th></tr></thead>\n<tbody>\n";
    for (size_t i = 0; i < n; ++i) {
      auto& nd = nodes[i];
      std::string ins;
      for (auto& [in, part] : nd.inputs) {
        if (!ins.empty()) ins += ", ";
        std::string l = in < n ? nodes[in].label : "?";
        ins += fmt::format("<a href=\"#node-{}\">{}</a>", in, esc(part.empty() ? l : l + "." + part));
      }
      double shown = nd.ran ? nd.seconds : nd.earlier;
      std::string sec = shown >= 0 ? fmt::format("<span class=\"bar{}\" style=\"width:{:.0f}px\"></span>{:.2f}", nd.ran ? "" : " before",
                                                 slowest > 0 ? std::max(1.0, 80 * shown / slowest) : 1, shown)
                                   : "";
      t += fmt::format("<tr id=\"node-{}\"{}><td class=\"n\">{}</td><td>{}{}</td><td>{}</td><td class=\"wrap\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                       i, nd.ran ? " class=\"ran\"" : "", i, esc(nd.label), nd.target ? " <b>(reported)</b>" : "", esc(nd.op),
                       ins, nd.ran ? "ran" : nd.earlier >= 0 ? "cached (seconds when computed)" : "cached", sec);
    }
    t += "</tbody></table>\n";
    body += n > 40 ? folded(fmt::format("every node ({})", n), t) : t;
    return "<section id=\"dag\">\n<h2>DAG<span class=\"kind\">what ran, what the cache gave back</span></h2>\n" + body + "</section>\n";
  }

  std::string quarantine() {
    TextTable q{{"node", "file", "reason"}, {}};
    for (auto& x : p_.quarantine) q.rows.push_back({x.node, x.file, x.reason});
    return fmt::format("<section id=\"quarantine\">\n<h2>Set aside<span class=\"kind\">{} file{} the ops could not read; the rest went on</span></h2>\n{}</section>\n",
                       q.rows.size(), q.rows.size() == 1 ? "" : "s",
                       q.rows.size() > 20 ? folded(fmt::format("{} files", q.rows.size()), html_table(q, "")) : html_table(q, ""));
  }

  std::string script() {
    std::string out = "<section id=\"script\">\n<h2>Script<span class=\"kind\">" + esc(p_.script) + "</span></h2>\n<pre class=\"script\">";
    size_t line = 1, start = 0;
    const std::string& s = p_.source;
    while (start < s.size()) {
      size_t end = s.find('\n', start);
      if (end == std::string::npos) end = s.size();
      out += fmt::format("<span class=\"ln\">{}</span>{}\n", line++, esc(s.substr(start, end - start)));
      start = end + 1;
    }
    return out + "</pre>\n</section>\n";
  }
};

}  // namespace

std::string render_html(const ReportPage& page) { return Page(page).render(); }

void write_html(const std::filesystem::path& file, const ReportPage& page) {
  std::filesystem::create_directories(file.parent_path());
  write_if_changed(file, render_html(page));
}

}  // namespace genre
