#include "message/envelope.hpp"

#include <string>

namespace weir::message {
namespace {

bool reference_strings_and_bins(msgpack::type::object_type type, std::size_t, void*) {
  return type == msgpack::type::STR || type == msgpack::type::BIN;
}

}  // namespace

void pack_envelope(msgpack::packer<msgpack::sbuffer>& pk, const EnvelopeView& e) {
  pk.pack_map(11);
  pack_string(pk, "id");
  pk.pack_uint64(e.message_id);
  pack_string(pk, "pid");
  pk.pack_uint64(e.process_id);
  pack_string(pk, "par");
  pk.pack_uint64(e.parent_id);
  pack_string(pk, "cid");
  pack_string(pk, e.correlation_id);
  pack_string(pk, "top");
  pack_string(pk, e.topology);
  pack_string(pk, "node");
  pack_string(pk, e.node);
  pack_string(pk, "att");
  pk.pack_uint32(e.attempt);
  pack_string(pk, "nb");
  pk.pack_int64(e.not_before_ms);
  pack_string(pk, "hdr");
  pack_bin(pk, e.headers);
  pack_string(pk, "pl");
  pack_bin(pk, e.payload);
  pack_string(pk, "cur");
  pack_bin(pk, e.cursor);
}

void pack_string(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void pack_bin(msgpack::packer<msgpack::sbuffer>& pk, std::span<const std::uint8_t> b) {
  pk.pack_bin(static_cast<std::uint32_t>(b.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<std::uint32_t>(b.size()));
}

msgpack::object_handle unpack_by_reference(const char* data, std::size_t size) {
  return msgpack::unpack(data, size, reference_strings_and_bins);
}

std::string_view as_string(const msgpack::object& o) {
  if (o.type != msgpack::type::STR) throw msgpack::type_error();
  return std::string_view(o.via.str.ptr, o.via.str.size);
}

std::span<const std::uint8_t> as_bytes(const msgpack::object& o) {
  if (o.type != msgpack::type::BIN) throw msgpack::type_error();
  return {reinterpret_cast<const std::uint8_t*>(o.via.bin.ptr), o.via.bin.size};
}

bool key_is(const msgpack::object_kv& kv, std::string_view key) {
  return kv.key.type == msgpack::type::STR && as_string(kv.key) == key;
}

Result<EnvelopeView> read_envelope(const msgpack::object& o) {
  if (o.type != msgpack::type::MAP) return Status::error("envelope is not a msgpack map");
  EnvelopeView e;
  bool has_id = false, has_payload = false;
  try {
    for (const msgpack::object_kv& kv : std::span(o.via.map.ptr, o.via.map.size)) {
      if (key_is(kv, "id")) e.message_id = kv.val.as<std::uint64_t>(), has_id = true;
      else if (key_is(kv, "pid")) e.process_id = kv.val.as<std::uint64_t>();
      else if (key_is(kv, "par")) e.parent_id = kv.val.as<std::uint64_t>();
      else if (key_is(kv, "cid")) e.correlation_id = as_string(kv.val);
      else if (key_is(kv, "top")) e.topology = as_string(kv.val);
      else if (key_is(kv, "node")) e.node = as_string(kv.val);
      else if (key_is(kv, "att")) e.attempt = kv.val.as<std::uint32_t>();
      else if (key_is(kv, "nb")) e.not_before_ms = kv.val.as<std::int64_t>();
      else if (key_is(kv, "hdr")) e.headers = as_bytes(kv.val);
      else if (key_is(kv, "pl")) e.payload = as_bytes(kv.val), has_payload = true;
      else if (key_is(kv, "cur")) e.cursor = as_bytes(kv.val);
    }
  } catch (const msgpack::type_error&) {
    return Status::error("envelope has a field of the wrong type");
  }
  if (!has_id || !has_payload) return Status::error("envelope lacks its id or payload");
  return e;
}

}  // namespace weir::message
