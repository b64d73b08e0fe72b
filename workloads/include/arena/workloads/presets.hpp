// Built-in profiles: the original crate's benchmark cases (roundtrip, contention with hold,
// auto-spill, buddy size cycle) and realistic traffic shapes (small RPC messages, IMIX-like
// network packets, heavy-tailed key-value values, streaming chunks). Each is a starting point:
// `arena-bench presets --show NAME` prints its JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "arena/workloads/profile.hpp"

namespace arena::workloads {

struct Preset {
  std::string name;
  std::string summary;  // one line
  Profile profile;
};

const std::vector<Preset>& presets();
// The preset called `name`; InputError("preset", "name", the list of names) when there is none.
const Preset& find_preset(std::string_view name);

}  // namespace arena::workloads
