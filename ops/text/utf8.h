// UTF-8 and the character classes the text ops agree on. No locale: the same
// bytes give the same result on every machine (utf8proc's tables are compiled
// in). The classes are documented in clean's signature (ops/text/clean.cpp);
// this header is where they live.
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

// Unicode's classes and mappings come from utf8proc (Unicode 15, Debian's libutf8proc).
// NFC: "é" typed as one code point or as e + U+0301 becomes the same bytes. Valid UTF-8 only.
std::string nfc(std::string_view s);
// Full case folding, then NFC (Python's str.casefold): ß -> ss, ς -> σ, İ -> i + U+0307.
std::string casefold(std::string_view s);

// Python's str.isspace(): ASCII whitespace, U+001C-U+001F, U+0085 and the categories Zs, Zl, Zp.
bool is_space(char32_t c);
// Unicode's simple lower-case mapping, one code point to one: İ -> i, Σ -> σ (also at a
// word's end), ß unchanged.
char32_t to_lower(char32_t c);
// What `punctuation` removes: Python's string.punctuation (ASCII, symbols such as $ + < = > ^ ` | ~
// included) and every code point of Unicode's punctuation categories (Pc Pd Ps Pe Pi Pf Po).
bool is_punctuation(char32_t c);
// What `non_alnum` keeps besides whitespace: ASCII letters and digits and Unicode's letters,
// marks and numbers (categories L*, M*, N*).
bool is_alnum(char32_t c);
// What `digits` removes: 0-9 and the decimal digits of every script (category Nd).
bool is_digit(char32_t c);

// Splits on runs of is_space; no empty words; each word in NFC.
std::vector<std::string> words(std::string_view s);

}  // namespace genre::text
