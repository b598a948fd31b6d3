#include "support/fixtures.h"

#include <cstring>
#include <fstream>
#include <vector>

namespace tg::testing {

std::string fixtures_dir() { return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/reference/fixtures"; }

std::map<std::string, Tensor> load_safetensors_tensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  TG_CHECK(f.good(), "fixtures: cannot open ", path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  TG_CHECK(bytes.size() >= 8, "fixtures: ", path, " is truncated");
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  TG_CHECK(8 + header_len <= bytes.size(), "fixtures: bad header length in ", path);
  auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + header_len);
  const char* data = bytes.data() + 8 + header_len;
  std::map<std::string, Tensor> out;
  for (auto& [key, info] : header.items()) {
    if (key == "__metadata__") continue;
    const std::string dt = info["dtype"];
    DType dtype = dt == "F32" ? kFloat32 : dt == "F64" ? kFloat64 : dt == "I64" ? kInt64 : kBool;
    TG_CHECK(dt == "F32" || dt == "F64" || dt == "I64" || dt == "BOOL", "fixtures: dtype ", dt);
    std::vector<int64_t> shape = info["shape"].get<std::vector<int64_t>>();
    auto offsets = info["data_offsets"].get<std::vector<uint64_t>>();
    Tensor t = empty(shape, dtype);
    TG_CHECK(offsets[1] - offsets[0] == t.numel() * itemsize(dtype), "fixtures: size of ", key);
    std::memcpy(t.raw_data(), data + offsets[0], offsets[1] - offsets[0]);
    out[key] = t;
  }
  return out;
}

}  // namespace tg::testing
