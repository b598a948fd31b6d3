// Reading the committed PyTorch fixtures (tests/reference/fixtures/<family>.{json,safetensors}).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tapegrad.h"

namespace tg::testing {

// All tensors of one safetensors file, by key.
std::map<std::string, Tensor> load_safetensors_tensors(const std::string& path);

std::string fixtures_dir();

}  // namespace tg::testing
