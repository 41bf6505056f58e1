// The message envelope on the wire: ids, routing, headers, attempt and the
// payload, as one msgpack map with short string keys. Unknown keys are
// ignored when reading, so a newer writer can add fields.
//
//   {"id": u64, "pid": u64, "par": u64, "cid": str, "top": str, "node": str,
//    "att": u32, "nb": i64 (not before, ms; 0 = now),
//    "hdr": bin (msgpack map str->str), "pl": bin (msgpack document),
//    "cur": bin (a paging node's cursor; may be absent or empty)}
//
// EnvelopeView borrows everything: when packing, from the caller; when
// unpacked, from the buffer the msgpack object references (keep it alive).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <msgpack.hpp>

#include "common/status.hpp"

namespace weir::message {

struct EnvelopeView {
  std::uint64_t message_id = 0;
  std::uint64_t process_id = 0;
  std::uint64_t parent_id = 0;
  std::string_view correlation_id;
  std::string_view topology;
  std::string_view node;
  std::uint32_t attempt = 1;
  std::int64_t not_before_ms = 0;
  std::span<const std::uint8_t> headers;
  std::span<const std::uint8_t> payload;
  std::span<const std::uint8_t> cursor;
};

// Appends one envelope map to `pk`.
void pack_envelope(msgpack::packer<msgpack::sbuffer>& pk, const EnvelopeView& e);

// Reads an envelope from an unpacked msgpack object. Strings and binaries
// must have been unpacked by reference (see unpack_by_reference).
Result<EnvelopeView> read_envelope(const msgpack::object& o);

// Unpacks `data` so that strings and binaries point into `data` (no copies).
msgpack::object_handle unpack_by_reference(const char* data, std::size_t size);

// Small writers and readers shared by the wire formats built on msgpack.
void pack_string(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s);
void pack_bin(msgpack::packer<msgpack::sbuffer>& pk, std::span<const std::uint8_t> b);
std::string_view as_string(const msgpack::object& o);
std::span<const std::uint8_t> as_bytes(const msgpack::object& o);
bool key_is(const msgpack::object_kv& kv, std::string_view key);

}  // namespace weir::message
