#include "data/safetensors.h"
#include "data/file_error.h"

#include "data/file_bytes.h"

#include "data/atomic_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg::io {
namespace {

using Json = nlohmann::ordered_json;  // keeps the header's key order

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // same cap as the reference implementation
constexpr int kMaxJsonDepth = 4;  // {name: {shape: [..]}} needs 3

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw tg::FileError("read_safetensors: " + source + ": " + what);
}

const char* code_of(const std::string& dtype) {
  if (dtype == "float32") return "F32";
  if (dtype == "float64") return "F64";
  if (dtype == "int64") return "I64";
  if (dtype == "int32") return "I32";
  if (dtype == "uint8") return "U8";
  if (dtype == "int8") return "I8";
  if (dtype == "bool") return "BOOL";
  if (dtype == "float16") return "F16";
  throw std::invalid_argument("write_safetensors: unknown dtype '" + dtype + "'");
}

std::string dtype_of(const std::string& code, const std::string& where) {
  if (code == "F32") return "float32";
  if (code == "F64") return "float64";
  if (code == "I64") return "int64";
  if (code == "I32") return "int32";
  if (code == "U8") return "uint8";
  if (code == "I8") return "int8";
  if (code == "BOOL") return "bool";
  if (code == "F16") return "float16";
  fail(where, "unsupported dtype \"" + code + "\" (supported: F32 F64 I64 I32 U8 I8 BOOL F16)");
}

// Rejects nesting deeper than a valid header needs before handing the text to the JSON
// parser, whose recursion would otherwise be driven by the file.
void check_nesting(const char* text, size_t size, const std::string& source) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < size; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) fail(source, "header JSON is nested too deeply");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

uint64_t non_negative_integer(const Json& v, const std::string& where, const char* what) {
  if (!v.is_number_unsigned()) {
    fail(where, std::string(what) + " must hold non-negative integers, got " + v.dump());
  }
  return v.get<uint64_t>();
}

struct Slot {
  size_t index;  // into the entries vector
  uint64_t begin, end;
};

}  // namespace

SafetensorsFile safetensors_from_buffer(const unsigned char* data, size_t size,
                                        const std::string& source) {
  if (size < 8) fail(source, "too short (" + std::to_string(size) + " bytes) for the header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | data[i];
  if (header_len > kMaxHeaderBytes) {
    fail(source, "header length " + std::to_string(header_len) + " exceeds the 100 MiB limit");
  }
  if (header_len > size - 8) {
    fail(source, "header length " + std::to_string(header_len) + " runs past the end of the " +
                     std::to_string(size) + "-byte input (truncated?)");
  }
  const char* text = reinterpret_cast<const char*>(data + 8);
  if (header_len < 2 || text[0] != '{') fail(source, "header is not a JSON object");
  check_nesting(text, header_len, source);
  Json header;
  try {
    header = Json::parse(text, text + header_len);
  } catch (const Json::exception& e) {
    fail(source, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(source, "header is not a JSON object");

  const unsigned char* payload = data + 8 + header_len;
  uint64_t payload_size = size - 8 - header_len;
  SafetensorsFile out;
  std::vector<Slot> slots;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    std::string where = source + ": tensor '" + name + "'";
    if (name == "__metadata__") {
      if (!v.is_object()) fail(source, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) {
          fail(source, "__metadata__ value for '" + m.key() + "' is not a string");
        }
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || v.size() != 3 || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets")) {
      fail(where, "entry must be an object with exactly dtype, shape and data_offsets, got " +
                      v.dump());
    }
    if (!v["dtype"].is_string()) fail(where, "dtype must be a string");
    RawArray array;
    array.dtype = dtype_of(v["dtype"].get<std::string>(), where);
    if (!v["shape"].is_array()) fail(where, "shape must be an array");
    uint64_t item = RawArray::itemsize(array.dtype);
    uint64_t nbytes = item;
    for (const Json& d : v["shape"]) {
      uint64_t dim = non_negative_integer(d, where, "shape");
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (dim != 0 && nbytes > std::numeric_limits<uint64_t>::max() / dim)) {
        fail(where, "shape " + v["shape"].dump() + " is too large");
      }
      nbytes *= dim;
      array.shape.push_back(static_cast<int64_t>(dim));
    }
    const Json& offsets = v["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2) {
      fail(where, "data_offsets must be [begin, end], got " + offsets.dump());
    }
    uint64_t begin = non_negative_integer(offsets[0], where, "data_offsets");
    uint64_t end = non_negative_integer(offsets[1], where, "data_offsets");
    if (begin > end || end > payload_size) {
      fail(where, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                      "] fall outside the " + std::to_string(payload_size) +
                      "-byte data section (truncated?)");
    }
    if (end - begin != nbytes) {
      fail(where, "data_offsets cover " + std::to_string(end - begin) + " bytes but dtype " +
                      v["dtype"].get<std::string>() + " and shape " + v["shape"].dump() +
                      " need " + std::to_string(nbytes));
    }
    slots.push_back({out.entries.size(), begin, end});
    out.entries.emplace_back(name, std::move(array));
  }

  // The tensors must tile the data section exactly: sorted by offset, each starts where the
  // previous one ended, and the last one ends at the end of the input.
  std::vector<Slot> sorted = slots;
  std::sort(sorted.begin(), sorted.end(), [](const Slot& a, const Slot& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const Slot& s : sorted) {
    const std::string& name = out.entries[s.index].first;
    if (s.begin != expected) {
      fail(source, "tensor '" + name + "' starts at data offset " + std::to_string(s.begin) +
                       ", expected " + std::to_string(expected) +
                       (s.begin < expected ? " (overlapping tensors)" : " (a hole)"));
    }
    expected = s.end;
  }
  if (expected != payload_size) {
    fail(source, std::to_string(payload_size - expected) +
                     " bytes of the data section belong to no tensor");
  }
  for (const Slot& s : slots) {
    out.entries[s.index].second.bytes.assign(payload + s.begin, payload + s.end);
  }
  return out;
}

SafetensorsFile safetensors_from_buffer(const std::vector<unsigned char>& buffer,
                                        const std::string& source) {
  return safetensors_from_buffer(buffer.data(), buffer.size(), source);
}

SafetensorsFile read_safetensors(const std::string& path) {
  std::vector<unsigned char> data = read_file_bytes(path, "read_safetensors");
  return safetensors_from_buffer(data, "'" + path + "'");
}

std::vector<unsigned char> safetensors_to_buffer(
    const NamedArrays& entries, const std::map<std::string, std::string>& metadata) {
  std::set<std::string> seen;
  for (const auto& [name, array] : entries) {
    if (name.empty()) throw std::invalid_argument("write_safetensors: empty tensor name");
    if (name == "__metadata__") {
      throw std::invalid_argument("write_safetensors: '__metadata__' is reserved");
    }
    if (!seen.insert(name).second) {
      throw std::invalid_argument("write_safetensors: duplicate tensor name '" + name + "'");
    }
    check_raw_array(("write_safetensors: tensor '" + name + "'").c_str(), array);
  }

  // Data order: largest element first (stable), so each tensor is aligned to its element size.
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return RawArray::itemsize(entries[a].second.dtype) >
           RawArray::itemsize(entries[b].second.dtype);
  });
  std::vector<uint64_t> begin(entries.size());
  uint64_t offset = 0;
  for (size_t i : order) {
    begin[i] = offset;
    offset += entries[i].second.bytes.size();
  }

  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const RawArray& a = entries[i].second;
    header[entries[i].first] = {{"dtype", code_of(a.dtype)},
                                {"shape", a.shape},
                                {"data_offsets", {begin[i], begin[i] + a.bytes.size()}}};
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {
    throw std::invalid_argument(std::string("write_safetensors: a name or metadata string is "
                                            "not valid UTF-8: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<unsigned char> out;
  out.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<unsigned char>((uint64_t{text.size()} >> (8 * i)) & 0xff));
  }
  out.insert(out.end(), text.begin(), text.end());
  for (size_t i : order) {
    const auto& bytes = entries[i].second.bytes;
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

void write_safetensors(const std::string& path, const NamedArrays& entries,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, safetensors_to_buffer(entries, metadata), "write_safetensors");
}

}  // namespace tg::io
