// The JSON form of a size distribution (the "sizes" object of a profile, docs/profile-format.md):
// read_sizes() validates one with errors naming the field ("sizes.components[0].weight") and
// builds it; sizes_to_json() writes the form read_sizes() reads back. Trace files are resolved
// against the profile's directory and written back by absolute path, so that a profile as run
// re-parses from anywhere.
#pragma once

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "arena/workloads/size_distribution.hpp"
#include "json_fields.hpp"
#include "size_distribution_impl.hpp"

namespace arena::workloads::detail {

inline const std::vector<std::string>& size_kind_names() {
  static const std::vector<std::string> names = {"constant", "uniform",   "normal",    "lognormal", "pareto",
                                                 "zipf",     "mixture",   "empirical", "trace"};
  return names;
}

namespace sizes_json {

using Kind = SizeDistribution::Kind;

inline std::vector<std::string> allowed_keys(Kind kind, bool component) {
  std::vector<std::string> keys;
  switch (kind) {
    case Kind::constant: keys = {"kind", "size"}; break;
    case Kind::uniform: keys = {"kind", "min", "max"}; break;
    case Kind::normal: keys = {"kind", "mean", "stddev", "min", "max"}; break;
    case Kind::lognormal: keys = {"kind", "mu", "median", "sigma", "min", "max"}; break;
    case Kind::pareto: keys = {"kind", "scale", "shape", "max"}; break;
    case Kind::zipf: keys = {"kind", "sizes", "exponent"}; break;
    case Kind::mixture: keys = {"kind", "components"}; break;
    case Kind::empirical: keys = {"kind", "bins"}; break;
    case Kind::trace: keys = {"kind", "file", "samples"}; break;
  }
  if (component) keys.emplace_back("weight");
  return keys;
}

// "min" (default 1) and "max" (required), with min <= max.
inline std::pair<std::size_t, std::size_t> read_bounds(const ObjectFields& fields) {
  std::size_t min = 1;
  if (const Json* value = fields.find("min")) min = read_size(fields.origin(), fields.field("min"), *value);
  const std::size_t max =
      read_size(fields.origin(), fields.field("max"), fields.require("max", "the largest size in bytes"));
  if (min > max) {
    fail(fields.origin(), fields.field("min"), "at most " + fields.field("max") + " (" + std::to_string(max) + ")",
         *fields.find("min"));
  }
  return {min, max};
}

// A non-empty JSON array (InputError otherwise).
inline const Json& read_array(const Origin& origin, const std::string& field, const Json& value,
                              const std::string& what) {
  if (!value.is_array() || value.empty()) fail(origin, field, what, value);
  return value;
}

inline SizeDistribution read_trace(const ObjectFields& fields) {
  const Origin& origin = fields.origin();
  fields.at_most_one("file", "samples");
  if (const Json* file = fields.find("file")) {
    const std::string name = read_string(origin, fields.field("file"), *file);
    std::filesystem::path path(name);
    if (path.is_relative() && !origin.base_dir.empty()) path = std::filesystem::path(origin.base_dir) / path;
    try {
      return SizeDistribution::trace_file(path.string());
    } catch (const std::invalid_argument& e) {
      throw InputError(origin.source, fields.field("file"), "a trace of one SIZE [LIFETIME_OPS] per line", e.what());
    } catch (const std::exception&) {
      throw InputError(origin.source, fields.field("file"), "a readable trace file", "\"" + path.string() + "\"");
    }
  }
  const Json* samples = fields.find("samples");
  if (samples == nullptr) {
    throw InputError(origin.source, fields.field("file"),
                     "a trace file (\"file\") or inline \"samples\" (one of them required)", "neither");
  }
  const std::string field = fields.field("samples");
  read_array(origin, field, *samples, "a non-empty array of sizes or [size, lifetime_ops] pairs");
  std::vector<SizeSample> list;
  list.reserve(samples->size());
  for (std::size_t i = 0; i < samples->size(); ++i) {
    const Json& item = (*samples)[i];
    const std::string item_field = index_path(field, i);
    SizeSample sample;
    if (item.is_array()) {
      if (item.size() != 2) fail(origin, item_field, "a size or a [size, lifetime_ops] pair", item);
      sample.size = read_size(origin, index_path(item_field, 0), item[0]);
      sample.lifetime_ops = read_whole(origin, index_path(item_field, 1), item[1], 0);
    } else {
      sample.size = read_size(origin, item_field, item);
    }
    list.push_back(sample);
  }
  return SizeDistribution::trace(std::move(list));
}

inline SizeDistribution read(const Origin& origin, const std::string& path, const Json& value, bool component);

inline SizeDistribution read_kind(const ObjectFields& fields, Kind kind) {
  const Origin& origin = fields.origin();
  switch (kind) {
    case Kind::constant:
      return SizeDistribution::constant(
          read_size(origin, fields.field("size"), fields.require("size", "a byte size >= 1")));
    case Kind::uniform: {
      const auto [min, max] = read_bounds(fields);
      return SizeDistribution::uniform(min, max);
    }
    case Kind::normal: {
      const double mean = read_real_bytes(origin, fields.field("mean"), fields.require("mean", "the mean size"), -1e18,
                                          1e18, true, "a number of bytes (the mean)");
      const double stddev = read_real_bytes(origin, fields.field("stddev"), fields.require("stddev", "a number > 0"),
                                            0, 1e18, false, "a number of bytes > 0");
      const auto [min, max] = read_bounds(fields);
      return SizeDistribution::normal(mean, stddev, min, max);
    }
    case Kind::lognormal: {
      fields.at_most_one("mu", "median");
      double mu = 0;
      if (const Json* median = fields.find("median")) {
        mu = std::log(static_cast<double>(read_size(origin, fields.field("median"), *median)));
      } else {
        mu = read_real(origin, fields.field("mu"), fields.require("mu", "mu (log of the median) or median"), -100, 100);
      }
      const double sigma =
          read_real(origin, fields.field("sigma"), fields.require("sigma", "a number in (0, 10]"), 0, 10, false);
      const auto [min, max] = read_bounds(fields);
      return SizeDistribution::lognormal(mu, sigma, min, max);
    }
    case Kind::pareto: {
      const double scale = read_real_bytes(origin, fields.field("scale"), fields.require("scale", "a size >= 1"), 1,
                                           1e19, true, "a number of bytes >= 1 (the smallest size)");
      const double shape =
          read_real(origin, fields.field("shape"), fields.require("shape", "a number in (0, 100]"), 0, 100, false);
      const Json& max_value = fields.require("max", "the largest size in bytes");
      const std::size_t max = read_size(origin, fields.field("max"), max_value);
      if (static_cast<double>(max) < scale) {
        fail(origin, fields.field("max"), "at least " + fields.field("scale") + " (" + number_text(scale) + ")",
             max_value);
      }
      return SizeDistribution::pareto(scale, shape, max);
    }
    case Kind::zipf: {
      const std::string field = fields.field("sizes");
      const Json& list = read_array(origin, field, fields.require("sizes", "an array of sizes"),
                                    "a non-empty array of sizes, most frequent first");
      std::vector<std::size_t> sizes;
      for (std::size_t i = 0; i < list.size(); ++i) sizes.push_back(read_size(origin, index_path(field, i), list[i]));
      double exponent = 1.0;
      if (const Json* value = fields.find("exponent")) exponent = read_real(origin, fields.field("exponent"), *value, 0, 100);
      return SizeDistribution::zipf(std::move(sizes), exponent);
    }
    case Kind::mixture: {
      const std::string field = fields.field("components");
      const Json& list = read_array(origin, field, fields.require("components", "an array of distributions"),
                                    "a non-empty array of size distributions, each with a \"weight\"");
      std::vector<std::pair<double, SizeDistribution>> components;
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string item = index_path(field, i);
        SizeDistribution component = read(origin, item, list[i], true);
        const auto weight_value = list[i].find("weight");
        if (weight_value == list[i].end()) {
          throw InputError(origin.source, field_path(item, "weight"), "a number > 0 (required)", "nothing");
        }
        const double weight = read_real(origin, field_path(item, "weight"), *weight_value, 0, 1e300, false,
                                        "a number > 0");
        components.emplace_back(weight, std::move(component));
      }
      return SizeDistribution::mixture(std::move(components));
    }
    case Kind::empirical: {
      const std::string field = fields.field("bins");
      const Json& list = read_array(origin, field, fields.require("bins", "an array of {size, weight}"),
                                    "a non-empty array of {\"size\": S, \"weight\": W}");
      std::vector<std::pair<std::size_t, double>> bins;
      for (std::size_t i = 0; i < list.size(); ++i) {
        const ObjectFields bin(origin, index_path(field, i), list[i], {"size", "weight"});
        const std::size_t size = read_size(origin, bin.field("size"), bin.require("size", "a byte size >= 1"));
        const double weight =
            read_real(origin, bin.field("weight"), bin.require("weight", "a number > 0"), 0, 1e300, false, "a number > 0");
        bins.emplace_back(size, weight);
      }
      return SizeDistribution::empirical(std::move(bins));
    }
    case Kind::trace:
      return read_trace(fields);
  }
  throw InputError(origin.source, fields.path(), "a size distribution");
}

// One distribution at `path`; a mixture component (`component`) also carries a "weight" and is
// not a trace.
inline SizeDistribution read(const Origin& origin, const std::string& path, const Json& value, bool component) {
  if (!value.is_object()) fail(origin, path, "a size distribution object with a \"kind\"", value);
  const auto kind_value = value.find("kind");
  if (kind_value == value.end()) {
    throw InputError(origin.source, field_path(path, "kind"), "one of " + join(size_kind_names()) + " (required)",
                     "nothing");
  }
  const auto kind = static_cast<Kind>(read_choice(origin, field_path(path, "kind"), *kind_value, size_kind_names()));
  if (component && kind == Kind::trace) {
    fail(origin, field_path(path, "kind"), "a kind other than trace (a trace cannot be a mixture component)",
         *kind_value);
  }
  const ObjectFields fields(origin, path, value, allowed_keys(kind, component));
  try {
    return read_kind(fields, kind);
  } catch (const std::invalid_argument& e) {
    throw InputError(origin.source, path, "parameters the distribution accepts", e.what());
  }
}

inline Json to_json(const SizeDistribution& sizes) {
  const SizeDistribution::Impl& impl = sizes.impl();
  Json j = Json::object();
  j["kind"] = size_kind_names()[static_cast<std::size_t>(impl.kind)];
  switch (impl.kind) {
    case Kind::constant:
      j["size"] = impl.min;
      break;
    case Kind::uniform:
      j["min"] = impl.min;
      j["max"] = impl.max;
      break;
    case Kind::normal:
      j["mean"] = impl.a;
      j["stddev"] = impl.b;
      j["min"] = impl.min;
      j["max"] = impl.max;
      break;
    case Kind::lognormal:
      j["mu"] = impl.a;
      j["sigma"] = impl.b;
      j["min"] = impl.min;
      j["max"] = impl.max;
      break;
    case Kind::pareto:
      j["scale"] = impl.a;
      j["shape"] = impl.b;
      j["max"] = impl.max;
      break;
    case Kind::zipf:
      j["sizes"] = impl.sizes;
      j["exponent"] = impl.a;
      break;
    case Kind::mixture: {
      Json components = Json::array();
      for (std::size_t i = 0; i < impl.components.size(); ++i) {
        Json component = sizes_json::to_json(impl.components[i]);
        component["weight"] = impl.weights[i];
        components.push_back(std::move(component));
      }
      j["components"] = std::move(components);
      break;
    }
    case Kind::empirical: {
      Json bins = Json::array();
      for (std::size_t i = 0; i < impl.sizes.size(); ++i) {
        bins.push_back(Json{{"size", impl.sizes[i]}, {"weight", impl.weights[i]}});
      }
      j["bins"] = std::move(bins);
      break;
    }
    case Kind::trace:
      if (!impl.trace_path.empty()) {
        j["file"] = impl.trace_path;
      } else {
        Json samples = Json::array();
        for (const SizeSample& sample : impl.samples) {
          if (sample.lifetime_ops) {
            samples.push_back(Json::array({sample.size, *sample.lifetime_ops}));
          } else {
            samples.push_back(sample.size);
          }
        }
        j["samples"] = std::move(samples);
      }
      break;
  }
  return j;
}

}  // namespace sizes_json
}  // namespace arena::workloads::detail
