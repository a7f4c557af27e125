#pragma once

#include <atomic>
#include <cstdint>

namespace keybrake::sim {

// Reproducible draws shared by all io threads without a lock: SplitMix64 over (seed + n), n from
// one atomic counter. With a fixed --seed and the same request order a run repeats exactly.
class SeededRandom
{
public:
    explicit SeededRandom(std::uint64_t seed)
        : m_seed(seed)
    {
    }

    std::uint64_t next()
    {
        std::uint64_t z = m_seed + 0x9e3779b97f4a7c15ULL * (m_counter.fetch_add(1) + 1);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    // In [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t m_seed;
    std::atomic<std::uint64_t> m_counter {0};
};

} // namespace keybrake::sim
