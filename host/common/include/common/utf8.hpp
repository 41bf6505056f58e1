// UTF-8 checks for text that came from outside (topology files, plugins'
// error texts, log lines): JSON and YAML tooling (nlohmann's dump, the CLI's
// output) refuse or garble anything else, so the host checks where the text
// comes in and names the place, instead of failing later somewhere far away.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weir {

// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF) at the start of `s`, or 0 if there is
// none (an invalid or truncated sequence, or `s` is empty).
std::size_t utf8_sequence(std::string_view s);

// True when all of `s` is UTF-8; otherwise `*bad` (if given) is the offset
// of the first byte that is not.
bool is_utf8(std::string_view s, std::size_t* bad = nullptr);

// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string to_utf8(std::string_view s);

}  // namespace weir
