// artist_terms(path): the Echo Nest artist terms of the Million Song Dataset
// from its SQLite file artist_term.db, as a long table (one row per artist and
// term). The released artist_term.db holds only (artist_id, term) pairs: the
// per-artist freq and weight live in the per-track HDF5 files. So freq and
// weight are read when the table has those columns (a database built with
// them) and are missing otherwise; a CSV export with them reads with csv().
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "runtime/core/op.h"
#include "runtime/core/op_kit.h"

namespace genre {

namespace {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtClose {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbClose>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtClose>;

Stmt prepare(sqlite3* db, const std::string& sql, const std::string& file) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db);
    sqlite3_finalize(s);
    throw DataError(fmt::format("artist_terms: cannot read {} as an SQLite database: {}", file, why));
  }
  return Stmt(s);
}

// The column names of `table`, empty when there is no such table.
std::vector<std::string> columns_of(sqlite3* db, const std::string& table, const std::string& file) {
  Stmt s = prepare(db, "PRAGMA table_info(" + table + ")", file);
  std::vector<std::string> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW)
    out.push_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1)));
  if (rc != SQLITE_DONE)
    throw DataError(fmt::format("artist_terms: cannot read {} as an SQLite database: {}", file, sqlite3_errmsg(db)));
  return out;
}

std::vector<std::string> table_names(sqlite3* db, const std::string& file) {
  Stmt s = prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", file);
  std::vector<std::string> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  for (auto& s : v)
    if (s == x) return true;
  return false;
}

Value run_artist_terms(const OpContext& ctx) {
  std::string given = ctx.params.at("path").get<std::string>();
  std::string file = ctx.path(given);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw DataError("artist_terms: file not found: " + given + (file != given ? " (looked for " + file + ")" : ""));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK)
    throw DataError(fmt::format("artist_terms: cannot open {}: {}", given, raw ? sqlite3_errmsg(raw) : "out of memory"));

  auto cols = columns_of(db.get(), "artist_term", given);
  if (cols.empty()) {
    auto names = table_names(db.get(), given);
    throw DataError(fmt::format("artist_terms: {} has no table artist_term (MSD's artist_term.db has one); its tables: {}",
                                given, names.empty() ? "none" : kit::name_list(names)));
  }
  for (const char* need : {"artist_id", "term"})
    if (!has(cols, need))
      throw DataError(fmt::format("artist_terms: table artist_term of {} has no column {} (its columns: {})", given, need,
                                  kit::name_list(cols)));
  bool with_freq = has(cols, "freq"), with_weight = has(cols, "weight");
  std::string sql = fmt::format("SELECT artist_id, term, {}, {} FROM artist_term", with_freq ? "freq" : "NULL",
                                with_weight ? "weight" : "NULL");
  Stmt s = prepare(db.get(), sql, given);

  Column id, term, freq, weight;
  id.name = "artist_id", term.name = "term", freq.name = "freq", weight.name = "weight";
  id.numeric = term.numeric = false;
  auto text = [&](Column& c, int i) {
    const unsigned char* v = sqlite3_column_text(s.get(), i);
    c.text.push_back(v ? reinterpret_cast<const char*>(v) : "");
    c.present.push_back(v != nullptr);
  };
  size_t row = 0;
  auto number = [&](Column& c, int i) {
    int type = sqlite3_column_type(s.get(), i);
    if (type == SQLITE_NULL) return c.num.push_back(missing);
    if (type != SQLITE_INTEGER && type != SQLITE_FLOAT)
      throw DataError(fmt::format("artist_terms: {}, table artist_term, row {}: {} must be a number, got \"{}\"", given,
                                  row, c.name, reinterpret_cast<const char*>(sqlite3_column_text(s.get(), i))));
    c.num.push_back(sqlite3_column_double(s.get(), i));
  };
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    ++row;
    text(id, 0);
    text(term, 1);
    number(freq, 2);
    number(weight, 3);
  }
  if (rc != SQLITE_DONE)
    throw DataError(fmt::format("artist_terms: {}: reading table artist_term failed after row {}: {}", given, row,
                                sqlite3_errmsg(db.get())));
  Table t;
  t.source = given;
  t.cols = {std::move(id), std::move(term), std::move(freq), std::move(weight)};
  return t;
}

}  // namespace

void register_artist_terms() {
  using lang::Type;
  lang::Signature s;
  s.name = "artist_terms";
  s.result = Type::Table;
  s.doc = "The Million Song Dataset's artist terms from its SQLite file artist_term.db (table artist_term): one row "
          "per artist and term, columns artist_id, term, freq, weight. The released artist_term.db has no freq or "
          "weight (those are in the per-track files): they are read when the table has such columns and are missing "
          "otherwise. A CSV with the same columns reads with csv().";
  s.params = {
      {"path", {Type::Path}, true, {}, Type::Any, "the .db file, relative to the script"},
  };
  register_op(s, run_artist_terms);
}

}  // namespace genre
