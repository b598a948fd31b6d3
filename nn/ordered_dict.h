// OrderedDict: a map that remembers insertion order (named_parameters, state_dict,
// ModuleDict), with libtorch's interface: items have key() and value().
#pragma once
#include <cstddef>
#include <initializer_list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "autograd/error.h"

namespace tg {

template <class Key, class Value>
class OrderedDict {
 public:
  class Item {
   public:
    Item(Key key, Value value) : pair_(std::move(key), std::move(value)) {}
    const Key& key() const noexcept { return pair_.first; }
    Value& value() noexcept { return pair_.second; }
    const Value& value() const noexcept { return pair_.second; }
    Value& operator*() noexcept { return pair_.second; }
    const Value& operator*() const noexcept { return pair_.second; }
    Value* operator->() noexcept { return &pair_.second; }
    const Value* operator->() const noexcept { return &pair_.second; }
    const std::pair<Key, Value>& pair() const noexcept { return pair_; }

   private:
    std::pair<Key, Value> pair_;
  };

  using Iterator = typename std::vector<Item>::iterator;
  using ConstIterator = typename std::vector<Item>::const_iterator;

  explicit OrderedDict(std::string key_description = "Key")
      : key_description_(std::move(key_description)) {}
  OrderedDict(std::initializer_list<Item> items) : key_description_("Key") {
    for (const Item& item : items) insert(item.key(), item.value());
  }

  const std::string& key_description() const noexcept { return key_description_; }

  // Adds a new entry; throws if the key is already present.
  template <class V>
  Value& insert(Key key, V&& value) {
    TG_CHECK(index_.count(key) == 0, key_description_, " '", key, "' already defined");
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::forward<V>(value));
    return items_.back().value();
  }
  // Inserts or overwrites every entry of `other`, keeping this dict's order for old keys.
  void update(const OrderedDict& other) {
    for (const Item& item : other) insert_or_assign(item.key(), item.value());
  }
  Value& insert_or_assign(const Key& key, Value value) {
    if (Value* v = find(key)) return *v = std::move(value);
    return insert(key, std::move(value));
  }

  Value* find(const Key& key) noexcept {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].value();
  }
  const Value* find(const Key& key) const noexcept {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].value();
  }
  bool contains(const Key& key) const noexcept { return index_.count(key) != 0; }

  Value& operator[](const Key& key) {
    Value* v = find(key);
    TG_CHECK(v != nullptr, key_description_, " '", key, "' is not defined");
    return *v;
  }
  const Value& operator[](const Key& key) const {
    const Value* v = find(key);
    TG_CHECK(v != nullptr, key_description_, " '", key, "' is not defined");
    return *v;
  }
  Item& operator[](std::size_t index) {
    TG_CHECK(index < items_.size(), "OrderedDict: index ", index, " is out of range (size ",
             items_.size(), ")");
    return items_[index];
  }
  const Item& operator[](std::size_t index) const {
    TG_CHECK(index < items_.size(), "OrderedDict: index ", index, " is out of range (size ",
             items_.size(), ")");
    return items_[index];
  }

  // Removes `key` and returns its value; throws if absent.
  Value pop(const Key& key) {
    auto it = index_.find(key);
    TG_CHECK(it != index_.end(), key_description_, " '", key, "' is not defined");
    const std::size_t pos = it->second;
    Value value = std::move(items_[pos].value());
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    index_.erase(it);
    for (auto& entry : index_)
      if (entry.second > pos) --entry.second;
    return value;
  }
  void erase(const Key& key) { pop(key); }
  void clear() {
    items_.clear();
    index_.clear();
  }

  Item& front() { return (*this)[std::size_t{0}]; }
  Item& back() {
    TG_CHECK(!items_.empty(), "OrderedDict: back() of an empty dict");
    return items_.back();
  }
  Iterator begin() { return items_.begin(); }
  Iterator end() { return items_.end(); }
  ConstIterator begin() const { return items_.begin(); }
  ConstIterator end() const { return items_.end(); }
  std::size_t size() const noexcept { return items_.size(); }
  bool is_empty() const noexcept { return items_.empty(); }
  bool empty() const noexcept { return items_.empty(); }

  const std::vector<Item>& items() const noexcept { return items_; }
  std::vector<Key> keys() const {
    std::vector<Key> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.key());
    return out;
  }
  std::vector<Value> values() const {
    std::vector<Value> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.value());
    return out;
  }
  std::vector<std::pair<Key, Value>> pairs() const {
    std::vector<std::pair<Key, Value>> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.pair());
    return out;
  }

 private:
  std::unordered_map<Key, std::size_t> index_;
  std::vector<Item> items_;
  std::string key_description_;
};

}  // namespace tg
