// One shape for every extension point: a registry is the only list of its
// entries, and everything else (help, config validation, errors naming the
// choices, tests) asks it. An Entry has a `name` and a `description`;
// capabilities are the entry's own fields, never tests of its name.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/error.hpp"

namespace zerolm {

template <class Entry>
class Registry {
 public:
  // `what` names an entry in errors: "cost", "search space".
  Registry(std::string what, std::vector<Entry> entries) : what_(std::move(what)), entries_(std::move(entries)) {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j)
        ZEROLM_ASSERT(entries_[i].name != entries_[j].name, "{} registry: '{}' is listed twice", what_,
                      entries_[i].name);
    }
  }

  const std::vector<Entry>& entries() const { return entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // nullptr when no entry has that name.
  const Entry* find(std::string_view name) const {
    for (const Entry& e : entries_) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }
  // The entry, or an error naming the value and every choice.
  const Entry& at(std::string_view name) const {
    const Entry* e = find(name);
    ZEROLM_CHECK(e != nullptr, "unknown {} '{}' (expected {})", what_, name, names_text());
    return *e;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.emplace_back(e.name);
    return out;
  }
  // "a|b|c", for help and errors.
  std::string names_text() const {
    std::string out;
    for (const Entry& e : entries_) out += (out.empty() ? "" : "|") + std::string(e.name);
    return out;
  }
  // One line per entry: "  name  description".
  std::string help() const {
    std::string out;
    for (const Entry& e : entries_) out += fmt::format("  {:<26} {}\n", e.name, e.description);
    return out;
  }

 private:
  std::string what_;
  std::vector<Entry> entries_;
};

}  // namespace zerolm
