#pragma once

#include <QObject>

class QSocketNotifier;

namespace keybrake::agents {

// Turns SIGINT and SIGTERM into a Qt signal on the event loop (the self-pipe pattern from Qt's
// "Calling Qt Functions From Unix Signal Handlers"): the handler only writes a byte to a socket
// pair, which is async-signal-safe; everything else happens in received(). One instance per
// process.
class UnixSignalWatcher : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UnixSignalWatcher)

public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

    bool isValid() const { return m_notifier != nullptr; }

Q_SIGNALS:
    void received(int signalNumber);

private:
    void readSignals();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace keybrake::agents
