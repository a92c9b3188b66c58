// Pre-trained word vectors (GloVe's text format) and the embedding matrix of a
// vocabulary, for the embedding layer and the coverage report.
#pragma once
#include <string>
#include <vector>

#include "ops/text/vocab.h"
#include "runtime/core/value.h"

namespace genre::text {

// GloVe's text format, one vector per line: the word, then `dims` numbers, all
// separated by spaces (word2vec's "count dims" first line is skipped; .gz is
// decompressed). The table has a text column `word`, a sequence column
// `vector` (one step of `dims` floats) and `line` (where it is in the file).
// A bad line (wrong number of values, a value that is not a finite number,
// invalid UTF-8) is a DataError with file:line, or with `skip` a row whose
// vector is missing (present == 0), so the count stays visible.
// `skip_hint` ends a bad line's message with how the caller turns skipping on
// (the embeddings op: its on_error option); "" where there is no such option.
Table read_embeddings(const std::string& path, const std::string& shown, size_t dims, bool skip,
                      const std::string& skip_hint = "");

// Row `id` holds the vector of the vocabulary's word `id`; zeros for padding
// (0), out of vocabulary (1), words without a vector and ids never seen.
// Where a word has several vectors the first counts.
struct EmbeddingMatrix {
  size_t rows = 0, dims = 0;
  std::vector<float> values;  // rows x dims, row-major
  std::vector<uint8_t> found;  // by id: 1 where the row came from a vector
  size_t words = 0, words_found = 0;    // vocabulary words (ids >= 2) and those with a vector
  size_t tokens = 0, tokens_found = 0;  // occurrences in the part the vocabulary was built on (OOV ones included)
  std::vector<std::string> missing;     // vocabulary words without a vector, most frequent first
};
EmbeddingMatrix embedding_matrix(const Vocabulary& v, const Table& vectors);

}  // namespace genre::text
