// Reading a whole data file into memory, gzip or not.
#pragma once
#include <string>

namespace genre {

// The file's bytes, decompressed when it is gzip (zlib reads plain files as
// they are). `shown` names the file in DataError messages.
std::string read_file(const std::string& path, const std::string& shown);

}  // namespace genre
