#include "agents/trafficrandom.h"

#include <cmath>

namespace keybrake::agents {

TrafficRandom::TrafficRandom(quint64 seed)
    : m_state(seed)
{
}

quint64 TrafficRandom::next()
{
    // SplitMix64 (Steele, Lea and Flood 2014).
    quint64 z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double TrafficRandom::uniform()
{
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

qint64 TrafficRandom::between(qint64 low, qint64 high)
{
    if (high <= low)
        return low;
    const auto span = static_cast<quint64>(high - low) + 1;
    return low + static_cast<qint64>(next() % span);
}

int TrafficRandom::index(qsizetype size)
{
    return size <= 1 ? 0 : static_cast<int>(next() % static_cast<quint64>(size));
}

bool TrafficRandom::chance(double probability)
{
    return uniform() < probability;
}

double TrafficRandom::exponential(double mean)
{
    return -std::log(1.0 - uniform()) * mean;
}

TrafficRandom TrafficRandom::fork()
{
    return TrafficRandom(next());
}

QString TrafficRandom::uuid()
{
    const quint64 high = (next() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    const quint64 low = (next() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    const QString text = QStringLiteral("%1%2")
                             .arg(high, 16, 16, QLatin1Char('0'))
                             .arg(low, 16, 16, QLatin1Char('0'));
    return text.left(8) + u'-' + text.mid(8, 4) + u'-' + text.mid(12, 4) + u'-' + text.mid(16, 4)
        + u'-' + text.mid(20);
}

QString TrafficRandom::hex(int length)
{
    static constexpr char16_t kHex[] = u"0123456789abcdef";
    QString text(length, Qt::Uninitialized);
    for (auto &c : text)
        c = QChar(kHex[next() % 16]);
    return text;
}

QString TrafficRandom::digits(int length)
{
    QString text(length, Qt::Uninitialized);
    for (auto &c : text)
        c = QChar(u'0' + static_cast<char16_t>(next() % 10));
    return text;
}

QString TrafficRandom::base62(int length)
{
    static constexpr char16_t kAlphabet[] =
        u"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    QString text(length, Qt::Uninitialized);
    for (auto &c : text)
        c = QChar(kAlphabet[next() % 62]);
    return text;
}

} // namespace keybrake::agents
