#include "data/pytorch_file.h"

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <unordered_map>

#include "data/raw_array.h"
#include "data/tensor_io.h"
#include "data/zip.h"

namespace tg::io {
namespace {

constexpr std::size_t kMaxPickleBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxObjects = std::size_t{1} << 22;
constexpr int kMaxDepth = 256;
constexpr int64_t kMaxDims = 64;

// ---------------------------------------------------------------- storage types
struct StorageType {
  const char* name;   // torch.<name>
  int itemsize;       // bytes per element in the file
  DType dtype;        // what it becomes here
};

const StorageType kStorageTypes[] = {
    {"FloatStorage", 4, kFloat32},  {"DoubleStorage", 8, kFloat64},
    {"HalfStorage", 2, kFloat32},   {"BFloat16Storage", 2, kFloat32},
    {"LongStorage", 8, kInt64},     {"IntStorage", 4, kInt64},
    {"ShortStorage", 2, kInt64},    {"CharStorage", 1, kInt64},
    {"ByteStorage", 1, kInt64},     {"BoolStorage", 1, kBool},
};

float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Converts `numel` little-endian elements of `type` at `src` into `dst` (of type.dtype).
void fill_storage(const StorageType& type, const unsigned char* src, int64_t numel, Tensor& dst) {
  const std::string name = type.name;
  if (numel == 0) return;
  if (name == "FloatStorage" || name == "DoubleStorage" || name == "LongStorage") {
    std::memcpy(dst.raw_data(), src, static_cast<std::size_t>(numel) * type.itemsize);
  } else if (name == "BoolStorage") {
    bool* out = dst.data_ptr<bool>();
    for (int64_t i = 0; i < numel; ++i) out[i] = src[i] != 0;
  } else if (name == "HalfStorage") {
    RawArray half{"float16", {numel}, std::vector<unsigned char>(src, src + numel * 2)};
    Tensor converted = from_raw(half);
    std::memcpy(dst.raw_data(), converted.raw_data(), static_cast<std::size_t>(numel) * 4);
  } else if (name == "BFloat16Storage") {
    float* out = dst.data_ptr<float>();
    for (int64_t i = 0; i < numel; ++i) {
      const uint32_t hi = static_cast<uint32_t>(src[2 * i]) | (uint32_t{src[2 * i + 1]} << 8);
      out[i] = bits_to_float(hi << 16);
    }
  } else {
    int64_t* out = dst.data_ptr<int64_t>();
    for (int64_t i = 0; i < numel; ++i) {
      const unsigned char* p = src + i * type.itemsize;
      if (name == "IntStorage") {
        int32_t v;
        std::memcpy(&v, p, 4);
        out[i] = v;
      } else if (name == "ShortStorage") {
        int16_t v;
        std::memcpy(&v, p, 2);
        out[i] = v;
      } else if (name == "CharStorage") {
        out[i] = static_cast<int8_t>(p[0]);
      } else {
        out[i] = p[0];
      }
    }
  }
}

// ---------------------------------------------------------------- unpickled objects
enum class K { None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Global, Storage, Tensor };

enum class G {
  OrderedDict,
  RebuildTensorV2,
  RebuildParameter,
  RebuildParameterWithState,
  Storage,
  CodecsEncode,  // protocol 2 pickles bytes as _codecs.encode(text, "latin1")
  Bytes,         // and empty bytes as bytes()
};

// Objects live in the unpickler's arena and refer to each other by pointer, so shared
// references and even cycles cost nothing to build or destroy; conversion to PickleValue
// bounds depth and size.
struct Obj {
  K kind = K::None;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<Obj*> items;   // list/tuple items, dict keys
  std::vector<Obj*> values;  // dict values
  G global = G::OrderedDict;
  const StorageType* storage_type = nullptr;
  Tensor t;  // a tensor, or a storage's 1-d base
};

const char* kind_name(K k) {
  switch (k) {
    case K::None: return "None";
    case K::Bool: return "bool";
    case K::Int: return "int";
    case K::Float: return "float";
    case K::Str: return "str";
    case K::Bytes: return "bytes";
    case K::List: return "list";
    case K::Tuple: return "tuple";
    case K::Dict: return "dict";
    case K::Global: return "global";
    case K::Storage: return "storage";
    case K::Tensor: return "Tensor";
  }
  return "?";
}

// Resolves a persistent id ('storage', type, key, location, numel) to a storage base tensor.
using StorageLoader =
    std::function<Tensor(const std::string& key, const StorageType& type, int64_t numel)>;

class Unpickler {
 public:
  Unpickler(const unsigned char* data, std::size_t size, std::size_t pos, std::string source,
            StorageLoader loader)
      : data_(data),
        end_(std::min(size, pos + kMaxPickleBytes)),
        pos_(pos),
        source_(std::move(source)),
        loader_(std::move(loader)) {}

  // Runs until STOP and returns the result.
  Obj* run();
  std::size_t position() const { return pos_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(format_message("load_pytorch: ", source_, ": ", what));
  }

 private:
  Obj* make(K kind) {
    if (arena_.size() >= kMaxObjects)
      fail(format_message("the pickle builds more than ", kMaxObjects, " objects"));
    arena_.emplace_back();
    arena_.back().kind = kind;
    return &arena_.back();
  }
  Obj* make_int(int64_t v) {
    Obj* o = make(K::Int);
    o->i = v;
    return o;
  }

  uint8_t byte() {
    if (pos_ >= end_) fail("the pickle ends without a STOP opcode (truncated)");
    return data_[pos_++];
  }
  const unsigned char* take(uint64_t n, const char* what) {
    if (n > end_ - pos_)
      fail(format_message(what, " of ", n, " bytes at offset ", pos_, " runs past the end of "
                          "the pickle (truncated or corrupt)"));
    const unsigned char* p = data_ + pos_;
    pos_ += static_cast<std::size_t>(n);
    return p;
  }
  uint64_t le(int bytes, const char* what) {
    const unsigned char* p = take(bytes, what);
    uint64_t v = 0;
    for (int k = bytes - 1; k >= 0; --k) v = (v << 8) | p[k];
    return v;
  }
  std::string line(const char* what) {
    std::size_t start = pos_;
    while (pos_ < end_ && data_[pos_] != '\n') ++pos_;
    if (pos_ >= end_) fail(format_message(what, ": no end of line (truncated)"));
    std::string out(reinterpret_cast<const char*>(data_ + start), pos_ - start);
    ++pos_;
    return out;
  }

  Obj* pop() {
    if (stack_.size() <= floor()) fail("stack underflow (corrupt pickle)");
    Obj* o = stack_.back();
    stack_.pop_back();
    return o;
  }
  Obj* top() {
    if (stack_.size() <= floor()) fail("stack underflow (corrupt pickle)");
    return stack_.back();
  }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<Obj*> pop_mark() {
    if (marks_.empty()) fail("an opcode needs a MARK but there is none (corrupt pickle)");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Obj*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  void push(Obj* o) { stack_.push_back(o); }
  Obj* memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail(format_message("memo entry ", index, " is read before it is written"));
    return it->second;
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }

  Obj* make_string(K kind, uint64_t n, const char* what) {
    const unsigned char* p = take(n, what);
    Obj* o = make(kind);
    o->s.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    return o;
  }
  // Two's-complement little-endian integer of n bytes (at most 8 fit an int64).
  Obj* make_long(uint64_t n) {
    if (n > 8) fail(format_message("an integer of ", n, " bytes does not fit 64 bits"));
    const unsigned char* p = take(n, "long integer");
    uint64_t v = 0;
    for (uint64_t k = n; k > 0; --k) v = (v << 8) | p[k - 1];
    if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);
    return make_int(static_cast<int64_t>(v));
  }

  Obj* global(const std::string& module, const std::string& name);
  Obj* reduce(Obj* callable, Obj* args);
  Obj* persistent_load(Obj* pid);
  Obj* rebuild_tensor(const std::vector<Obj*>& args);

  const unsigned char* data_;
  std::size_t end_;
  std::size_t pos_;
  std::string source_;
  StorageLoader loader_;
  std::deque<Obj> arena_;
  std::vector<Obj*> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, Obj*> memo_;
  std::map<std::string, Obj*> storages_;
};

Obj* Unpickler::global(const std::string& module, const std::string& name) {
  Obj* g = make(K::Global);
  g->s = module + "." + name;
  if (module == "collections" && name == "OrderedDict") {
    g->global = G::OrderedDict;
  } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
    g->global = G::RebuildTensorV2;
  } else if (module == "torch._utils" && name == "_rebuild_parameter") {
    g->global = G::RebuildParameter;
  } else if (module == "torch._utils" && name == "_rebuild_parameter_with_state") {
    g->global = G::RebuildParameterWithState;
  } else if (module == "_codecs" && name == "encode") {
    g->global = G::CodecsEncode;
  } else if ((module == "__builtin__" || module == "builtins") && name == "bytes") {
    g->global = G::Bytes;
  } else {
    for (const StorageType& type : kStorageTypes) {
      if (module == "torch" && name == type.name) {
        g->global = G::Storage;
        g->storage_type = &type;
        return g;
      }
    }
    fail(format_message("refusing to load the global '", module, ".", name,
                        "': only tensors, dicts, lists, tuples, numbers and strings are read "
                        "(collections.OrderedDict, torch storages, torch._utils._rebuild_tensor_v2"
                        " and _rebuild_parameter); nothing is imported or executed"));
  }
  return g;
}

Obj* Unpickler::persistent_load(Obj* pid) {
  if (pid->kind != K::Tuple || pid->items.size() < 5 || pid->items[0]->kind != K::Str ||
      pid->items[0]->s != "storage")
    fail("a persistent id other than ('storage', type, key, location, numel)");
  const Obj* type = pid->items[1];
  const Obj* key = pid->items[2];
  const Obj* location = pid->items[3];
  const Obj* numel = pid->items[4];
  if (type->kind != K::Global || type->global != G::Storage)
    fail("a storage's type is not a torch storage class");
  if (key->kind != K::Str || location->kind != K::Str || numel->kind != K::Int)
    fail("a storage's persistent id has the wrong field types");
  if (pid->items.size() > 6 || (pid->items.size() == 6 && pid->items[5]->kind != K::None))
    fail("storage views of the legacy format are not supported");
  if (numel->i < 0) fail(format_message("storage '", key->s, "' has a negative size ", numel->i));
  auto it = storages_.find(key->s);
  if (it != storages_.end()) {
    if (it->second->storage_type != type->storage_type || it->second->i != numel->i)
      fail(format_message("storage '", key->s, "' is used with two different types or sizes"));
    return it->second;
  }
  Obj* storage = make(K::Storage);
  storage->storage_type = type->storage_type;
  storage->i = numel->i;
  storage->t = loader_(key->s, *type->storage_type, numel->i);
  storages_[key->s] = storage;
  return storage;
}

Obj* Unpickler::rebuild_tensor(const std::vector<Obj*>& args) {
  if (args.size() < 6 || args.size() > 7)
    fail(format_message("_rebuild_tensor_v2 takes 6 or 7 arguments, got ", args.size()));
  const Obj* storage = args[0];
  const Obj* offset = args[1];
  const Obj* size = args[2];
  const Obj* stride = args[3];
  const Obj* requires_grad = args[4];
  if (storage->kind != K::Storage) fail("_rebuild_tensor_v2: the first argument is not a storage");
  if (offset->kind != K::Int || size->kind != K::Tuple || stride->kind != K::Tuple ||
      requires_grad->kind != K::Bool)
    fail("_rebuild_tensor_v2: arguments of the wrong types");
  if (size->items.size() != stride->items.size() ||
      static_cast<int64_t>(size->items.size()) > kMaxDims)
    fail(format_message("_rebuild_tensor_v2: ", size->items.size(), " sizes and ",
                        stride->items.size(), " strides (at most ", kMaxDims, " dimensions)"));
  std::vector<int64_t> shape, strides;
  int64_t numel = 1, last = offset->i;
  bool overflow = offset->i < 0;
  for (std::size_t k = 0; k < size->items.size(); ++k) {
    const Obj* n = size->items[k];
    const Obj* s = stride->items[k];
    if (n->kind != K::Int || s->kind != K::Int) fail("_rebuild_tensor_v2: a size or stride is not an int");
    if (n->i < 0 || s->i < 0) overflow = true;
    shape.push_back(n->i);
    strides.push_back(s->i);
    int64_t span = 0;
    overflow = overflow || __builtin_mul_overflow(numel, n->i, &numel);
    if (n->i > 0) {
      overflow = overflow || __builtin_mul_overflow(n->i - 1, s->i, &span) ||
                 __builtin_add_overflow(last, span, &last);
    }
  }
  const int64_t storage_numel = storage->i;
  if (overflow || (numel > 0 && last >= storage_numel) || (numel == 0 && offset->i > storage_numel))
    fail(format_message("_rebuild_tensor_v2: a view of size ", Shape(shape), ", stride ",
                        Shape(strides), " at offset ", offset->i,
                        " does not fit its storage of ", storage_numel, " elements"));
  Obj* t = make(K::Tensor);
  t->t = as_strided_view(storage->t, shape, strides, offset->i);
  if (requires_grad->b && t->t.is_floating_point()) t->t.requires_grad_(true);
  return t;
}

Obj* Unpickler::reduce(Obj* callable, Obj* args) {
  if (callable->kind != K::Global) fail(format_message("REDUCE calls a ", kind_name(callable->kind)));
  if (args->kind != K::Tuple) fail("REDUCE's arguments are not a tuple");
  const std::vector<Obj*>& a = args->items;
  switch (callable->global) {
    case G::OrderedDict: {
      Obj* d = make(K::Dict);
      if (a.empty()) return d;
      if (a.size() != 1 || (a[0]->kind != K::List && a[0]->kind != K::Tuple))
        fail("OrderedDict(...) with arguments other than a list of pairs");
      for (const Obj* pair : a[0]->items) {
        if ((pair->kind != K::List && pair->kind != K::Tuple) || pair->items.size() != 2)
          fail("OrderedDict(...) with an item that is not a pair");
        d->items.push_back(pair->items[0]);
        d->values.push_back(pair->items[1]);
      }
      return d;
    }
    case G::RebuildTensorV2:
      return rebuild_tensor(a);
    case G::RebuildParameter:
    case G::RebuildParameterWithState: {
      const std::size_t expected = callable->global == G::RebuildParameter ? 3 : 4;
      if (a.size() != expected || a[0]->kind != K::Tensor || a[1]->kind != K::Bool)
        fail(format_message(callable->s, ": expected (tensor, requires_grad, hooks",
                            expected == 4 ? ", state" : "", ")"));
      Obj* t = make(K::Tensor);
      t->t = a[0]->t;
      if (a[1]->b && t->t.is_floating_point()) t->t.requires_grad_(true);
      return t;
    }
    case G::CodecsEncode: {
      // Only latin-1, done here: each code point of the UTF-8 text below 256 is one byte.
      if (a.size() != 2 || a[0]->kind != K::Str || a[1]->kind != K::Str ||
          (a[1]->s != "latin1" && a[1]->s != "latin-1"))
        fail("_codecs.encode other than (text, 'latin1')");
      Obj* bytes = make(K::Bytes);
      const std::string& text = a[0]->s;
      for (std::size_t k = 0; k < text.size(); ++k) {
        const auto c = static_cast<unsigned char>(text[k]);
        if (c < 0x80) {
          bytes->s.push_back(static_cast<char>(c));
        } else if ((c & 0xe0) == 0xc0 && c <= 0xc3 && k + 1 < text.size() &&
                   (static_cast<unsigned char>(text[k + 1]) & 0xc0) == 0x80) {
          bytes->s.push_back(static_cast<char>(((c & 0x03) << 6) |
                                               (static_cast<unsigned char>(text[k + 1]) & 0x3f)));
          ++k;
        } else {
          fail("_codecs.encode: text that is not latin-1");
        }
      }
      return bytes;
    }
    case G::Bytes:
      if (!a.empty()) fail("bytes(...) with arguments");
      return make(K::Bytes);
    case G::Storage:
      break;
  }
  fail(format_message("refusing to call '", callable->s, "'"));
}

Obj* Unpickler::run() {
  while (true) {
    const uint8_t op = byte();
    switch (op) {
      case 0x80:  // PROTO
        if (byte() > 5) fail("unknown pickle protocol");
        break;
      case 0x95:  // FRAME: a length we do not need
        take(8, "frame length");
        break;
      case '.': {  // STOP
        Obj* result = pop();
        return result;
      }
      case '(':  // MARK
        marks_.push_back(stack_.size());
        break;
      case '0':  // POP
        if (!marks_.empty() && stack_.size() == marks_.back()) marks_.pop_back();
        else pop();
        break;
      case '1':  // POP_MARK
        pop_mark();
        break;
      case '2':  // DUP
        push(top());
        break;
      case 'N':
        push(make(K::None));
        break;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        Obj* o = make(K::Bool);
        o->b = op == 0x88;
        push(o);
        break;
      }
      case 'J':  // BININT
        push(make_int(static_cast<int32_t>(static_cast<uint32_t>(le(4, "BININT")))));
        break;
      case 'K':
        push(make_int(static_cast<int64_t>(le(1, "BININT1"))));
        break;
      case 'M':
        push(make_int(static_cast<int64_t>(le(2, "BININT2"))));
        break;
      case 0x8a:  // LONG1
        push(make_long(le(1, "LONG1")));
        break;
      case 0x8b:  // LONG4
        push(make_long(le(4, "LONG4")));
        break;
      case 'G': {  // BINFLOAT, big-endian
        const unsigned char* p = take(8, "BINFLOAT");
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
        Obj* o = make(K::Float);
        std::memcpy(&o->d, &bits, 8);
        push(o);
        break;
      }
      case 'X':
        push(make_string(K::Str, le(4, "BINUNICODE"), "BINUNICODE"));
        break;
      case 0x8c:
        push(make_string(K::Str, le(1, "SHORT_BINUNICODE"), "SHORT_BINUNICODE"));
        break;
      case 0x8d:
        push(make_string(K::Str, le(8, "BINUNICODE8"), "BINUNICODE8"));
        break;
      case 'T': {  // BINSTRING: signed length
        const uint64_t n = le(4, "BINSTRING");
        if (n > 0x7fffffffu) fail("BINSTRING with a negative length");
        push(make_string(K::Str, n, "BINSTRING"));
        break;
      }
      case 'U':
        push(make_string(K::Str, le(1, "SHORT_BINSTRING"), "SHORT_BINSTRING"));
        break;
      case 'B':
        push(make_string(K::Bytes, le(4, "BINBYTES"), "BINBYTES"));
        break;
      case 'C':
        push(make_string(K::Bytes, le(1, "SHORT_BINBYTES"), "SHORT_BINBYTES"));
        break;
      case 0x8e:
        push(make_string(K::Bytes, le(8, "BINBYTES8"), "BINBYTES8"));
        break;
      case ']':
        push(make(K::List));
        break;
      case ')':
        push(make(K::Tuple));
        break;
      case '}':
        push(make(K::Dict));
        break;
      case 'l':
      case 't': {  // LIST, TUPLE
        Obj* o = make(op == 'l' ? K::List : K::Tuple);
        o->items = pop_mark();
        push(o);
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const std::size_t n = op - 0x84u;
        if (stack_.size() < floor() + n) fail("stack underflow (corrupt pickle)");
        Obj* o = make(K::Tuple);
        o->items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
        stack_.resize(stack_.size() - n);
        push(o);
        break;
      }
      case 'd': {  // DICT
        std::vector<Obj*> items = pop_mark();
        if (items.size() % 2) fail("DICT with an odd number of items");
        Obj* o = make(K::Dict);
        for (std::size_t k = 0; k < items.size(); k += 2) {
          o->items.push_back(items[k]);
          o->values.push_back(items[k + 1]);
        }
        push(o);
        break;
      }
      case 'a': {  // APPEND
        Obj* v = pop();
        Obj* list = top();
        if (list->kind != K::List) fail(format_message("APPEND to a ", kind_name(list->kind)));
        list->items.push_back(v);
        break;
      }
      case 'e': {  // APPENDS
        std::vector<Obj*> items = pop_mark();
        Obj* list = top();
        if (list->kind != K::List) fail(format_message("APPENDS to a ", kind_name(list->kind)));
        list->items.insert(list->items.end(), items.begin(), items.end());
        break;
      }
      case 's': {  // SETITEM
        Obj* v = pop();
        Obj* k = pop();
        Obj* d = top();
        if (d->kind != K::Dict) fail(format_message("SETITEM on a ", kind_name(d->kind)));
        d->items.push_back(k);
        d->values.push_back(v);
        break;
      }
      case 'u': {  // SETITEMS
        std::vector<Obj*> items = pop_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        Obj* d = top();
        if (d->kind != K::Dict) fail(format_message("SETITEMS on a ", kind_name(d->kind)));
        for (std::size_t k = 0; k < items.size(); k += 2) {
          d->items.push_back(items[k]);
          d->values.push_back(items[k + 1]);
        }
        break;
      }
      case 'c': {  // GLOBAL
        std::string module = line("GLOBAL module");
        std::string name = line("GLOBAL name");
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Obj* name = pop();
        Obj* module = pop();
        if (name->kind != K::Str || module->kind != K::Str) fail("STACK_GLOBAL without strings");
        push(global(module->s, name->s));
        break;
      }
      case 'R': {  // REDUCE
        Obj* args = pop();
        Obj* callable = pop();
        push(reduce(callable, args));
        break;
      }
      case 'b': {  // BUILD: only OrderedDict's attributes (state_dict's _metadata), ignored
        pop();
        Obj* target = top();
        if (target->kind != K::Dict) fail(format_message("BUILD on a ", kind_name(target->kind)));
        break;
      }
      case 'Q': {  // BINPERSID
        Obj* pid = pop();
        push(persistent_load(pid));
        break;
      }
      case 'q':
        memo_put(le(1, "BINPUT"));
        break;
      case 'r':
        memo_put(le(4, "LONG_BINPUT"));
        break;
      case 0x94:  // MEMOIZE
        memo_put(memo_.size());
        break;
      case 'h':
        push(memo_get(le(1, "BINGET")));
        break;
      case 'j':
        push(memo_get(le(4, "LONG_BINGET")));
        break;
      default:
        fail(format_message("unsupported pickle opcode 0x", std::hex, int(op), std::dec,
                            " at offset ", pos_ - 1,
                            " (only the opcodes that build tensors, containers, numbers and "
                            "strings are read)"));
    }
  }
}

// ---------------------------------------------------------------- conversion
class Converter {
 public:
  explicit Converter(const Unpickler& u) : u_(u) {}

  PickleValue convert(const Obj* o, int depth = 0) {
    if (depth > kMaxDepth)
      u_.fail(format_message("values nested deeper than ", kMaxDepth,
                             " levels (or a reference cycle)"));
    if (++count_ > 4 * kMaxObjects)
      u_.fail("shared references expand to too many values");
    switch (o->kind) {
      case K::None: return PickleValue();
      case K::Bool: return PickleValue::boolean(o->b);
      case K::Int: return PickleValue::integer(o->i);
      case K::Float: return PickleValue::floating(o->d);
      case K::Str: return PickleValue::string(o->s);
      case K::Bytes: return PickleValue::string(o->s, PickleValue::Kind::Bytes);
      case K::Tensor: return PickleValue::tensor(o->t);
      case K::List:
      case K::Tuple: {
        std::vector<PickleValue> items;
        items.reserve(o->items.size());
        for (const Obj* item : o->items) items.push_back(convert(item, depth + 1));
        return PickleValue::sequence(o->kind == K::List ? PickleValue::Kind::List
                                                        : PickleValue::Kind::Tuple,
                                     std::move(items));
      }
      case K::Dict: {
        // A key set twice keeps its first position and its last value, as Python does.
        std::vector<PickleValue> keys, values;
        std::unordered_map<std::string, std::size_t> index;
        for (std::size_t k = 0; k < o->items.size(); ++k) {
          const Obj* key = o->items[k];
          std::string id;
          if (key->kind == K::Str) id = "s" + key->s;
          else if (key->kind == K::Int) id = "i" + std::to_string(key->i);
          auto it = id.empty() ? index.end() : index.find(id);
          if (it != index.end()) {
            values[it->second] = convert(o->values[k], depth + 1);
            continue;
          }
          if (!id.empty()) index.emplace(id, keys.size());
          keys.push_back(convert(key, depth + 1));
          values.push_back(convert(o->values[k], depth + 1));
        }
        return PickleValue::dict(std::move(keys), std::move(values));
      }
      case K::Global:
      case K::Storage:
        break;
    }
    u_.fail(format_message("a bare ", kind_name(o->kind), " ('", o->s,
                           "') where a value was expected"));
  }

 private:
  const Unpickler& u_;
  std::size_t count_ = 0;
};

// A zero-filled storage base of `numel` elements, refusing sizes the file cannot hold.
Tensor allocate_storage(const StorageType& type, int64_t numel, uint64_t available,
                        const std::string& source, const std::string& key) {
  uint64_t bytes = 0;
  if (numel < 0 || __builtin_mul_overflow(static_cast<uint64_t>(numel),
                                          static_cast<uint64_t>(type.itemsize), &bytes) ||
      bytes > available)
    throw Error(format_message("load_pytorch: ", source, ": storage '", key, "' claims ", numel,
                               " elements of ", type.itemsize, " bytes but only ", available,
                               " bytes are there"));
  return zeros({numel}, type.dtype);
}

PickleValue load_zip(const unsigned char* data, std::size_t size, const std::string& source) {
  std::vector<ZipMember> members;
  try {
    members = read_zip_members(data, size, source, "load_pytorch");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(e.what());
  }
  const ZipMember* pickle = nullptr;
  std::string prefix;
  for (const ZipMember& m : members) {
    const std::string& n = m.name;
    if (n.size() < 8 || n.compare(n.size() - 8, 8, "data.pkl") != 0) continue;
    const std::string p = n.substr(0, n.size() - 8);
    if (!p.empty() && (p.back() != '/' || p.find('/') != p.size() - 1)) continue;
    pickle = &m;
    prefix = p;
    break;
  }
  if (pickle == nullptr)
    throw Error(format_message("load_pytorch: ", source, ": a zip archive without a data.pkl "
                               "member is not a torch.save file"));
  if (pickle->size > kMaxPickleBytes)
    throw Error(format_message("load_pytorch: ", source, ": data.pkl holds ", pickle->size,
                               " bytes (at most ", kMaxPickleBytes, " are read)"));
  std::map<std::string, const ZipMember*> by_name;
  for (const ZipMember& m : members) by_name[m.name] = &m;

  auto loader = [&](const std::string& key, const StorageType& type, int64_t numel) {
    auto it = by_name.find(prefix + "data/" + key);
    if (it == by_name.end())
      throw Error(format_message("load_pytorch: ", source, ": storage '", key, "' (",
                                 prefix, "data/", key, ") is missing from the archive"));
    const ZipMember& m = *it->second;
    Tensor base = allocate_storage(type, numel, m.size, source, key);
    if (static_cast<uint64_t>(numel) * type.itemsize != m.size)
      throw Error(format_message("load_pytorch: ", source, ": storage '", key, "' holds ",
                                 m.size, " bytes, not the ", numel, " x ", type.itemsize,
                                 " its persistent id announces"));
    fill_storage(type, m.bytes(), numel, base);
    return base;
  };
  Unpickler u(pickle->bytes(), pickle->size, 0, source, loader);
  Obj* root = u.run();
  return Converter(u).convert(root);
}

// The legacy format's magic number pickled with protocol 2: PROTO 2, LONG1 of 10 bytes, STOP.
const unsigned char kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                      0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};

PickleValue load_legacy(const unsigned char* data, std::size_t size, const std::string& source) {
  std::size_t pos = sizeof(kLegacyMagic);
  auto no_storage = [&](const std::string&, const StorageType&, int64_t) -> Tensor {
    throw Error(format_message("load_pytorch: ", source, ": a storage in a header pickle"));
  };
  {  // protocol version and system information
    Unpickler version(data, size, pos, source, no_storage);
    Obj* v = version.run();
    if (v->kind != K::Int || v->i != 1001)
      version.fail("unsupported legacy protocol version (expected 1001)");
    pos = version.position();
    Unpickler info(data, size, pos, source, no_storage);
    Obj* sys_info = info.run();
    if (sys_info->kind != K::Dict) info.fail("the legacy system information is not a dict");
    for (std::size_t k = 0; k < sys_info->items.size(); ++k) {
      const Obj* key = sys_info->items[k];
      const Obj* value = sys_info->values[k];
      if (key->kind == K::Str && key->s == "little_endian" && value->kind == K::Bool && !value->b)
        info.fail("big-endian files are not supported");
    }
    pos = info.position();
  }
  struct Pending {
    const StorageType* type;
    int64_t numel;
    Tensor base;
  };
  std::map<std::string, Pending> pending;
  uint64_t claimed = 0;
  auto loader = [&](const std::string& key, const StorageType& type, int64_t numel) {
    // Storages follow the pickles: allocate what the rest of the file can hold, fill later.
    Tensor base = allocate_storage(type, numel, size - claimed, source, key);
    claimed += static_cast<uint64_t>(numel) * type.itemsize;
    pending[key] = Pending{&type, numel, base};
    return base;
  };
  Unpickler main(data, size, pos, source, loader);
  Obj* root = main.run();
  PickleValue result = Converter(main).convert(root);
  pos = main.position();

  Unpickler keys(data, size, pos, source, no_storage);
  Obj* list = keys.run();
  pos = keys.position();
  if (list->kind != K::List) keys.fail("the legacy storage key list is not a list");
  for (const Obj* key : list->items) {
    if (key->kind != K::Str) keys.fail("a legacy storage key is not a string");
    auto it = pending.find(key->s);
    if (it == pending.end())
      keys.fail(format_message("storage '", key->s, "' is listed but never used"));
    Pending& p = it->second;
    if (size - pos < 8) keys.fail(format_message("storage '", key->s, "' is truncated"));
    uint64_t count = 0;
    for (int k = 7; k >= 0; --k) count = (count << 8) | data[pos + k];
    pos += 8;
    if (count != static_cast<uint64_t>(p.numel))
      keys.fail(format_message("storage '", key->s, "' holds ", count, " elements, the pickle "
                               "says ", p.numel));
    const uint64_t bytes = count * p.type->itemsize;
    if (bytes > size - pos) keys.fail(format_message("storage '", key->s, "' is truncated"));
    fill_storage(*p.type, data + pos, p.numel, p.base);
    pos += static_cast<std::size_t>(bytes);
    pending.erase(it);
  }
  if (!pending.empty())
    keys.fail(format_message("storage '", pending.begin()->first, "' has no data in the file"));
  return result;
}

}  // namespace

// ---------------------------------------------------------------- PickleValue
PickleValue PickleValue::boolean(bool v) {
  PickleValue p;
  p.kind_ = Kind::Bool;
  p.bool_ = v;
  return p;
}
PickleValue PickleValue::integer(int64_t v) {
  PickleValue p;
  p.kind_ = Kind::Int;
  p.int_ = v;
  return p;
}
PickleValue PickleValue::floating(double v) {
  PickleValue p;
  p.kind_ = Kind::Float;
  p.float_ = v;
  return p;
}
PickleValue PickleValue::string(std::string v, Kind kind) {
  PickleValue p;
  p.kind_ = kind;
  p.string_ = std::move(v);
  return p;
}
PickleValue PickleValue::tensor(Tensor t) {
  PickleValue p;
  p.kind_ = Kind::Tensor;
  p.tensor_ = std::move(t);
  return p;
}
PickleValue PickleValue::sequence(Kind kind, std::vector<PickleValue> items) {
  PickleValue p;
  p.kind_ = kind;
  p.items_ = std::move(items);
  return p;
}
PickleValue PickleValue::dict(std::vector<PickleValue> keys, std::vector<PickleValue> values) {
  TG_CHECK(keys.size() == values.size(), "PickleValue::dict: ", keys.size(), " keys and ",
           values.size(), " values");
  PickleValue p;
  p.kind_ = Kind::Dict;
  p.items_ = std::move(keys);
  p.values_ = std::move(values);
  return p;
}

std::string PickleValue::kind_name() const {
  switch (kind_) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::Tensor: return "Tensor";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
  }
  return "?";
}

bool PickleValue::to_bool() const {
  TG_CHECK(kind_ == Kind::Bool, "PickleValue::to_bool: the value is a ", kind_name());
  return bool_;
}
int64_t PickleValue::to_int() const {
  TG_CHECK(kind_ == Kind::Int, "PickleValue::to_int: the value is a ", kind_name());
  return int_;
}
double PickleValue::to_double() const {
  TG_CHECK(kind_ == Kind::Float || kind_ == Kind::Int, "PickleValue::to_double: the value is a ",
           kind_name());
  return kind_ == Kind::Int ? static_cast<double>(int_) : float_;
}
const std::string& PickleValue::to_string() const {
  TG_CHECK(kind_ == Kind::String || kind_ == Kind::Bytes,
           "PickleValue::to_string: the value is a ", kind_name());
  return string_;
}
const Tensor& PickleValue::to_tensor() const {
  TG_CHECK(kind_ == Kind::Tensor, "PickleValue::to_tensor: the value is a ", kind_name());
  return tensor_;
}
const std::vector<PickleValue>& PickleValue::items() const {
  TG_CHECK(is_list(), "PickleValue::items: the value is a ", kind_name());
  return items_;
}
const std::vector<PickleValue>& PickleValue::keys() const {
  TG_CHECK(is_dict(), "PickleValue::keys: the value is a ", kind_name());
  return items_;
}
const std::vector<PickleValue>& PickleValue::values() const {
  TG_CHECK(is_dict(), "PickleValue::values: the value is a ", kind_name());
  return values_;
}
std::size_t PickleValue::size() const {
  TG_CHECK(is_dict() || is_list(), "PickleValue::size: the value is a ", kind_name());
  return items_.size();
}
bool PickleValue::contains(const std::string& key) const {
  for (const PickleValue& k : keys())
    if (k.kind_ == Kind::String && k.string_ == key) return true;
  return false;
}
const PickleValue& PickleValue::at(const std::string& key) const {
  const auto& ks = keys();
  std::string names;
  for (std::size_t i = 0; i < ks.size(); ++i) {
    if (ks[i].kind_ == Kind::String && ks[i].string_ == key) return values_[i];
    if (ks[i].kind_ == Kind::String && i < 20) names += (names.empty() ? "'" : ", '") + ks[i].string_ + "'";
  }
  throw Error(format_message("PickleValue::at: no key '", key, "' (keys: ", names, ")"));
}
const PickleValue& PickleValue::operator[](std::size_t index) const {
  const auto& it = items();
  TG_CHECK(index < it.size(), "PickleValue::operator[]: index ", index, " out of range for a ",
           kind_name(), " of ", it.size());
  return it[index];
}

// ---------------------------------------------------------------- entry points
bool looks_like_pytorch_file(const unsigned char* data, std::size_t size) {
  if (size >= sizeof(kLegacyMagic) && std::memcmp(data, kLegacyMagic, sizeof(kLegacyMagic)) == 0)
    return true;
  if (size < 4 || std::memcmp(data, "PK\x03\x04", 4) != 0) return false;
  try {
    for (const std::string& n : zip_member_names(data, size, "<sniff>", "load_pytorch")) {
      if (n.size() >= 8 && n.compare(n.size() - 8, 8, "data.pkl") == 0) return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

PickleValue pytorch_from_buffer(const unsigned char* data, std::size_t size,
                                const std::string& source) {
  if (size >= sizeof(kLegacyMagic) && std::memcmp(data, kLegacyMagic, sizeof(kLegacyMagic)) == 0)
    return load_legacy(data, size, source);
  if (size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0) return load_zip(data, size, source);
  throw Error(format_message("load_pytorch: ", source, ": not a torch.save file (neither a zip "
                             "archive nor the legacy format)"));
}

PickleValue load_pytorch(const std::string& path) {
  std::vector<unsigned char> bytes;
  try {
    bytes = read_file_bytes(path, "load_pytorch");
  } catch (const std::exception& e) {
    throw Error(e.what());
  }
  return pytorch_from_buffer(bytes.data(), bytes.size(), "'" + path + "'");
}

}  // namespace tg::io
