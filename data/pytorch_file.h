// Reading the files Python PyTorch writes with torch.save (PyTorch 1.13's format), safely.
//
// A torch.save file is a zip archive (stored members) holding `<name>/data.pkl`, a pickle
// (protocol 2), and `<name>/data/<key>`, one raw little-endian storage per key. The pickle is
// read by a restricted unpickler that never imports or calls anything: it understands the
// opcodes that build None, bools, ints, floats, strings, bytes, lists, tuples and dicts, and
// exactly these globals:
//   collections.OrderedDict                      -> a dict (state given by BUILD is ignored:
//                                                   that is state_dict()'s `_metadata`)
//   torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage
//                                                -> storage types of persistent ids
//   torch._utils._rebuild_tensor_v2              -> a tensor (storage, offset, size, stride)
//   torch._utils._rebuild_parameter(_with_state) -> a tensor with its requires_grad flag
// Any other global (a class, a function such as os.system) is refused with a tg::Error that
// names it, before anything else happens.
//
// Tensors are views over their storage as in PyTorch: two tensors saved as views of one
// storage share memory after loading. dtypes: float32, float64, int64 and bool load as they
// are; float16 and bfloat16 are converted to float32, int32/int16/int8/uint8 to int64
// (tapegrad has no narrower types); complex and quantized storages are refused. Storages
// saved from another device (location "cuda:0", ...) load on the CPU.
//
// The legacy format (torch.save(..., _use_new_zipfile_serialization=False): magic number,
// protocol and system-info pickles, the main pickle, the storage key list, then each storage
// as an 8-byte element count and its data) is read too.
//
// Hostile files: every length, size, stride, offset and element count is checked against the
// bytes actually present before anything is allocated; the pickle may hold at most 64 MiB and
// build at most 4M objects, nesting is limited to 256 levels, and reference cycles are refused.
// Anything wrong throws tg::Error naming the file and the problem.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace tg::io {

// One value of an unpickled torch.save file.
class PickleValue {
 public:
  enum class Kind { None, Bool, Int, Float, String, Bytes, Tensor, List, Tuple, Dict };

  PickleValue() = default;  // None
  static PickleValue boolean(bool v);
  static PickleValue integer(int64_t v);
  static PickleValue floating(double v);
  static PickleValue string(std::string v, Kind kind = Kind::String);
  static PickleValue tensor(Tensor t);
  static PickleValue sequence(Kind kind, std::vector<PickleValue> items);  // List or Tuple
  static PickleValue dict(std::vector<PickleValue> keys, std::vector<PickleValue> values);

  Kind kind() const noexcept { return kind_; }
  // "None", "bool", "int", "float", "str", "bytes", "Tensor", "list", "tuple", "dict".
  std::string kind_name() const;
  bool is_none() const noexcept { return kind_ == Kind::None; }
  bool is_tensor() const noexcept { return kind_ == Kind::Tensor; }
  bool is_dict() const noexcept { return kind_ == Kind::Dict; }
  bool is_list() const noexcept { return kind_ == Kind::List || kind_ == Kind::Tuple; }

  // Typed access; a wrong kind throws tg::Error naming the expected and actual kinds.
  bool to_bool() const;
  int64_t to_int() const;
  double to_double() const;  // a float, or an int converted
  const std::string& to_string() const;  // str or bytes
  const Tensor& to_tensor() const;
  const std::vector<PickleValue>& items() const;  // list or tuple
  const std::vector<PickleValue>& keys() const;   // dict, in insertion order
  const std::vector<PickleValue>& values() const;
  std::size_t size() const;  // items of a list/tuple, entries of a dict

  // Dict lookup by string key (throws naming the keys there are when absent).
  bool contains(const std::string& key) const;
  const PickleValue& at(const std::string& key) const;
  // List/tuple element.
  const PickleValue& operator[](std::size_t index) const;

 private:
  Kind kind_ = Kind::None;
  bool bool_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string string_;
  Tensor tensor_;
  std::vector<PickleValue> items_;   // list/tuple items, or dict keys
  std::vector<PickleValue> values_;  // dict values
};

// Reads a torch.save file (zip or legacy format); throws tg::Error on anything it cannot
// read safely.
PickleValue load_pytorch(const std::string& path);
// The same from memory; `source` names the buffer in error messages.
PickleValue pytorch_from_buffer(const unsigned char* data, std::size_t size,
                                const std::string& source = "<torch.save buffer>");

// True when the bytes start like a torch.save file (a zip with a data.pkl member, or the
// legacy magic number); used to tell formats apart by content.
bool looks_like_pytorch_file(const unsigned char* data, std::size_t size);

}  // namespace tg::io
