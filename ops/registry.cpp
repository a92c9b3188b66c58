// Every op family, registered once at start-up. To add an op: write
// ops/<domain>/<name>.cpp with a register_<name>() and list it here.
#include <mutex>

#include "runtime/core/op.h"

namespace genre {

void register_csv();          // ops/io/csv.cpp
void register_join();         // ops/tabular/join.cpp
void register_distinct();     // ops/tabular/distinct.cpp
void register_columns();      // ops/tabular/columns.cpp: select, drop_columns, label
void register_keep();         // ops/tabular/keep.cpp
void register_relabel();      // ops/tabular/relabel.cpp
void register_impute();       // ops/tabular/impute.cpp
void register_quantile();     // ops/tabular/quantile.cpp
void register_scale();        // ops/tabular/scale.cpp: minmax, standardize
void register_select();       // ops/tabular/select.cpp: select_best
void register_split();        // ops/tabular/split.cpp: split, kfold
void register_model_specs();  // ops/models/specs.cpp: knn, svm, baseline, classifier, layers, optimizers
void register_fit();          // ops/train/fit.cpp: fit, trial
void register_grid();         // ops/train/grid.cpp: grid's final selection + refit
void register_evaluate();     // ops/eval/evaluate.cpp
void register_predict();      // ops/eval/predict.cpp
void register_multi_value();  // ops/text/multi_value.cpp: explode, first_of
void register_labels();       // ops/text/labels.cpp: top_labels, balance, label_counts
void register_clean();        // ops/text/clean.cpp
void register_tokenize();     // ops/text/tokenize.cpp: tokenize, vocabulary
void register_embeddings();   // ops/text/embeddings.cpp: embeddings, coverage
void register_midi_folder();  // ops/midi/midi_folder.cpp
void register_instruments();  // ops/midi/instruments.cpp
void register_piano_roll();   // ops/midi/piano_roll.cpp: piano_roll, windows
void register_audio_features();  // ops/audio/audio_features.cpp
void register_render();          // ops/audio/render.cpp
void register_artist_terms();    // ops/tags/artist_terms.cpp
void register_normalize_tags();  // ops/tags/normalize_tags.cpp
void register_tag_table();       // ops/tags/tag_table.cpp
void register_match_scores();    // ops/tags/match_scores.cpp
void register_merge_tags();      // ops/tags/merge_tags.cpp: merge { a <- [...] }, merge_tags
void register_instrument_map();  // ops/midi/instrument_map.cpp: map { drums <- percussion }
void register_pitch_histograms();  // ops/midi/pitch_histograms.cpp
void register_cluster();         // ops/analysis/cluster.cpp
void register_sequence_ops();    // ops/models/sequence_ops.cpp: next_step, next_step_loss
void register_ensemble();        // ops/models/ensemble.cpp: average, max, weighted, vote
void register_cv();              // ops/train/cv.cpp: cv (expanded by the planner), cv_fold, cv_summary
void register_ablate();          // ops/train/ablate.cpp: ablate (expanded by the planner), remove, replace

void register_knn_model();         // ops/models/knn.cpp: the model families behind fit
void register_svm_model();         // ops/models/svm.cpp
void register_baseline_model();    // ops/models/baseline.cpp
void register_logistic_model();    // ops/models/logistic.cpp
void register_xgboost_model();     // ops/models/xgboost.cpp: xgboost, random_forest
void register_classifier_model();  // ops/torch_ops.cpp (the network is in libgenre_torch.so)
void register_next_step_model();   // ops/torch_ops.cpp

void register_all() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_knn_model();
    register_svm_model();
    register_baseline_model();
    register_logistic_model();
    register_xgboost_model();
    register_classifier_model();
    register_next_step_model();
    register_csv();
    register_join();
    register_distinct();
    register_columns();
    register_keep();
    register_relabel();
    register_impute();
    register_quantile();
    register_scale();
    register_select();
    register_split();
    register_model_specs();
    register_fit();
    register_grid();
    register_evaluate();
    register_predict();
    register_multi_value();
    register_labels();
    register_clean();
    register_tokenize();
    register_embeddings();
    register_midi_folder();
    register_instruments();
    register_piano_roll();
    register_audio_features();
    register_render();
    register_artist_terms();
    register_normalize_tags();
    register_tag_table();
    register_match_scores();
    register_merge_tags();
    register_instrument_map();
    register_pitch_histograms();
    register_cluster();
    register_sequence_ops();
    register_ensemble();
    register_cv();
    register_ablate();  // keep last: remove/replace list the layer kinds registered before it
  });
}

}  // namespace genre
