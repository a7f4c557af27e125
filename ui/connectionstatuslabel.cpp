#include "ui/connectionstatuslabel.h"

#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "ui/consolecolors.h"

namespace keybrake {

ConnectionStatusLabel::ConnectionStatusLabel(QWidget *parent)
    : QLabel(parent)
{
    setObjectName(QStringLiteral("connectionStatusLabel"));
    setTextFormat(Qt::RichText);
}

ConnectionStatusLabel::~ConnectionStatusLabel() = default;

void ConnectionStatusLabel::setSession(ConsoleSession *session)
{
    if (m_session)
        disconnect(m_session->monitor(), nullptr, this, nullptr);
    m_session = session;
    if (session) {
        connect(session->monitor(), &ConnectionMonitor::statusTextChanged, this,
                &ConnectionStatusLabel::update);
        connect(session->monitor(), &ConnectionMonitor::stateChanged, this,
                &ConnectionStatusLabel::update);
        connect(session, &ConsoleSession::timeFormatterChanged, this,
                &ConnectionStatusLabel::update);
    }
    update();
}

void ConnectionStatusLabel::setTextColor(const QColor &color)
{
    m_textColor = color;
    update();
}

void ConnectionStatusLabel::update()
{
    if (!m_session) {
        setText({});
        return;
    }
    const ConnectionMonitor *monitor = m_session->monitor();
    const TimeFormatter time = m_session->timeFormatter();
    m_plain = monitor->statusText(time);
    QColor shape;
    switch (monitor->state()) {
    case ConnectionMonitor::State::Live:
        shape = ConsoleColors::good(palette());
        break;
    case ConnectionMonitor::State::Connecting:
    case ConnectionMonitor::State::Waiting:
    case ConnectionMonitor::State::Reconnecting:
        shape = ConsoleColors::warning(palette());
        break;
    case ConnectionMonitor::State::Offline:
    case ConnectionMonitor::State::SignedOut:
        shape = ConsoleColors::danger(palette());
        break;
    }
    if (m_textColor.isValid()) {
        // On a coloured band a tinted shape would clash; a white disc carries the shape.
        shape = m_textColor;
    }
    const QString glyph = m_plain.left(1);
    const QString words = m_plain.mid(1).toHtmlEscaped();
    const QString color =
        m_textColor.isValid() ? m_textColor.name() : palette().color(QPalette::WindowText).name();
    setText(QStringLiteral("<span style=\"color:%1\">%2</span><span style=\"color:%3\">%4</span>")
                .arg(shape.name(), glyph.toHtmlEscaped(), color, words));
    setToolTip(monitor->statusToolTip(time));
    setAccessibleName(m_plain);
}

} // namespace keybrake
