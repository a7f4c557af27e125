#include "ui/demobanner.h"

#include "models/serverprofile.h"
#include "ui/consolecolors.h"
#include "ui/messagebanner.h"
#include "ui/themedicon.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

namespace keybrake {

DemoBanner::DemoBanner(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_failure(new MessageBanner(this))
{
    setObjectName(QStringLiteral("demoBanner"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(14, 8, 14, 8);
    outer->setSpacing(6);
    auto *row = new QHBoxLayout;
    row->setSpacing(10);
    m_icon->setFixedSize(20, 20);
    m_text->setObjectName(QStringLiteral("demoBannerLabel"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setText(
        tr("<b>Demo traffic.</b> Simulated agents call simulated Stripe, Twilio and Resend "
           "through a local keybraked; no real money moves. A runaway <i>collections-agent</i> "
           "starts every minute or so and retries until its cap stops it.<br><b>Try:</b> watch "
           "it hit its cap (⚠ Runaway under Keys at or near their cap) · revoke a key and its "
           "next call is refused (Vault Keys) · issue a key of your own (Ctrl+N)."));
    setAccessibleName(tr("Demo traffic: simulated agents and vendors"));
    row->addWidget(m_icon, 0, Qt::AlignTop);
    row->addWidget(m_text, 1);
    outer->addLayout(row);
    m_failure->setObjectName(QStringLiteral("demoFailureBanner"));
    outer->addWidget(m_failure);
    connect(m_failure, &MessageBanner::actionTriggered, this, &DemoBanner::restartRequested);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    m_icon->setPixmap(
        ThemedIcon::icon(QStringLiteral("info"),
                         ConsoleColors::environment(ServerEnvironment::Demo, palette()))
            .pixmap(20, 20));
}

DemoBanner::~DemoBanner() = default;

QString DemoBanner::text() const
{
    return m_text->text();
}

void DemoBanner::showFailure(const QString &text, const QStringList &details)
{
    QString message = text;
    if (!details.isEmpty())
        message += QLatin1Char('\n') + details.join(QLatin1Char('\n'));
    m_failure->showMessage(MessageBanner::Kind::Error, message, tr("&Restart the Demo"));
}

void DemoBanner::clearFailure()
{
    m_failure->hide();
}

void DemoBanner::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        m_icon->setPixmap(
            ThemedIcon::icon(QStringLiteral("info"),
                             ConsoleColors::environment(ServerEnvironment::Demo, palette()))
                .pixmap(20, 20));
        update();
    }
    QFrame::changeEvent(event);
}

void DemoBanner::paintEvent(QPaintEvent *)
{
    // The demo's violet, faint, so the strip reads as part of the band above, not as an alert.
    const QColor tone = ConsoleColors::environment(ServerEnvironment::Demo, palette());
    const QColor base = palette().color(QPalette::Window);
    const QColor background = QColor::fromRgbF(base.redF() * 0.88 + tone.redF() * 0.12,
                                               base.greenF() * 0.88 + tone.greenF() * 0.12,
                                               base.blueF() * 0.88 + tone.blueF() * 0.12);
    QPainter painter(this);
    painter.fillRect(rect(), background);
    painter.fillRect(QRect(0, 0, 5, height()), tone);
    painter.fillRect(QRect(0, height() - 1, width(), 1), tone.lighter(130));
}

} // namespace keybrake
