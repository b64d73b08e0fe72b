// Example: one FixedArena shared across threads. The producer (main thread) writes each message
// into a slot and freezes it; a copy of the frozen Bytes goes to each of two consumer threads.
// Copies share the slot (no payload is copied: the consumers read the very address the producer
// wrote to), and the slot goes back to the arena when the last consumer drops its copy, on
// whichever thread that is. Exits non-zero if a message arrives wrong or a slot is not returned.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <arena/arena.hpp>

namespace {

struct Message {
  arena::Bytes bytes;
  const std::byte* written_at;  // where the producer wrote it, to show that nothing was copied
};

// A minimal blocking queue; std::nullopt means "no more messages".
class Mailbox {
 public:
  void send(std::optional<Message> message) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(message));
    }
    ready_.notify_one();
  }
  std::optional<Message> receive() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty(); });
    std::optional<Message> message = std::move(queue_.front());
    queue_.pop_front();
    return message;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::optional<Message>> queue_;
};

constexpr std::uint32_t kMessages = 1000;

std::string text_of(std::uint32_t i) { return "message #" + std::to_string(i); }

std::uint32_t read_u32_be(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | std::to_integer<std::uint32_t>(p[i]);
  return v;
}

// Reads the messages, checks the 4-byte big-endian index and the text after it, then drops them.
void consume(Mailbox& inbox, int& errors) {
  std::uint32_t expected = 0;
  while (std::optional<Message> m = inbox.receive()) {
    const std::uint32_t index = read_u32_be(m->bytes.data());
    const arena::Bytes text = m->bytes.slice(4, m->bytes.size());  // shares the slot too
    const bool zero_copy = m->bytes.data() == m->written_at;
    if (index != expected++ || text.as_string_view() != text_of(index) || !zero_copy) ++errors;
  }  // each message's copy is dropped here: the last of the two returns the slot
}

}  // namespace

int main() {
  // 8 slots of 256 bytes for 1000 messages: slots must come back to be reused.
  arena::FixedArena pool = arena::FixedArena::with_slot_capacity(8, 256).build().value();

  Mailbox inbox_a, inbox_b;
  int errors_a = 0, errors_b = 0;
  std::thread consumer_a(consume, std::ref(inbox_a), std::ref(errors_a));
  std::thread consumer_b(consume, std::ref(inbox_b), std::ref(errors_b));

  for (std::uint32_t i = 0; i < kMessages; ++i) {
    // When all 8 slots are in flight, wait (up to a second) for a consumer to return one.
    arena::Result<arena::Buffer> slot = pool.allocate_wait(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    if (!slot) {
      std::fprintf(stderr, "allocate_wait: %s\n", slot.error().message().c_str());
      return 1;
    }
    arena::Buffer buffer = std::move(slot).value();
    buffer.put_u32(i);
    buffer.put(text_of(i));
    const std::byte* written_at = buffer.written().data();
    arena::Bytes frozen = std::move(buffer).freeze();  // no copy: the Bytes own the slot now
    inbox_a.send(Message{frozen, written_at});         // copy = share (a reference count)
    inbox_b.send(Message{std::move(frozen), written_at});
  }
  inbox_a.send(std::nullopt);
  inbox_b.send(std::nullopt);
  consumer_a.join();
  consumer_b.join();

  const arena::FixedMetrics m = pool.metrics();
  std::printf("sent %u messages to 2 threads through %zu slots of %zu bytes\n", kMessages, pool.slot_count(),
              pool.slot_capacity());
  std::printf("allocations_ok=%llu frozen=%llu frees=%llu bytes_live=%llu waits=%llu\n",
              static_cast<unsigned long long>(m.allocations_ok), static_cast<unsigned long long>(m.frozen),
              static_cast<unsigned long long>(m.frees), static_cast<unsigned long long>(m.bytes_live),
              static_cast<unsigned long long>(m.waits));
  std::printf("wrong messages: %d on thread A, %d on thread B\n", errors_a, errors_b);

  const bool ok = errors_a == 0 && errors_b == 0 && m.allocations_ok == kMessages && m.frozen == kMessages &&
                  m.frees == kMessages && m.bytes_live == 0;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
