// UTF-8 and the character classes the text ops agree on. No locale: the same
// bytes give the same result on every machine. The classes are documented in
// clean's signature (ops/text/clean.cpp); this header is where they live.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace genre::text {

// Offset of the first byte that breaks UTF-8 (overlong forms, surrogates and
// code points past U+10FFFF included), or npos.
size_t invalid_utf8(std::string_view s);

// Code points of valid UTF-8 (check with invalid_utf8 first), and back.
std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);

// ASCII whitespace, U+0085, U+00A0, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool is_space(char32_t c);
// What `lower` maps: ASCII, Latin-1, Latin Extended-A, basic Greek and Cyrillic capitals.
char32_t to_lower(char32_t c);
// What `punctuation` removes: Python's string.punctuation, Latin-1 ¡ § « ¶ · » ¿,
// and U+2010-U+2027, U+2030-U+205E (dashes, quotes, ellipsis, ...).
bool is_punctuation(char32_t c);
// What `non_alnum` keeps besides whitespace: letters, digits and combining marks
// of the scripts listed in clean's doc; every other character is removed.
bool is_alnum(char32_t c);

// Splits on runs of is_space; no empty words.
std::vector<std::string> words(std::string_view s);

}  // namespace genre::text
