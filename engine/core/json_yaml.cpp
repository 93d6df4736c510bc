#include "engine/core/json_yaml.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

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

nlohmann::json parse_yaml(const std::string& text) {
  try {
    return yaml_to_json(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    ZEROLM_FAIL("malformed YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZEROLM_CHECK(in.good(), "{}: cannot open file: {}", path, std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text_file_atomic(const std::string& path, const std::string& text) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    ZEROLM_CHECK(out.good(), "{}: cannot write: {}", path, std::strerror(errno));
    out << text;
    ZEROLM_CHECK(out.good(), "{}: writing failed: {}", path, std::strerror(errno));
  }
  ZEROLM_CHECK(std::rename(partial.c_str(), path.c_str()) == 0, "{}: cannot write: {}", path, std::strerror(errno));
}

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_text_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    ZEROLM_FAIL("{}: malformed JSON at byte {}: {}", path, e.byte, e.what());
  }
}

}  // namespace zerolm
