#include "ui/stoprunsdialog.h"

#include "client/auditpage.h"
#include "client/auditquery.h"
#include "client/keybrakeclient.h"
#include "models/consolesession.h"
#include "models/livefeed.h"
#include "models/usdtext.h"
#include "models/vendortext.h"
#include "ui/consolecolors.h"
#include "ui/themedicon.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QVBoxLayout>

#include <algorithm>

namespace keybrake {

StopRunsDialog::StopRunsDialog(ConsoleSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_prefix(new QLineEdit(this))
    , m_vendor(new QComboBox(this))
    , m_block(new QCheckBox(this))
    , m_blockFor(new QComboBox(this))
    , m_reason(new QLineEdit(this))
    , m_preview(new QPushButton(tr("Preview"), this))
    , m_impact(new QLabel(this))
    , m_confirmLabel(new QLabel(this))
    , m_confirm(new QLineEdit(this))
    , m_stop(new QPushButton(ThemedIcon::icon(QStringLiteral("stop-runs")), tr("Stop runs"), this))
    , m_receipt(new QPlainTextEdit(this))
    , m_export(new QPushButton(tr("&Export receipt…"), this))
{
    setObjectName(QStringLiteral("stopRunsDialog"));
    setWindowTitle(tr("Stop Runs — Revoke by Label Prefix"));
    resize(940, 540);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 16, 18, 14);
    auto *intro = new QLabel(tr("Revoke every active vault key whose run label starts with a "
                                "prefix: their next calls get 401. Blocking the prefix too stops "
                                "an agent that issues itself new keys: its new keys and their "
                                "calls are refused (403) for as long as the block lasts."),
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
    for (const QString &vendor : VendorText::known())
        m_vendor->addItem(VendorText::displayName(vendor), vendor);
    auto *vendorLabel = new QLabel(tr("&Vendor:"), this);
    vendorLabel->setBuddy(m_vendor);
    form->addRow(vendorLabel, m_vendor);
    // Blocking is the default: revoking alone did not stop an agent that re-issues keys.
    auto *blockRow = new QHBoxLayout;
    m_block->setObjectName(QStringLiteral("blockPrefixCheckBox"));
    m_block->setText(tr("Also refuse &new keys and calls under this prefix for"));
    m_block->setChecked(true);
    m_block->setToolTip(tr("Creates a prefix block with the revoke: the agent's issuer cannot "
                           "mint a replacement key under the prefix, and no call under it is "
                           "admitted, until the block ends or is lifted (Blocks page)."));
    m_blockFor->setObjectName(QStringLiteral("blockDurationComboBox"));
    m_blockFor->setAccessibleName(tr("Block duration"));
    m_blockFor->addItem(tr("15 min"), 15 * 60);
    m_blockFor->addItem(tr("1 h"), 3600);
    m_blockFor->addItem(tr("4 h"), 4 * 3600);
    m_blockFor->addItem(tr("24 h"), 24 * 3600);
    m_blockFor->addItem(tr("until lifted"), 0);
    m_blockFor->setCurrentIndex(1);
    blockRow->addWidget(m_block);
    blockRow->addWidget(m_blockFor);
    blockRow->addStretch(1);
    form->addRow(QString(), blockRow);
    m_reason->setObjectName(QStringLiteral("stopReasonLineEdit"));
    m_reason->setAccessibleName(tr("Reason"));
    m_reason->setMaxLength(500);
    m_reason->setPlaceholderText(tr("optional, e.g. \u201crunaway: 40 charges a minute\u201d — "
                                    "kept on each key, the block and the audit log"));
    auto *reasonLabel = new QLabel(tr("&Reason:"), this);
    reasonLabel->setBuddy(m_reason);
    form->addRow(reasonLabel, m_reason);
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
    m_receipt->setPlaceholderText(
        tr("The revoke receipt appears here: each key with the server's revocation time, and "
           "every call admitted between your click and the revocation."));
    m_receipt->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(m_receipt, 1);
    auto *buttons = new QDialogButtonBox(this);
    m_export->setObjectName(QStringLiteral("exportReceiptPushButton"));
    m_export->setAutoDefault(false);
    m_export->setEnabled(false);
    m_export->setToolTip(tr("Save the receipt as text, or as CSV with a .csv name"));
    buttons->addButton(m_export, QDialogButtonBox::ActionRole);
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
    connect(m_block, &QCheckBox::toggled, m_blockFor, &QWidget::setEnabled);
    connect(m_block, &QCheckBox::toggled, this, &StopRunsDialog::updateButtons);
    m_blockPoll.setInterval(2000);
    connect(&m_blockPoll, &QTimer::timeout, this, &StopRunsDialog::readBlock);
    connect(m_prefix, &QLineEdit::returnPressed, this, &StopRunsDialog::preview);
    connect(m_preview, &QPushButton::clicked, this, &StopRunsDialog::preview);
    connect(m_stop, &QPushButton::clicked, this, &StopRunsDialog::stop);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString name = QFileDialog::getSaveFileName(
            this, tr("Export Revoke Receipt"),
            QStringLiteral("keybrake-revoke-receipt-%1.txt")
                .arg(m_receiptData.revokedAt.toUTC().toString(QStringLiteral("yyyyMMddThhmmssZ"))),
            tr("Text (*.txt);;CSV (*.csv)"));
        QString error;
        if (!name.isEmpty() && !exportReceipt(name, &error))
            m_impact->setText(tr("The receipt was not saved: %1").arg(error));
    });
    // The live stream tells when each key was revoked and which calls got through meanwhile.
    connect(
        session->live(), &LiveFeed::eventReceived, this,
        [this](const client::EventMessage &message) {
            if (!m_revoking || message.type != u"key.revoked")
                return;
            m_streamRevokedAt.insert(
                message.data.value(QStringLiteral("key_id")).toString(),
                QDateTime::fromString(message.data.value(QStringLiteral("revoked_at")).toString(),
                                      Qt::ISODateWithMs));
            m_revokedKeyNames.insert(
                message.data.value(QStringLiteral("key_id")).toString(),
                {message.data.value(QStringLiteral("name")).toString(),
                 message.data.value(QStringLiteral("agent_run_label")).toString()});
            if (m_auditDone)
                finishReceipt();
        });
    connect(session->live(), &LiveFeed::callReceived, this, [this](const client::AuditEntry &call) {
        if (!call.agentRunLabel.startsWith(m_receiptData.prefix)
            || (!m_receiptData.vendor.isEmpty() && call.vendor != m_receiptData.vendor))
            return;
        if (m_revoking)
            m_streamCalls.append(call);
        else if (m_hasReceipt)
            addLateCall(call);
    });
    m_streamWait.setSingleShot(true);
    m_streamWait.setInterval(5000);
    connect(&m_streamWait, &QTimer::timeout, this, [this] {
        m_streamWaitExpired = true;
        finishReceipt();
    });
    updateButtons();
}

void StopRunsDialog::setPrefix(const QString &prefix)
{
    m_prefix->setText(prefix);
    preview();
}

bool StopRunsDialog::exportReceipt(const QString &fileName, QString *error) const
{
    QFile file(fileName);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    const QByteArray bytes = fileName.endsWith(QStringLiteral(".csv"), Qt::CaseInsensitive)
        ? m_receiptData.toCsv()
        : m_receiptData.toText(m_session->timeFormatter()).toUtf8() + '\n';
    if (file.write(bytes) != bytes.size()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

StopRunsDialog::~StopRunsDialog()
{
    if (m_request)
        m_request->cancel();
    if (m_blockRequest)
        m_blockRequest->cancel();
}

std::chrono::seconds StopRunsDialog::blockDuration() const
{
    return std::chrono::seconds(m_blockFor->currentData().toInt());
}

void StopRunsDialog::readBlock()
{
    if (!m_receiptData.block || m_blockRequest)
        return;
    // Every block, ended ones too: the receipt keeps counting until the dialog closes.
    m_blockRequest = m_session->client()->blocks(
        true, this, [this](const client::Result<QList<client::PrefixBlock>> &result) {
            m_blockRequest.clear();
            if (!result || !m_receiptData.block)
                return;
            for (const client::PrefixBlock &block : *result) {
                if (block.id != m_receiptData.block->id || block == *m_receiptData.block)
                    continue;
                m_receiptData.block = block;
                if (m_hasReceipt) {
                    showReceipt();
                    Q_EMIT receiptUpdated();
                }
            }
        });
}

void StopRunsDialog::updateButtons()
{
    const QString prefix = m_prefix->text().trimmed();
    m_preview->setEnabled(!prefix.isEmpty() && !m_request);
    const bool confirmed = !m_confirm->isVisible() || m_confirm->text().trimmed() == prefix;
    m_stop->setEnabled(!m_request && m_previewCount > 0 && prefix == m_previewedPrefix && confirmed
                       && m_session->allows(client::AdminRole::Operator));
    const bool block = m_block->isChecked();
    m_stop->setText(m_previewCount > 0
                        ? (block ? tr("Stop %n key(s) and block", nullptr, int(m_previewCount))
                                 : tr("Stop %n key(s)", nullptr, int(m_previewCount)))
                        : tr("Stop runs"));
    // A greyed Stop must say why (issue 13: "Stop 1 key" before the confirmation did nothing,
    // silently).
    QString why;
    if (m_request)
        why = tr("Waiting for the server.");
    else if (!m_session->allows(client::AdminRole::Operator))
        why = tr("Stopping runs needs an operator or admin key.");
    else if (m_previewCount <= 0 || prefix != m_previewedPrefix)
        why = tr("Preview the prefix first: Stop acts on exactly what the preview counted.");
    else if (!confirmed)
        why = tr("Type the prefix \u201c%1\u201d again in the confirmation box to enable Stop.")
                  .arg(prefix);
    m_stop->setToolTip(why);
    if (m_confirm->isVisible())
        m_confirmLabel->setText(
            m_previewCount > 0 && prefix == m_previewedPrefix && !confirmed
                ? tr("This is PRODUCTION. Type the prefix again to confirm — Stop stays disabled "
                     "until it matches:")
                : tr("This is PRODUCTION. Type the prefix again to confirm:"));
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
    m_receiptData = RevokeReceipt();
    m_hasReceipt = false;
    m_export->setEnabled(false);
    m_receiptData.profileName = m_session->profile().name;
    m_receiptData.serverUrl = m_session->profile().url.toString();
    m_receiptData.prefix = prefix;
    m_receiptData.vendor = m_vendor->currentData().toString();
    m_receiptData.clickedAt = QDateTime::currentDateTimeUtc();
    m_receiptData.reason = m_reason->text().trimmed();
    m_blockPoll.stop();
    m_streamRevokedAt.clear();
    m_revokedKeyNames.clear();
    m_streamCalls.clear();
    m_auditDone = false;
    m_streamWaitExpired = false;
    m_revoking = true;
    m_receipt->clear();
    client::BulkRevokeRequest request =
        client::BulkRevokeRequest::byLabelPrefix(prefix, m_receiptData.vendor);
    request.reason = m_receiptData.reason;
    if (m_block->isChecked()) {
        request.block = true;
        request.blockExpiresIn = blockDuration();
        // The server wants a reason for a block; the operator's if given, else what happened.
        if (request.reason.isEmpty())
            request.reason = tr("Stop runs from the console (no reason given)");
    }
    m_request = m_session->client()->revokeKeys(
        request, this, [this](const client::Result<client::BulkRevokeResult> &result) {
            // The request object outlives its callback briefly; it is done all the same.
            m_request.clear();
            if (!result) {
                m_revoking = false;
                m_impact->setText(tr("Nothing was stopped: %1").arg(result.error().message));
                updateButtons();
                return;
            }
            const TimeFormatter time = m_session->timeFormatter();
            m_receiptData.revokedAt = result->revokedAt;
            m_receiptData.heldUsd = result->heldUsd;
            m_receiptData.block = result->block;
            if (result->block)
                m_blockPoll.start();
            for (const QString &keyId : result->keyIds)
                m_receiptData.keys.append({keyId, {}, {}, result->revokedAt});
            m_impact->setText(tr("Stopped %n key(s) at %1 %2.", nullptr, int(result->revoked))
                                  .arg(time.clock(result->revokedAt, true), time.zoneName())
                              + QLatin1Char(' ')
                              + tr("Reading the audit log for calls admitted meanwhile…"));
            m_previewCount = -1;
            Q_EMIT runsStopped(int(result->revoked));
            readAdmittedCalls(QString());
            updateButtons();
        });
    updateButtons();
}

void StopRunsDialog::readAdmittedCalls(const QString &cursor)
{
    client::AuditQuery query;
    query.labelPrefix = m_receiptData.prefix;
    query.vendor = m_receiptData.vendor;
    query.since = m_receiptData.clickedAt;
    query.limit = 1000;
    query.cursor = cursor;
    m_request = m_session->client()->audit(query, this,
                                           [this](const client::Result<client::AuditPage> &page) {
                                               m_request.clear();
                                               if (!page) {
                                                   m_receiptData.auditError = page.error().message;
                                                   m_auditDone = true;
                                                   finishReceipt();
                                                   return;
                                               }
                                               for (const client::AuditEntry &call : page->data) {
                                                   if (m_receiptData.admittedBeforeRevoke(call))
                                                       m_receiptData.admitted.append(call);
                                               }
                                               if (page->hasMore()) {
                                                   readAdmittedCalls(page->nextCursor);
                                                   return;
                                               }
                                               m_receiptData.auditRead = true;
                                               m_auditDone = true;
                                               finishReceipt();
                                           });
}

void StopRunsDialog::addLateCall(const client::AuditEntry &call)
{
    // A call admitted before the revocation but still at the vendor then (its hold is in
    // "held") is written to the audit log when it completes, after the receipt was made.
    const bool ours =
        std::any_of(m_receiptData.keys.cbegin(), m_receiptData.keys.cend(),
                    [&](const RevokeReceipt::Key &k) { return k.keyId == call.keyId; });
    if (!ours || !m_receiptData.admittedBeforeRevoke(call))
        return;
    for (const client::AuditEntry &known : std::as_const(m_receiptData.admitted)) {
        if (known.id == call.id)
            return;
    }
    m_receiptData.admitted.append(call);
    ++m_receiptData.streamAdmitted;
    showReceipt();
    Q_EMIT receiptUpdated();
}

void StopRunsDialog::showReceipt()
{
    std::sort(m_receiptData.admitted.begin(), m_receiptData.admitted.end(),
              [](const auto &a, const auto &b) { return a.id.toLongLong() < b.id.toLongLong(); });
    const TimeFormatter time = m_session->timeFormatter();
    m_receipt->setPlainText(m_receiptData.toText(time));
    const client::PrefixBlock *block = m_receiptData.block ? &*m_receiptData.block : nullptr;
    m_impact->setText(
        tr("Stopped %n key(s) at %1 %2.", nullptr, int(m_receiptData.keys.size()))
            .arg(time.clock(m_receiptData.revokedAt, true), time.zoneName())
        + QLatin1Char(' ')
        + (block ? tr("Prefix blocked %1; refused since: %2, %3.")
                       .arg(block->endsAt.isValid()
                                ? tr("until %1 %2")
                                      .arg(time.clock(block->endsAt), time.zoneName(block->endsAt))
                                : tr("until lifted"),
                            tr("%n call(s)", nullptr, int(block->refusedCalls)),
                            tr("%n new key(s)", nullptr, int(block->refusedIssuances)))
                   + QLatin1Char(' ')
                 : QString())
        + (m_receiptData.auditRead
               ? tr("Calls admitted between your click and the revocation: %1.")
                     .arg(m_receiptData.admitted.size())
               : tr("The audit log could not be read: %1").arg(m_receiptData.auditError)));
}

void StopRunsDialog::finishReceipt()
{
    if (!m_revoking)
        return;
    // Events come in commit order, so once the stream has delivered every key's key.revoked it
    // has delivered every call admitted before them too. The stream may be down: not forever.
    const bool allRevokedSeen = std::all_of(
        m_receiptData.keys.cbegin(), m_receiptData.keys.cend(),
        [this](const RevokeReceipt::Key &key) { return m_streamRevokedAt.contains(key.keyId); });
    if (!allRevokedSeen && m_session->live()->isLive() && !m_streamWaitExpired) {
        if (!m_streamWait.isActive())
            m_streamWait.start();
        return;
    }
    m_streamWait.stop();
    m_revoking = false;
    // The server's own time for each key, from its key.revoked event where the stream had it.
    for (RevokeReceipt::Key &key : m_receiptData.keys) {
        if (const QDateTime at = m_streamRevokedAt.value(key.keyId); at.isValid())
            key.revokedAt = at;
    }
    // Names and labels of the keys, from their key.revoked events.
    for (RevokeReceipt::Key &key : m_receiptData.keys) {
        const auto found = m_revokedKeyNames.constFind(key.keyId);
        if (found != m_revokedKeyNames.constEnd()) {
            key.name = found->first;
            key.label = found->second;
        }
    }
    // A call event is written with its audit row: a call the stream saw completing after the
    // audit read is in the log all the same.
    QSet<QString> listed;
    for (const client::AuditEntry &call : std::as_const(m_receiptData.admitted))
        listed.insert(call.id);
    int streamAdmitted = 0;
    for (const client::AuditEntry &call : std::as_const(m_streamCalls)) {
        if (!m_receiptData.admittedBeforeRevoke(call))
            continue;
        ++streamAdmitted;
        if (!listed.contains(call.id) && m_receiptData.auditRead)
            m_receiptData.admitted.append(call);
    }
    if (m_session->live()->isLive() || !m_streamCalls.isEmpty())
        m_receiptData.streamAdmitted = streamAdmitted;
    m_hasReceipt = true;
    showReceipt();
    m_export->setEnabled(true);
    updateButtons();
    Q_EMIT receiptReady();
}

} // namespace keybrake
