// Size distributions (size_distribution.hpp): the factories that validate and precompute each
// kind, the per-thread sampler, and the trace-file reader.
// The one thing not to get wrong: a draw is deterministic for a seed on every platform and cheap
// enough to run once per benchmark operation - only the Rng's bits are used (no std::
// distributions), tables are built once here, and SizeSampler::next() never allocates.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "arena/workloads/input_error.hpp"
#include "arena/workloads/size_distribution.hpp"
#include "size_distribution_impl.hpp"

namespace arena::workloads {
namespace {

using Impl = SizeDistribution::Impl;
using Kind = SizeDistribution::Kind;

// [min, max] of a truncated normal or lognormal must hold at least this much of the distribution,
// so that redrawing outside it stays cheap (at most 100 draws on average).
constexpr double kMinTruncatedMass = 0.01;

[[noreturn]] void invalid(const std::string& what) { throw std::invalid_argument(what); }

bool finite(double x) { return std::isfinite(x); }

// Standard normal CDF and density.
double phi_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double phi_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }

// A standard normal deviate from the Rng only (Marsaglia's polar method, one of the pair used):
// the same seed gives the same value wherever sqrt and log are correctly rounded.
double standard_normal(Rng& rng) {
  for (;;) {
    const double u = 2.0 * rng.uniform01() - 1.0;
    const double v = 2.0 * rng.uniform01() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

// A real value rounded to the nearest whole size, kept inside [min, max].
std::size_t round_into(double x, std::size_t min, std::size_t max) {
  const double r = std::floor(x + 0.5);
  if (!(r > static_cast<double>(min))) return min;
  if (r >= static_cast<double>(max)) return max;
  return static_cast<std::size_t>(r);
}

std::string number(double x) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, x, std::chars_format::general, 6);
  return std::string(text, result.ptr);
}

std::string range(const Impl& impl) {
  return "in [" + std::to_string(impl.min) + ", " + std::to_string(impl.max) + "]";
}

void require_size(std::size_t size, const std::string& what) {
  if (size == 0) invalid(what + ": sizes must be >= 1 byte");
}

double weighted_mean(const std::vector<double>& weights, const std::vector<double>& values) {
  double total = 0.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    total += weights[i];
    sum += weights[i] * values[i];
  }
  return sum / total;
}

void check_weights(const std::vector<double>& weights, const std::string& what) {
  for (double w : weights) {
    if (!finite(w) || !(w > 0.0)) invalid(what + ": weights must be finite and > 0, got " + number(w));
  }
}

std::size_t draw(const Impl& impl, Rng& rng) {
  switch (impl.kind) {
    case Kind::constant:
      return impl.min;
    case Kind::uniform:
      return impl.min + static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(impl.max - impl.min) + 1));
    case Kind::normal:
      for (;;) {
        const double x = impl.a + impl.b * standard_normal(rng);
        if (x >= impl.accept_low && x < impl.accept_high) return round_into(x, impl.min, impl.max);
      }
    case Kind::lognormal:
      for (;;) {
        const double y = impl.a + impl.b * standard_normal(rng);  // log of the size
        if (y >= impl.accept_low && y < impl.accept_high) return round_into(std::exp(y), impl.min, impl.max);
      }
    case Kind::pareto: {
      const double u = rng.uniform01();
      return round_into(impl.a * std::pow(1.0 - u * impl.pareto_span, -impl.inverse_shape), impl.min, impl.max);
    }
    case Kind::zipf:
    case Kind::empirical:
      return impl.sizes[impl.table.sample(rng)];
    case Kind::mixture:
      return draw(impl.components[impl.table.sample(rng)].impl(), rng);
    case Kind::trace:
      break;  // needs the sampler's cursor: SizeSampler::next
  }
  return impl.min;
}

}  // namespace

// --- Factories ---

SizeDistribution SizeDistribution::constant(std::size_t size) {
  require_size(size, "constant");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::constant;
  impl->min = impl->max = size;
  impl->mean = static_cast<double>(size);
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::uniform(std::size_t min, std::size_t max) {
  require_size(min, "uniform");
  if (min > max) invalid("uniform: min (" + std::to_string(min) + ") > max (" + std::to_string(max) + ")");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::uniform;
  impl->min = min;
  impl->max = max;
  impl->mean = (static_cast<double>(min) + static_cast<double>(max)) / 2.0;
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::normal(double mean, double stddev, std::size_t min, std::size_t max) {
  require_size(min, "normal");
  if (min > max) invalid("normal: min (" + std::to_string(min) + ") > max (" + std::to_string(max) + ")");
  if (!finite(mean)) invalid("normal: mean must be finite");
  if (!finite(stddev) || !(stddev > 0.0)) invalid("normal: stddev must be finite and > 0");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::normal;
  impl->min = min;
  impl->max = max;
  impl->a = mean;
  impl->b = stddev;
  impl->accept_low = static_cast<double>(min) - 0.5;
  impl->accept_high = static_cast<double>(max) + 0.5;
  const double alpha = (impl->accept_low - mean) / stddev;
  const double beta = (impl->accept_high - mean) / stddev;
  const double mass = phi_cdf(beta) - phi_cdf(alpha);
  if (!(mass >= kMinTruncatedMass)) invalid("normal: [min, max] must hold at least 1% of the distribution");
  // Mean of the normal truncated to the accepted interval (rounding is symmetric around it).
  impl->mean = mean + stddev * (phi_pdf(alpha) - phi_pdf(beta)) / mass;
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::lognormal(double mu, double sigma, std::size_t min, std::size_t max) {
  require_size(min, "lognormal");
  if (min > max) invalid("lognormal: min (" + std::to_string(min) + ") > max (" + std::to_string(max) + ")");
  if (!finite(mu) || std::fabs(mu) > 100.0) invalid("lognormal: mu must be in [-100, 100]");
  if (!finite(sigma) || !(sigma > 0.0) || sigma > 10.0) invalid("lognormal: sigma must be in (0, 10]");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::lognormal;
  impl->min = min;
  impl->max = max;
  impl->a = mu;
  impl->b = sigma;
  impl->accept_low = std::log(static_cast<double>(min) - 0.5);
  impl->accept_high = std::log(static_cast<double>(max) + 0.5);
  const double alpha = (impl->accept_low - mu) / sigma;
  const double beta = (impl->accept_high - mu) / sigma;
  const double mass = phi_cdf(beta) - phi_cdf(alpha);
  if (!(mass >= kMinTruncatedMass)) invalid("lognormal: [min, max] must hold at least 1% of the distribution");
  // E[e^Y | low <= Y < high] for Y ~ N(mu, sigma^2).
  impl->mean = std::exp(mu + sigma * sigma / 2.0) * (phi_cdf(beta - sigma) - phi_cdf(alpha - sigma)) / mass;
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::pareto(double scale, double shape, std::size_t max) {
  if (!finite(scale) || !(scale >= 1.0)) invalid("pareto: scale must be >= 1 byte");
  if (!finite(shape) || !(shape > 0.0) || shape > 100.0) invalid("pareto: shape must be in (0, 100]");
  if (static_cast<double>(max) < scale) invalid("pareto: max (" + std::to_string(max) + ") < scale (" + number(scale) + ")");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::pareto;
  impl->a = scale;
  impl->b = shape;
  impl->max = max;
  impl->min = round_into(scale, 1, max);
  impl->pareto_span = 1.0 - std::pow(scale / static_cast<double>(max), shape);
  impl->inverse_shape = 1.0 / shape;
  // Mean of the Pareto truncated to [scale, max]: density shape * scale^shape * x^(-shape-1) / span.
  const double m = static_cast<double>(max);
  if (impl->pareto_span <= 0.0) {
    impl->mean = scale;
  } else if (std::fabs(shape - 1.0) < 1e-12) {
    impl->mean = scale * std::log(m / scale) / impl->pareto_span;
  } else {
    impl->mean = shape * std::pow(scale, shape) * (std::pow(m, 1.0 - shape) - std::pow(scale, 1.0 - shape)) /
                 ((1.0 - shape) * impl->pareto_span);
  }
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::zipf(std::vector<std::size_t> sizes, double exponent) {
  if (sizes.empty()) invalid("zipf: no sizes");
  for (std::size_t size : sizes) require_size(size, "zipf");
  if (!finite(exponent) || exponent < 0.0 || exponent > 100.0) invalid("zipf: exponent must be in [0, 100]");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::zipf;
  impl->a = exponent;
  std::vector<double> weights(sizes.size());
  std::vector<double> values(sizes.size());
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    weights[k] = std::pow(static_cast<double>(k + 1), -exponent);
    values[k] = static_cast<double>(sizes[k]);
  }
  impl->table = detail::AliasTable(weights);
  impl->mean = weighted_mean(weights, values);
  impl->min = *std::min_element(sizes.begin(), sizes.end());
  impl->max = *std::max_element(sizes.begin(), sizes.end());
  impl->sizes = std::move(sizes);
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::mixture(std::vector<std::pair<double, SizeDistribution>> components) {
  if (components.empty()) invalid("mixture: no components");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::mixture;
  std::vector<double> means;
  impl->min = std::numeric_limits<std::size_t>::max();
  impl->max = 0;
  for (auto& [weight, distribution] : components) {
    if (distribution.kind() == Kind::trace) invalid("mixture: a trace cannot be a component");
    impl->weights.push_back(weight);
    means.push_back(distribution.mean());
    impl->min = std::min(impl->min, distribution.min_size());
    impl->max = std::max(impl->max, distribution.max_size());
    impl->components.push_back(std::move(distribution));
  }
  check_weights(impl->weights, "mixture");
  impl->table = detail::AliasTable(impl->weights);
  impl->mean = weighted_mean(impl->weights, means);
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::empirical(std::vector<std::pair<std::size_t, double>> histogram) {
  if (histogram.empty()) invalid("empirical: no bins");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::empirical;
  std::vector<double> values;
  for (const auto& [size, weight] : histogram) {
    require_size(size, "empirical");
    impl->sizes.push_back(size);
    impl->weights.push_back(weight);
    values.push_back(static_cast<double>(size));
  }
  check_weights(impl->weights, "empirical");
  impl->table = detail::AliasTable(impl->weights);
  impl->mean = weighted_mean(impl->weights, values);
  impl->min = *std::min_element(impl->sizes.begin(), impl->sizes.end());
  impl->max = *std::max_element(impl->sizes.begin(), impl->sizes.end());
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::trace(std::vector<SizeSample> samples) {
  if (samples.empty()) invalid("trace: no samples");
  auto impl = std::make_shared<Impl>();
  impl->kind = Kind::trace;
  impl->min = std::numeric_limits<std::size_t>::max();
  impl->max = 0;
  double sum = 0.0;
  for (const SizeSample& sample : samples) {
    require_size(sample.size, "trace");
    impl->min = std::min(impl->min, sample.size);
    impl->max = std::max(impl->max, sample.size);
    sum += static_cast<double>(sample.size);
  }
  impl->mean = sum / static_cast<double>(samples.size());
  impl->samples = std::move(samples);
  return SizeDistribution(std::move(impl));
}

SizeDistribution SizeDistribution::trace_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read trace file " + path);
  std::vector<SizeSample> samples;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::vector<std::string> tokens;
    for (std::string token; fields >> token;) tokens.push_back(token);
    if (tokens.empty() || tokens[0][0] == '#') continue;
    const std::string where = path + " line " + std::to_string(line_number);
    if (tokens.size() > 2) invalid(where + ": expected SIZE or SIZE LIFETIME_OPS, got \"" + line + "\"");
    SizeSample sample;
    try {
      sample.size = parse_byte_size(tokens[0], "", "");
    } catch (const InputError&) {
      invalid(where + ": expected a size >= 1 such as 512 or 4KiB, got \"" + tokens[0] + "\"");
    }
    if (tokens.size() == 2) {
      std::uint64_t lifetime = 0;
      const std::string& text = tokens[1];
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), lifetime);
      if (error != std::errc() || end != text.data() + text.size()) {
        invalid(where + ": expected a lifetime in operations (a whole number), got \"" + text + "\"");
      }
      sample.lifetime_ops = lifetime;
    }
    samples.push_back(sample);
  }
  if (in.bad()) throw std::runtime_error("cannot read trace file " + path);
  if (samples.empty()) invalid(path + ": expected at least one size, got none");
  SizeDistribution distribution = trace(std::move(samples));
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  std::const_pointer_cast<Impl>(distribution.impl_)->trace_path =
      ec ? path : absolute.lexically_normal().string();
  return distribution;
}

// --- Queries ---

SizeDistribution::Kind SizeDistribution::kind() const noexcept { return impl_->kind; }
std::size_t SizeDistribution::max_size() const noexcept { return impl_->max; }
std::size_t SizeDistribution::min_size() const noexcept { return impl_->min; }
double SizeDistribution::mean() const noexcept { return impl_->mean; }

std::string SizeDistribution::describe() const {
  const Impl& impl = *impl_;
  switch (impl.kind) {
    case Kind::constant:
      return "constant(" + std::to_string(impl.min) + ")";
    case Kind::uniform:
      return "uniform " + range(impl);
    case Kind::normal:
      return "normal(mean=" + number(impl.a) + ", stddev=" + number(impl.b) + ") " + range(impl);
    case Kind::lognormal:
      return "lognormal(mu=" + number(impl.a) + ", sigma=" + number(impl.b) + ") " + range(impl);
    case Kind::pareto:
      return "pareto(scale=" + number(impl.a) + ", shape=" + number(impl.b) + ") " + range(impl);
    case Kind::zipf:
      return "zipf(exponent=" + number(impl.a) + ") over " + std::to_string(impl.sizes.size()) + " sizes " +
             range(impl);
    case Kind::mixture: {
      std::string text = "mixture(";
      for (std::size_t i = 0; i < impl.components.size(); ++i) {
        if (i != 0) text += ", ";
        text += number(impl.weights[i]) + " x " + impl.components[i].describe();
      }
      return text + ")";
    }
    case Kind::empirical:
      return "empirical histogram of " + std::to_string(impl.sizes.size()) + " sizes " + range(impl);
    case Kind::trace:
      return "trace of " + std::to_string(impl.samples.size()) + " requests " + range(impl) +
             (impl.trace_path.empty() ? std::string() : " from " + impl.trace_path);
  }
  return "?";
}

SizeSampler SizeDistribution::sampler(std::uint64_t seed, unsigned thread_index, unsigned thread_count) const {
  const std::size_t stride = thread_count == 0 ? 1 : thread_count;
  std::size_t cursor = 0;
  if (impl_->kind == Kind::trace) cursor = thread_index % impl_->samples.size();
  return SizeSampler(impl_, Rng::for_thread(seed ^ kSizeStreamSalt, thread_index), cursor, stride);
}

SizeSample SizeSampler::next() {
  const SizeDistribution::Impl& impl = *impl_;
  if (impl.kind == Kind::trace) {
    const SizeSample& sample = impl.samples[cursor_];
    cursor_ += stride_;
    if (cursor_ >= impl.samples.size()) cursor_ %= impl.samples.size();
    return sample;
  }
  return SizeSample{draw(impl, rng_), std::nullopt};
}

}  // namespace arena::workloads
