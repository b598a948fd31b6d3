// Device names and the CPU-only check.
#include "autograd/device.h"

#include <cctype>

#include "autograd/error.h"

namespace tg {

const char* device_type_name(DeviceType type) {
  switch (type) {
    case DeviceType::CPU: return "cpu";
    case DeviceType::CUDA: return "cuda";
    case DeviceType::MPS: return "mps";
    case DeviceType::Meta: return "meta";
  }
  return "?";
}

Device::Device(const std::string& spec) : type_(DeviceType::CPU), index_(-1) {
  const std::size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  if (name == "cpu") type_ = DeviceType::CPU;
  else if (name == "cuda") type_ = DeviceType::CUDA;
  else if (name == "mps") type_ = DeviceType::MPS;
  else if (name == "meta") type_ = DeviceType::Meta;
  else
    throw Error(format_message("Device: expected a device string such as \"cpu\" or \"cuda:0\", "
                               "got \"", spec, "\""));
  if (colon != std::string::npos) {
    const std::string idx = spec.substr(colon + 1);
    bool digits = !idx.empty();
    for (char c : idx) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    TG_CHECK(digits, "Device: invalid device index in \"", spec, "\"");
    index_ = std::stoll(idx);
  }
}

std::string Device::str() const {
  std::string s = device_type_name(type_);
  if (has_index()) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.str(); }
std::ostream& operator<<(std::ostream& os, DeviceType type) { return os << device_type_name(type); }

void check_device(const Device& device, const char* op) {
  TG_CHECK(device.is_cpu(), op, ": device ", device.str(),
           " is not available: tapegrad computes on the CPU only (tg::cuda::is_available() is "
           "false); use tg::kCPU");
}

}  // namespace tg
