#include "data/tensor_io.h"

#include <cstring>

#include "data/npy.h"
#include "data/npz.h"
#include "data/safetensors.h"

namespace tg::io {
namespace {

const char* raw_dtype(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      uint32_t m = man;
      do {
        ++e;
        m <<= 1;
      } while ((m & 0x400) == 0);
      bits = sign | ((127 - 15 - e) << 23) | ((m & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <class From, class To>
void convert(const RawArray& a, const Tensor& t) {
  const From* src = reinterpret_cast<const From*>(a.bytes.data());
  To* dst = static_cast<To*>(t.raw_data());
  for (int64_t i = 0; i < t.numel(); ++i) dst[i] = static_cast<To>(src[i]);
}

}  // namespace

const Tensor& LoadedTensors::at(const std::string& name) const {
  std::string keys;
  for (const auto& [k, t] : tensors) {
    if (k == name) return t;
    keys += (keys.empty() ? "" : ", ") + k;
  }
  throw Error(format_message("load_safetensors: no tensor named '", name, "' (the file has: ",
                             keys, ")"));
}

RawArray to_raw(const Tensor& t) {
  TG_CHECK(t.defined(), "to_raw: the tensor is undefined");
  Tensor c = t.detach().contiguous();
  RawArray a;
  a.dtype = raw_dtype(c.dtype());
  a.shape = c.shape().vec();
  const auto* p = static_cast<const unsigned char*>(c.raw_data());
  a.bytes.assign(p, p + c.numel() * itemsize(c.dtype()));
  return a;
}

namespace {
// from_raw, naming `source` (the file) in its errors.
Tensor from_raw_of(const RawArray& a, const std::string& source) {
  const std::string& d = a.dtype;
  try {
    check_raw_array("from_raw", a);  // known dtype, sizes that fit, bytes that match
  } catch (const std::invalid_argument& e) {
    throw Error(format_message(source, ": ", e.what()));
  }
  if (d == "bool") {
    for (std::size_t i = 0; i < a.bytes.size(); ++i) {
      TG_CHECK(a.bytes[i] <= 1, source, ": bool array of shape ", IntArrayRef(a.shape),
               " holds the byte ", static_cast<int>(a.bytes[i]), " at offset ", i,
               " of its data (a bool must be 0 or 1)");
    }
  }
  if (d == "float32" || d == "float64" || d == "int64" || d == "bool") {
    const DType t = d == "float32" ? kFloat32 : d == "float64" ? kFloat64 : d == "int64" ? kInt64 : kBool;
    Tensor out = empty(a.shape, t);
    if (!a.bytes.empty()) std::memcpy(out.raw_data(), a.bytes.data(), a.bytes.size());
    return out;
  }
  if (d == "float16") {
    Tensor out = empty(a.shape, kFloat32);
    const auto* src = reinterpret_cast<const uint16_t*>(a.bytes.data());
    float* dst = out.data_ptr<float>();
    for (int64_t i = 0; i < out.numel(); ++i) dst[i] = half_to_float(src[i]);
    return out;
  }
  Tensor out = empty(a.shape, kInt64);
  if (d == "uint8") convert<uint8_t, int64_t>(a, out);
  else if (d == "int8") convert<int8_t, int64_t>(a, out);
  else if (d == "int32") convert<int32_t, int64_t>(a, out);
  else throw Error("from_raw: unsupported dtype '" + d + "'");
  return out;
}
}  // namespace

// Bool data must hold only the bytes 0 and 1: any other byte throws, naming the offset.
Tensor from_raw(const RawArray& a) { return from_raw_of(a, "from_raw"); }

void save_npy(const std::string& path, const Tensor& t) { write_npy(path, to_raw(t)); }
Tensor load_npy(const std::string& path) {
  return from_raw_of(read_npy(path), "load_npy: '" + path + "'");
}

void save_npz(const std::string& path, const NamedTensors& tensors, bool compress) {
  NamedArrays arrays;
  for (const auto& [name, t] : tensors) arrays.emplace_back(name, to_raw(t));
  write_npz(path, arrays, compress);
}

NamedTensors load_npz(const std::string& path) {
  NamedTensors out;
  for (const auto& [name, a] : read_npz(path)) {
    out.emplace_back(name, from_raw_of(a, "load_npz: '" + path + "' member '" + name + "'"));
  }
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  NamedArrays arrays;
  for (const auto& [name, t] : tensors) arrays.emplace_back(name, to_raw(t));
  write_safetensors(path, arrays, metadata);
}

LoadedTensors load_safetensors(const std::string& path) {
  SafetensorsFile f = read_safetensors(path);
  LoadedTensors out;
  out.metadata = std::move(f.metadata);
  for (const auto& [name, a] : f.entries) {
    out.tensors.emplace_back(name,
                             from_raw_of(a, "load_safetensors: '" + path + "' tensor '" + name + "'"));
  }
  return out;
}

}  // namespace tg::io
