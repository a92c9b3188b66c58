// The report page of a run (out/<script>/report.html): one self-contained HTML
// file, viewable without a network (inline CSS and SVG, no scripts, no fonts,
// no links but #fragments). It shows every target's tables and plots, the DAG
// with what ran and what the cache gave back, and the script itself.
//
// Every plot is <figure id="fig-..."><svg>...</svg><figcaption>..</figcaption></figure>,
// its id made of the target, the model and the plot, each reduced to
// [A-Za-z0-9_-] (anything else becomes '_'):
//   fig-<report>-summary             evaluate/cv: the single-number metrics per model
//   fig-<report>-<model>-confusion   confusion matrix (heatmap), every model's side by side
//   fig-<report>-f1                  F1 per class, models side by side (from the confusion matrices)
//   fig-<report>-<model>-pr          precision-recall curves per class (pr_curve)
//   fig-<report>-pr_auc              average precision per class and model (pr_auc)
//   fig-<report>-<model>-training    training curves (history): loss, accuracy
//   fig-<report>-<model>-trials      a grid's trials: score per point
//   fig-<report>-jaccard, -share     tag_table
//   fig-<report>-dendrogram          cluster
//   fig-<report>-loss                next_step_loss: loss by the sweep's keys (genre x instrument)
//   fig-<report>-counts              label_counts
//   fig-dag                          the DAG
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/value.h"
#include "runtime/engine/run.h"

namespace genre {

struct PageNode {
  std::string label, op;
  std::vector<std::pair<size_t, std::string>> inputs;  // (producer's index, a Split's part or "")
  bool ran = false;      // computed by this run; else reused from the cache
  double seconds = 0;    // when it ran
  double earlier = -1;   // when it did not: the op time of the run that computed it (-1: unknown)
  bool target = false;   // a definition the run reports
};

struct PageProblem {
  std::string node, file, reason;
};

struct ReportPage {
  std::string script;              // the path as given
  std::string source;              // its text
  std::vector<std::string> sets;   // --set NAME=VALUE
  std::vector<PageNode> nodes;     // the plan's order: inputs first
  std::vector<Target> targets;
  std::vector<PageProblem> quarantine;
};

std::string render_html(const ReportPage& page);

// Writes render_html(page) to `file` atomically (temp file + rename).
void write_html(const std::filesystem::path& file, const ReportPage& page);

}  // namespace genre
