// Umbrella header: the public API of arena::core except arena/hazmat.hpp and arena/numa.hpp,
// which users include explicitly (raw memory access and hwloc placement are opt-in).
#pragma once

#include "arena/buddy_arena.hpp"
#include "arena/buddy_geometry.hpp"
#include "arena/buffer.hpp"
#include "arena/bytes.hpp"
#include "arena/check.hpp"
#include "arena/dealloc.hpp"
#include "arena/error.hpp"
#include "arena/fixed_arena.hpp"
#include "arena/metrics.hpp"
#include "arena/options.hpp"
#include "arena/region_spec.hpp"
#include "arena/unfaulted.hpp"
