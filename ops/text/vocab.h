// Vocabularies and token ids: what tokenize builds on the training part, and
// how a later op (the embedding layer, coverage) gets it back from a table.
//
// Ids: 0 = padding, 1 = out of vocabulary, 2... = the words, most frequent
// first (ties: byte order of the word). A text becomes its first max_len words
// (the rest is cut), each its id, padded with 0 to max_len.
//
// Why recover rather than store: a Table has no place for a list that is not
// one value per row, so tokenize keeps the text column beside the ids and
// counts only the words the model sees (the first max_len of each row). Then
// every word of the vocabulary stands, in some row of the part it was built
// on, at a position whose id names it: zipping that part's words with its ids
// gives the vocabulary back exactly, counts included.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/core/value.h"

namespace genre::text {

inline constexpr uint32_t pad_id = 0, oov_id = 1;

struct Vocabulary {
  std::vector<std::string> words;  // by id; words[0] = "<pad>", words[1] = "<unk>"; "" for an id never seen (see recover)
  std::vector<size_t> counts;      // by id: occurrences in the part it was built on (counts[1]: out-of-vocabulary words)
  std::unordered_map<std::string, uint32_t> ids;

  size_t size() const { return words.size(); }  // ids, padding and OOV included: the embedding matrix's rows
  uint32_t id(const std::string& w) const {
    auto it = ids.find(w);
    return it == ids.end() ? oov_id : it->second;
  }
};

struct VocabOptions {
  size_t max_len = 0;    // words per row the model sees
  size_t size = 0;       // ids in all, 0 and 1 included: at most size - 2 words
  size_t min_count = 1;  // fewer occurrences than this: out of vocabulary
  bool pad_start = false;
};

// The words of a text the model sees: split on whitespace, the first max_len.
std::vector<std::string> visible_words(std::string_view text, size_t max_len);

// Built from the visible words of the present rows of a text column.
Vocabulary build_vocabulary(const Column& text, const VocabOptions& opt);

// max_len ids, padded with 0 at the end (or the start).
std::vector<float> encode(std::string_view text, const Vocabulary& v, const VocabOptions& opt);

// The vocabulary tokenize built, from the part it was built on (its fit part,
// usually train): its text column and its token column. From another part it
// is partial (ids that part lacks get ""). A DataError when the ids and the
// words disagree (the text was changed after tokenize).
Vocabulary recover_vocabulary(const Table& fit_part, const std::string& text_col, const std::string& tokens_col);

}  // namespace genre::text
