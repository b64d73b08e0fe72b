// A small dense number per thread (1, 2, 3... in order of first use), used to spread threads over
// bitmap words and counter stripes. Numbers are not reused when threads exit; only their low bits
// are used, so that is harmless.
#pragma once

#include <cstdint>

namespace arena::detail {

std::uint32_t this_thread_index() noexcept;

}  // namespace arena::detail
