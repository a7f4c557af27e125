#include "ui/stoprunsdialog.h"

#include "client/keybrakeclient.h"
#include "models/consolesession.h"
#include "models/usdtext.h"
#include "ui/consolecolors.h"
#include "ui/themedicon.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace keybrake {

StopRunsDialog::StopRunsDialog(ConsoleSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_prefix(new QLineEdit(this))
    , m_vendor(new QComboBox(this))
    , m_preview(new QPushButton(tr("Preview"), this))
    , m_impact(new QLabel(this))
    , m_confirmLabel(new QLabel(this))
    , m_confirm(new QLineEdit(this))
    , m_stop(new QPushButton(ThemedIcon::icon(QStringLiteral("stop-runs")), tr("Stop runs"), this))
    , m_receipt(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("stopRunsDialog"));
    setWindowTitle(tr("Stop Runs"));
    resize(600, 460);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 16, 18, 14);
    auto *intro = new QLabel(tr("Revoke every active vault key whose run label starts with a "
                                "prefix. Their next calls get 401."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_prefix->setObjectName(QStringLiteral("labelPrefixLineEdit"));
    m_prefix->setAccessibleName(tr("Run label prefix"));
    m_prefix->setPlaceholderText(QStringLiteral("lambda/billing-agent/"));
    m_prefix->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *prefixLabel = new QLabel(tr("Run label &prefix:"), this);
    prefixLabel->setBuddy(m_prefix);
    form->addRow(prefixLabel, m_prefix);
    m_vendor->setObjectName(QStringLiteral("stopVendorComboBox"));
    m_vendor->setAccessibleName(tr("Vendor"));
    m_vendor->addItem(tr("Any vendor"), QString());
    m_vendor->addItem(QStringLiteral("Stripe"), QStringLiteral("stripe"));
    m_vendor->addItem(QStringLiteral("Twilio"), QStringLiteral("twilio"));
    m_vendor->addItem(QStringLiteral("Resend"), QStringLiteral("resend"));
    auto *vendorLabel = new QLabel(tr("&Vendor:"), this);
    vendorLabel->setBuddy(m_vendor);
    form->addRow(vendorLabel, m_vendor);
    layout->addLayout(form);
    m_preview->setObjectName(QStringLiteral("previewPushButton"));
    m_preview->setAutoDefault(false);
    layout->addWidget(m_preview, 0, Qt::AlignLeft);
    m_impact->setObjectName(QStringLiteral("impactLabel"));
    m_impact->setWordWrap(true);
    QFont impactFont = m_impact->font();
    impactFont.setBold(true);
    m_impact->setFont(impactFont);
    layout->addWidget(m_impact);
    const bool production = session->profile().environment == ServerEnvironment::Production;
    m_confirmLabel->setText(tr("This is PRODUCTION. Type the prefix again to confirm:"));
    m_confirm->setObjectName(QStringLiteral("confirmPrefixLineEdit"));
    m_confirm->setAccessibleName(tr("Type the prefix to confirm"));
    m_confirm->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_confirmLabel->setVisible(production);
    m_confirm->setVisible(production);
    layout->addWidget(m_confirmLabel);
    layout->addWidget(m_confirm);
    m_receipt->setObjectName(QStringLiteral("receiptPlainTextEdit"));
    m_receipt->setAccessibleName(tr("Receipt"));
    m_receipt->setReadOnly(true);
    m_receipt->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_receipt->setPlaceholderText(tr("The receipt of each revoked key appears here."));
    layout->addWidget(m_receipt, 1);
    auto *buttons = new QDialogButtonBox(this);
    m_stop->setObjectName(QStringLiteral("stopRunsConfirmPushButton"));
    QPalette danger = m_stop->palette();
    danger.setColor(QPalette::ButtonText, ConsoleColors::danger(palette()));
    m_stop->setPalette(danger);
    buttons->addButton(m_stop, QDialogButtonBox::ActionRole);
    buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(buttons);

    connect(m_prefix, &QLineEdit::textChanged, this, [this] {
        m_previewCount = -1;
        m_impact->clear();
        updateButtons();
    });
    connect(m_vendor, &QComboBox::currentIndexChanged, this, [this] {
        m_previewCount = -1;
        m_impact->clear();
        updateButtons();
    });
    connect(m_confirm, &QLineEdit::textChanged, this, &StopRunsDialog::updateButtons);
    connect(m_prefix, &QLineEdit::returnPressed, this, &StopRunsDialog::preview);
    connect(m_preview, &QPushButton::clicked, this, &StopRunsDialog::preview);
    connect(m_stop, &QPushButton::clicked, this, &StopRunsDialog::stop);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateButtons();
}

StopRunsDialog::~StopRunsDialog()
{
    if (m_request)
        m_request->cancel();
}

void StopRunsDialog::updateButtons()
{
    const QString prefix = m_prefix->text().trimmed();
    m_preview->setEnabled(!prefix.isEmpty() && !m_request);
    const bool confirmed = !m_confirm->isVisible() || m_confirm->text().trimmed() == prefix;
    m_stop->setEnabled(!m_request && m_previewCount > 0 && prefix == m_previewedPrefix && confirmed
                       && m_session->allows(client::AdminRole::Operator));
    m_stop->setText(m_previewCount > 0 ? tr("Stop %n key(s)", nullptr, int(m_previewCount))
                                       : tr("Stop runs"));
}

void StopRunsDialog::preview()
{
    const QString prefix = m_prefix->text().trimmed();
    if (prefix.isEmpty() || m_request)
        return;
    m_impact->setText(tr("Counting…"));
    m_request = m_session->client()->revokeKeys(
        client::BulkRevokeRequest::byLabelPrefix(prefix, m_vendor->currentData().toString(), true),
        this, [this, prefix](const client::Result<client::BulkRevokeResult> &result) {
            if (!result) {
                m_impact->setText(result.error().message);
                m_previewCount = -1;
            } else {
                m_previewedPrefix = prefix;
                m_previewCount = result->revoked;
                m_impact->setText(
                    result->revoked == 0
                        ? tr("No active key has a run label starting with "
                             "“%1”.")
                              .arg(prefix)
                        : tr("This stops %n key(s), %1 held.", nullptr, int(result->revoked))
                              .arg(UsdText::display(result->heldUsd)));
            }
            // The request object outlives its callback briefly; it is done all the same.
            m_request.clear();
            updateButtons();
        });
    updateButtons();
}

void StopRunsDialog::stop()
{
    const QString prefix = m_prefix->text().trimmed();
    if (prefix != m_previewedPrefix || m_request)
        return;
    m_request = m_session->client()->revokeKeys(
        client::BulkRevokeRequest::byLabelPrefix(prefix, m_vendor->currentData().toString()), this,
        [this](const client::Result<client::BulkRevokeResult> &result) {
            if (!result) {
                m_impact->setText(tr("Nothing was stopped: %1").arg(result.error().message));
            } else {
                const TimeFormatter time = m_session->timeFormatter();
                QStringList lines;
                for (const QString &keyId : result->keyIds)
                    lines.append(
                        tr("%1  revoked %2").arg(keyId, time.clock(result->revokedAt, true)));
                m_receipt->setPlainText(lines.join(QLatin1Char('\n')));
                m_impact->setText(tr("Stopped %n key(s) at %1 %2.", nullptr, int(result->revoked))
                                      .arg(time.clock(result->revokedAt, true), time.zoneName()));
                m_previewCount = -1;
                Q_EMIT runsStopped(int(result->revoked));
            }
            // The request object outlives its callback briefly; it is done all the same.
            m_request.clear();
            updateButtons();
        });
    updateButtons();
}

} // namespace keybrake
