// Devices, as libtorch names them: tapegrad computes on the CPU only, so tg::Device is always
// the CPU; naming another device type is allowed (`kCUDA` appears in portable code), but
// building a tensor there or moving one there throws tg::Error.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace tg {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1, MPS = 13, Meta = 9 };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;
constexpr DeviceType kMPS = DeviceType::MPS;
constexpr DeviceType kMeta = DeviceType::Meta;

const char* device_type_name(DeviceType type);

class Device {
 public:
  Device(DeviceType type, int64_t index = -1)  // NOLINT: implicit as in libtorch
      : type_(type), index_(index) {}
  // "cpu", "cuda", "cuda:1", "mps", "meta"; anything else throws.
  Device(const std::string& spec);  // NOLINT: implicit as in libtorch
  Device(const char* spec) : Device(std::string(spec)) {}  // NOLINT

  DeviceType type() const noexcept { return type_; }
  int64_t index() const noexcept { return index_; }
  bool has_index() const noexcept { return index_ != -1; }
  bool is_cpu() const noexcept { return type_ == DeviceType::CPU; }
  bool is_cuda() const noexcept { return type_ == DeviceType::CUDA; }
  std::string str() const;

  friend bool operator==(const Device& a, const Device& b) {
    return a.type_ == b.type_ && a.index_ == b.index_;
  }
  friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }

 private:
  DeviceType type_;
  int64_t index_;
};

std::ostream& operator<<(std::ostream& os, const Device& device);
std::ostream& operator<<(std::ostream& os, DeviceType type);

// Throws tg::Error naming `op` unless `device` is the CPU.
void check_device(const Device& device, const char* op);

namespace cuda {
// tapegrad has no CUDA backend: always false / 0.
inline bool is_available() { return false; }
inline int64_t device_count() { return 0; }
inline bool cudnn_is_available() { return false; }
inline void manual_seed(uint64_t) {}
inline void manual_seed_all(uint64_t) {}
}  // namespace cuda

}  // namespace tg
