#include "engine/core/json_yaml.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "engine/core/error.hpp"

namespace zerolm {

namespace {
// YAML scalars carry no type: read integers, then floats, then booleans, else text.
nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted in the source
  long long integer = 0;
  if (YAML::convert<long long>::decode(node, integer)) return integer;
  double real = 0;
  if (YAML::convert<double>::decode(node, real)) return real;
  bool boolean = false;
  if (YAML::convert<bool>::decode(node, boolean)) return boolean;
  if (text == "~" || text == "null") return nullptr;
  return text;
}
}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(yaml_to_json(item));
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) object[item.first.as<std::string>()] = yaml_to_json(item.second);
      return object;
    }
  }
  return nullptr;
}

YAML::Node json_to_yaml(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      YAML::Node node(YAML::NodeType::Map);
      for (const auto& [key, item] : value.items()) node[key] = json_to_yaml(item);
      return node;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node node(YAML::NodeType::Sequence);
      for (const auto& item : value) node.push_back(json_to_yaml(item));
      return node;
    }
    case nlohmann::json::value_t::string: return YAML::Node(value.get<std::string>());
    case nlohmann::json::value_t::boolean: return YAML::Node(value.get<bool>());
    case nlohmann::json::value_t::number_integer: return YAML::Node(value.get<long long>());
    case nlohmann::json::value_t::number_unsigned: return YAML::Node(value.get<unsigned long long>());
    case nlohmann::json::value_t::number_float: return YAML::Node(value.get<double>());
    default: return YAML::Node(YAML::NodeType::Null);
  }
}

std::string dump_yaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out << json_to_yaml(value);
  return out.c_str();
}

namespace {

std::string at(const std::string& source, const YAML::Mark& mark) {
  return mark.line < 0 ? source : fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
}

// Counts what a document expands to, from the parser's events, before any node
// is built: a collection's size is one plus its children's, an alias stands for
// its anchor's whole size (the "billion laughs" bomb is exponential in aliases).
class DocumentBounds final : public YAML::EventHandler {
 public:
  explicit DocumentBounds(const std::string& source) : source_(source) {}
  std::size_t documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark&) override { ++documents_; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = sizes_.find(anchor);
    leaf(mark, 0, it == sizes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    leaf(mark, anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    std::size_t size;
  };
  void add(const YAML::Mark& mark, std::size_t size) {
    total_ += size;
    ZEROLM_CHECK(total_ <= kMaxYamlNodes, "{}: the document expands to more than {} nodes (aliases included)",
                 at(source_, mark), kMaxYamlNodes);
    if (!stack_.empty()) stack_.back().size += size;
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::size_t size) {
    if (anchor != 0) sizes_[anchor] = size;
    add(mark, size);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    ZEROLM_CHECK(stack_.size() < kMaxNesting, "{}: the document nests deeper than {} levels", at(source_, mark),
                 kMaxNesting);
    stack_.push_back({anchor, 1});
    mark_ = mark;
  }
  void close() {
    const Frame frame = stack_.back();
    stack_.pop_back();
    if (frame.anchor != 0) sizes_[frame.anchor] = frame.size;
    total_ += 1;
    ZEROLM_CHECK(total_ <= kMaxYamlNodes, "{}: the document expands to more than {} nodes (aliases included)",
                 at(source_, mark_), kMaxYamlNodes);
    if (!stack_.empty()) stack_.back().size += frame.size;
  }

  const std::string& source_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::size_t> sizes_;
  std::size_t total_ = 0, documents_ = 0;
  YAML::Mark mark_;
};

void check_unique_keys(const YAML::Node& node, const std::string& source, std::size_t depth) {
  if (depth > kMaxNesting) return;  // bounded already by DocumentBounds
  if (node.IsMap()) {
    std::set<std::string> keys;
    for (const auto& item : node) {
      // Every reader takes keys as text: a list or mapping as a key is refused here, once.
      ZEROLM_CHECK(item.first.IsScalar(), "{}: a mapping key must be plain text, not a {}", at(source, item.first.Mark()),
                   item.first.IsSequence() ? "list" : item.first.IsMap() ? "mapping" : "null");
      const std::string key = item.first.Scalar();
      ZEROLM_CHECK(keys.insert(key).second, "{}: key '{}' appears twice in one mapping", at(source, item.first.Mark()),
                   key);
      check_unique_keys(item.second, source, depth + 1);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) check_unique_keys(item, source, depth + 1);
  }
}

}  // namespace

void check_utf8(std::string_view text, const std::string& source) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    ZEROLM_CHECK(c != 0, "{}: not a text file (a NUL byte at byte {})", source, i);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool valid = length > 0 && i + length <= n;
    for (std::size_t k = 1; valid && k < length; ++k) valid = (p[i + k] & 0xc0) == 0x80;
    if (valid && length == 2) valid = c >= 0xc2;                                           // no overlong forms
    if (valid && length == 3) valid = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
    if (valid && length == 4) valid = !(c == 0xf0 && p[i + 1] < 0x90) && c <= 0xf4 && !(c == 0xf4 && p[i + 1] >= 0x90);
    ZEROLM_CHECK(valid, "{}: not UTF-8 text (byte {})", source, i);
    i += length;
  }
}

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  check_utf8(text, source);
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentBounds bounds(source);
    while (parser.HandleNextDocument(bounds)) {
      ZEROLM_CHECK(bounds.documents() <= 1, "{}: holds more than one YAML document ('---'); expected one", source);
    }
    YAML::Node root = YAML::Load(text);
    check_unique_keys(root, source, 0);
    return root;
  } catch (const YAML::Exception& e) {
    ZEROLM_FAIL("{}: malformed YAML: {}", at(source, e.mark), e.msg);
  }
}

nlohmann::json parse_yaml(const std::string& text, const std::string& source) {
  return yaml_to_json(load_yaml(text, source));
}

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  check_utf8(text, source);
  // Keys seen in each open object: a key twice is an error, not "the last one wins".
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (static_cast<std::size_t>(depth) > kMaxNesting) ZEROLM_FAIL("{}: nests deeper than {} levels", source, kMaxNesting);
    if (event == E::object_start) open.emplace_back();
    if (event == E::object_end && !open.empty()) open.pop_back();
    if (event == E::key && !open.empty() && !open.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text, callback);
  } catch (const nlohmann::json::parse_error& e) {
    ZEROLM_FAIL("{}: malformed JSON at byte {}: {}", source, e.byte, e.what());
  } catch (const nlohmann::json::exception& e) {
    // e.g. a number beyond the largest double (found by fuzzing).
    ZEROLM_FAIL("{}: malformed JSON: {}", source, e.what());
  }
  ZEROLM_CHECK(duplicate.empty(), "{}: key '{}' appears twice in one JSON object", source, duplicate);
  return value;
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  ZEROLM_CHECK(!ec && std::filesystem::exists(status), "{}: cannot open file: no such file", path);
  ZEROLM_CHECK(std::filesystem::is_regular_file(status), "{}: not a file (a folder or a device)", path);
  const auto size = std::filesystem::file_size(path, ec);
  ZEROLM_CHECK(!ec && size <= kMaxDocumentBytes, "{}: {} bytes, more than the {} a document may hold", path, size,
               kMaxDocumentBytes);
  std::ifstream in(path, std::ios::binary);
  ZEROLM_CHECK(in.good(), "{}: cannot open file: {}", path, std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  ZEROLM_CHECK(!in.bad(), "{}: cannot read the file: {}", path, std::strerror(errno));
  return buffer.str();
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_text_file(path), path); }

}  // namespace zerolm
