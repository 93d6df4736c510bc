// Conversions between nlohmann::json and YAML, so every serialisable object has
// one JSON form and YAML follows from it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>

namespace zerolm {

nlohmann::json yaml_to_json(const YAML::Node& node);
YAML::Node json_to_yaml(const nlohmann::json& value);
std::string dump_yaml(const nlohmann::json& value);
nlohmann::json parse_yaml(const std::string& text);

// Reads a whole file; errors name the path.
std::string read_text_file(const std::string& path);
// Writes `text` to `path` through a temporary file renamed into place, so a
// reader (or a crash) never sees half a file.
void write_text_file_atomic(const std::string& path, const std::string& text);
nlohmann::json read_json_file(const std::string& path);

}  // namespace zerolm
