#pragma once

#include "agents/trafficrandom.h"

#include <QString>

namespace keybrake::agents {

// SMS texts of the kinds notification agents send, in realistic proportions and sizes: one-time
// codes and reminders that fit one GSM-7 segment, delivery updates of two to four segments, and
// UCS-2 messages (an emoji or an accented letter outside GSM-7 turns the whole message into
// 70-character segments).
class SmsComposer
{
public:
    explicit SmsComposer(TrafficRandom &random);

    QString message();
    // North American numbers in the 555-0100..0199 range reserved for fiction.
    QString phoneNumber();

private:
    QString name();
    TrafficRandom &m_random;
};

} // namespace keybrake::agents
