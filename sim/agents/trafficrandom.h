#pragma once

#include <QString>
#include <QtGlobal>

#include <cstdint>
#include <iterator>

namespace keybrake::agents {

// The one source of randomness of the simulated agents: a seeded 64-bit generator (SplitMix64,
// whose whole state is one integer, so a stream can be forked deterministically) with the draws
// the scenarios need. The same seed gives the same messages, amounts and texts on every platform
// (no std::*_distribution, whose output the standard leaves to the implementation).
class TrafficRandom
{
public:
    explicit TrafficRandom(quint64 seed);

    quint64 next();
    double uniform(); // [0, 1)
    qint64 between(qint64 low, qint64 high); // inclusive
    int index(qsizetype size); // [0, size)
    bool chance(double probability);
    // Exponentially distributed, for Poisson arrivals.
    double exponential(double mean);
    // An independent stream: what one run draws does not shift what the next run gets.
    TrafficRandom fork();

    QString uuid(); // RFC 4122 version 4, lower case, as SQS messageIds and EventBridge ids
    QString hex(int length); // lower case
    QString digits(int length);
    QString base62(int length);

    template<typename Container>
    const auto &pick(const Container &items)
    {
        return items[index(static_cast<qsizetype>(std::size(items)))];
    }

private:
    quint64 m_state;
};

} // namespace keybrake::agents
