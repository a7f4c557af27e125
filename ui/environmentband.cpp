#include "ui/environmentband.h"

#include "client/serveraddress.h"
#include "models/consolesession.h"
#include "ui/connectionstatuslabel.h"
#include "ui/consolecolors.h"
#include "ui/themedicon.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>

namespace keybrake {

EnvironmentBand::EnvironmentBand(QWidget *parent)
    : QWidget(parent)
    , m_environmentLabel(new QLabel(this))
    , m_serverLabel(new QLabel(this))
    , m_status(new ConnectionStatusLabel(this))
    , m_roleLabel(new QLabel(this))
    , m_plainHttpLabel(new QLabel(this))
    , m_stopRuns(new QPushButton(this))
{
    setObjectName(QStringLiteral("environmentBand"));
    setAccessibleName(tr("Server and environment"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(14, 7, 10, 7);
    layout->setSpacing(12);
    m_environmentLabel->setObjectName(QStringLiteral("environmentLabel"));
    QFont strong = m_environmentLabel->font();
    strong.setBold(true);
    strong.setLetterSpacing(QFont::AbsoluteSpacing, 1.2);
    m_environmentLabel->setFont(strong);
    m_serverLabel->setObjectName(QStringLiteral("serverLabel"));
    m_serverLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_roleLabel->setObjectName(QStringLiteral("roleBadgeLabel"));
    m_roleLabel->setContentsMargins(8, 1, 8, 1);
    m_stopRuns->setObjectName(QStringLiteral("stopRunsPushButton"));
    m_stopRuns->setText(tr("Stop runs…"));
    m_stopRuns->setIcon(ThemedIcon::icon(QStringLiteral("stop-runs"), QColor(0xcf, 0x22, 0x2e)));
    m_stopRuns->setToolTip(tr("Revoke every key of a run label prefix (kill switch)"));
    m_stopRuns->setAccessibleName(tr("Stop runs"));
    m_stopRuns->setCursor(Qt::PointingHandCursor);
    layout->addWidget(m_environmentLabel);
    m_plainHttpLabel->setObjectName(QStringLiteral("plainHttpLabel"));
    m_plainHttpLabel->setText(tr("⚠ Unencrypted: plain HTTP"));
    m_plainHttpLabel->setToolTip(
        tr("This profile allows plain http:// to a server on another machine: the admin key and "
           "everything the console shows cross the network unencrypted. Use https://."));
    m_plainHttpLabel->setAccessibleName(tr("Warning: the connection is unencrypted plain HTTP"));
    m_plainHttpLabel->setStyleSheet(
        QStringLiteral("#plainHttpLabel { background: white; color: #cf222e; border: 2px solid "
                       "#cf222e; border-radius: 4px; padding: 2px 8px; font-weight: bold; }"));
    m_plainHttpLabel->hide();
    layout->addWidget(m_serverLabel, 1);
    layout->addWidget(m_plainHttpLabel);
    layout->addWidget(m_status);
    layout->addWidget(m_roleLabel);
    layout->addWidget(m_stopRuns);
    connect(m_stopRuns, &QPushButton::clicked, this, &EnvironmentBand::stopRunsRequested);
    applyColors();
}

EnvironmentBand::~EnvironmentBand() = default;

void EnvironmentBand::addWidgetBeforeStopRuns(QWidget *widget)
{
    auto *row = static_cast<QHBoxLayout *>(layout());
    row->insertWidget(row->indexOf(m_stopRuns), widget);
}

void EnvironmentBand::setSession(ConsoleSession *session)
{
    m_session = session;
    m_status->setSession(session);
    if (session) {
        connect(session, &ConsoleSession::identityChanged, this, &EnvironmentBand::updateIdentity);
    }
    updateIdentity();
}

QString EnvironmentBand::environmentText() const
{
    return m_environmentLabel->text();
}

void EnvironmentBand::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), ConsoleColors::environment(m_environment, palette()));
    // A darker edge on the left, like a tab marker, so the band reads as a label, not a header.
    painter.fillRect(QRect(0, 0, 5, height()),
                     ConsoleColors::environment(m_environment, palette()).darker(140));
}

void EnvironmentBand::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        applyColors();
    QWidget::changeEvent(event);
}

void EnvironmentBand::updateIdentity()
{
    if (!m_session) {
        m_environmentLabel->clear();
        m_serverLabel->clear();
        m_roleLabel->clear();
        m_plainHttpLabel->hide();
        return;
    }
    const ServerProfile &profile = m_session->profile();
    m_plainHttpLabel->setVisible(client::ServerAddress::isPlainHttpAcrossNetwork(profile.url));
    m_environment = profile.environment;
    m_environmentLabel->setText(environmentDisplayName(profile.environment).toUpper());
    m_serverLabel->setText(profile.displayTitle());
    m_serverLabel->setToolTip(tr("Profile %1 at %2").arg(profile.name, profile.url.toString()));
    if (const auto who = m_session->whoAmI()) {
        m_roleLabel->setText(ConsoleSession::roleDisplayName(who->role));
        m_roleLabel->setToolTip(
            tr("Signed in as %1 (%2) with the %3 role")
                .arg(who->name, who->adminKeyId, ConsoleSession::roleDisplayName(who->role)));
        m_roleLabel->setAccessibleName(
            tr("Role: %1").arg(ConsoleSession::roleDisplayName(who->role)));
    } else {
        m_roleLabel->setText(tr("…"));
    }
    applyColors();
    update();
}

void EnvironmentBand::applyColors()
{
    const QColor text = ConsoleColors::onEnvironment(m_environment);
    for (QLabel *label : {m_environmentLabel, m_serverLabel}) {
        QPalette p = label->palette();
        p.setColor(QPalette::WindowText, text);
        label->setPalette(p);
    }
    m_status->setTextColor(text);
    // Style sheets re-polish their widget: set them only when the colours really changed.
    const QString roleSheet =
        QStringLiteral("#roleBadgeLabel { color: %1; border: 1px solid %1; border-radius: 9px; }")
            .arg(text.name());
    if (m_roleLabel->styleSheet() != roleSheet)
        m_roleLabel->setStyleSheet(roleSheet);
    const QColor red(0xcf, 0x22, 0x2e);
    const QString stopSheet =
        QStringLiteral("#stopRunsPushButton { background: white; color: %1; border: 2px solid "
                       "%1; border-radius: 4px; padding: 3px 10px; font-weight: bold; }"
                       "#stopRunsPushButton:disabled { color: #8c959f; border-color: #c4c9d0; }"
                       "#stopRunsPushButton:focus { border-color: #1f6feb; }")
            .arg(red.name());
    if (m_stopRuns->styleSheet() != stopSheet)
        m_stopRuns->setStyleSheet(stopSheet);
}

} // namespace keybrake
