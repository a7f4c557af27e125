#pragma once

#include <QLabel>
#include <QPointer>

namespace keybrake {

class ConsoleSession;

// "● Live", "◌ Reconnecting in 4 s", "○ Offline — data as of 14:03:05": the connection state in
// words and a shape, with the shape tinted (colour is never the only signal).
class ConnectionStatusLabel : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionStatusLabel)

public:
    explicit ConnectionStatusLabel(QWidget *parent = nullptr);
    ~ConnectionStatusLabel() override;

    void setSession(ConsoleSession *session);
    // On a coloured band the words take the band's text colour instead of the palette's.
    void setTextColor(const QColor &color);
    // The words alone, for tests and screen readers.
    QString statusText() const { return m_plain; }

private:
    void update();

    QPointer<ConsoleSession> m_session;
    QColor m_textColor;
    QString m_plain;
};

} // namespace keybrake
