// Example: raw regions (arena/hazmat.hpp) for registered-buffer I/O. A raw region is a slot handed
// out as plain memory, e.g. for a NIC or io_uring to fill. Here a "device" writes a frame of a
// 4-byte big-endian length header followed by the payload; the receiver reads the header and
// freezes only the payload, [4, 4 + length), without copying: the Bytes keep the whole slot. A
// header that claims more than the slot holds is refused with Errc::invalid_range (and the slot is
// released). Exits non-zero if the payload or the metrics are not as expected.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include <arena/arena.hpp>
#include <arena/hazmat.hpp>

namespace {

constexpr std::size_t kHeaderBytes = 4;

// Stands in for the device: writes header + payload into the region, as a DMA engine would.
void device_writes_frame(std::span<std::byte> region, std::uint32_t claimed_length, std::string_view payload) {
  for (std::size_t i = 0; i < kHeaderBytes; ++i) {
    region[i] = static_cast<std::byte>(claimed_length >> (8 * (kHeaderBytes - 1 - i)));
  }
  std::memcpy(region.data() + kHeaderBytes, payload.data(), payload.size());
}

std::uint32_t read_length_header(const std::byte* p) {
  std::uint32_t length = 0;
  for (std::size_t i = 0; i < kHeaderBytes; ++i) length = length << 8 | std::to_integer<std::uint32_t>(p[i]);
  return length;
}

// Freezes the payload the header announces: [4, 4 + length) of the region.
arena::Result<arena::Bytes> receive(arena::hazmat::RawRegion region) {
  const std::uint32_t length = read_length_header(region.data());
  return std::move(region).freeze(kHeaderBytes, kHeaderBytes + length);
}

}  // namespace

int main() {
  arena::FixedArena pool = arena::FixedArena::with_slot_capacity(4, 256).build().value();
  constexpr std::string_view kPayload = "GET /index.html";

  // A well-formed frame.
  arena::hazmat::RawRegion region = arena::hazmat::raw_alloc(pool).value();
  std::printf("raw region: %zu bytes at %p\n", region.capacity(), static_cast<void*>(region.data()));
  const std::byte* slot_start = region.data();
  device_writes_frame(region.span(), static_cast<std::uint32_t>(kPayload.size()), kPayload);
  arena::Result<arena::Bytes> received = receive(std::move(region));
  if (!received) {
    std::fprintf(stderr, "freeze: %s\n", received.error().message().c_str());
    return 1;
  }
  arena::Bytes payload = std::move(received).value();
  const bool payload_ok = payload.as_string_view() == kPayload && payload.data() == slot_start + kHeaderBytes;
  std::printf("frame 1: header says %zu bytes -> payload \"%.*s\", in place 4 bytes into the slot: %s\n",
              kPayload.size(), static_cast<int>(payload.size()), payload.as_string_view().data(),
              payload_ok ? "yes" : "no");

  // A corrupt frame: the header claims 1000 bytes in a 256-byte slot.
  arena::hazmat::RawRegion bad = arena::hazmat::raw_alloc(pool).value();
  device_writes_frame(bad.span(), 1000, kPayload);
  const arena::Result<arena::Bytes> refused = receive(std::move(bad));
  std::printf("frame 2: header says 1000 bytes -> %s\n", refused ? "accepted?!" : refused.error().message().c_str());

  const arena::FixedMetrics live = pool.metrics();
  payload = arena::Bytes();  // drop the payload: its slot goes back
  const arena::FixedMetrics end = pool.metrics();
  std::printf("metrics: allocations_ok=%llu frozen=%llu slots_live=%llu (while the payload lives), frees=%llu after\n",
              static_cast<unsigned long long>(live.allocations_ok), static_cast<unsigned long long>(live.frozen),
              static_cast<unsigned long long>(live.slots_live), static_cast<unsigned long long>(end.frees));

  const bool ok = payload_ok && !refused && refused.error() == arena::Errc::invalid_range && live.allocations_ok == 2 &&
                  live.frozen == 1 && live.slots_live == 1 && end.frees == 2 && end.slots_live == 0;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
