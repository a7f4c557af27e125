#include "ui/onetimesecretdialog.h"

#include "models/usdtext.h"
#include "ui/clipboardguard.h"
#include "ui/messagebanner.h"
#include "ui/themedicon.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace keybrake {

namespace {

QString vendorBase(const QUrl &server, const QString &vendor)
{
    QString base = server.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
    return base + QLatin1Char('/') + vendor;
}

// The route of the key's first allowed operation, for a curl line that the key may call.
QPair<QString, QString> firstRoute(const client::VaultKey &key,
                                   const client::VendorCatalog &catalog)
{
    for (const QString &endpoint : key.allowedEndpoints) {
        const qsizetype space = endpoint.indexOf(QLatin1Char(' '));
        if (space > 0)
            return {endpoint.left(space), endpoint.mid(space + 1)};
        if (const client::VendorInfo *info = catalog.find(key.vendor)) {
            for (const client::VendorOperation &operation : info->operations) {
                if (operation.name == endpoint)
                    return {operation.method, operation.path};
            }
        }
    }
    if (key.vendor == QLatin1String("twilio"))
        return {QStringLiteral("POST"),
                QStringLiteral("/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json")};
    if (key.vendor == QLatin1String("resend"))
        return {QStringLiteral("POST"), QStringLiteral("/emails")};
    return {QStringLiteral("GET"), QStringLiteral("/v1/customers")};
}

} // namespace

OneTimeSecretDialog::OneTimeSecretDialog(const client::IssuedKey &issued, const QUrl &server,
                                         const client::VendorCatalog &catalog, QWidget *parent)
    : QDialog(parent)
    , m_key(new QLineEdit(this))
    , m_copy(new QPushButton(ThemedIcon::icon(QStringLiteral("copy")), tr("Copy"), this))
    , m_countdown(new QLabel(this))
    , m_environment(new QPlainTextEdit(this))
    , m_curl(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("oneTimeSecretDialog"));
    setWindowTitle(tr("Your New Vault Key"));
    setMinimumWidth(760);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 16, 18, 14);
    layout->setSpacing(8);

    const client::VaultKey &key = issued.key;
    auto *title = new QLabel(tr("Vault key for “%1” issued").arg(key.name.toHtmlEscaped()), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    title->setFont(titleFont);
    layout->addWidget(title);
    auto *facts = new QLabel(
        tr("%1 · max %2 per day · expires %3 · id %4")
            .arg(key.vendor.left(1).toUpper() + key.vendor.mid(1),
                 UsdText::display(key.dailyUsdCap),
                 key.expiresAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")),
                 key.keyId),
        this);
    facts->setForegroundRole(QPalette::PlaceholderText);
    facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(facts);

    auto *warning = new MessageBanner(this);
    warning->showMessage(MessageBanner::Kind::Warning,
                         tr("This key will not be shown again. Keybrake keeps only its hash: copy "
                            "it now into your agent's secret store."));
    warning->findChild<QWidget *>(QStringLiteral("messageBannerCloseToolButton"))->hide();
    layout->addWidget(warning);

    auto *keyRow = new QHBoxLayout;
    m_key->setObjectName(QStringLiteral("vaultKeyLineEdit"));
    m_key->setAccessibleName(tr("Vault key"));
    m_key->setReadOnly(true);
    m_key->setText(issued.vaultKey);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(mono.pointSizeF() * 1.1);
    m_key->setFont(mono);
    m_key->setMinimumHeight(m_key->sizeHint().height() + 6);
    m_copy->setObjectName(QStringLiteral("copyVaultKeyPushButton"));
    m_copy->setAccessibleName(tr("Copy the vault key"));
    m_copy->setDefault(true);
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(m_copy);
    layout->addLayout(keyRow);
    m_countdown->setObjectName(QStringLiteral("clipboardCountdownLabel"));
    m_countdown->setText(tr("Copy puts the key on the clipboard for %n second(s), then clears it.",
                            nullptr, ClipboardGuard::DefaultSeconds));
    m_countdown->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_countdown);

    const QString base = vendorBase(server, key.vendor);
    layout->addSpacing(4);
    layout->addWidget(new QLabel(tr("Environment variables for the agent"), this));
    m_environment->setObjectName(QStringLiteral("environmentPlainTextEdit"));
    m_environment->setAccessibleName(tr("Environment variables"));
    m_environment->setReadOnly(true);
    m_environment->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_environment->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_environment->setPlainText(QStringLiteral("export KEYBRAKE_VAULT_KEY='%1'\n"
                                               "export KEYBRAKE_BASE_URL='%2'\n")
                                    .arg(issued.vaultKey, base));
    m_environment->setMaximumHeight(m_environment->fontMetrics().height() * 3 + 12);
    layout->addWidget(m_environment);

    layout->addWidget(new QLabel(tr("Try it"), this));
    m_curl->setObjectName(QStringLiteral("curlExamplePlainTextEdit"));
    m_curl->setAccessibleName(tr("curl example"));
    m_curl->setReadOnly(true);
    m_curl->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_curl->setLineWrapMode(QPlainTextEdit::NoWrap);
    const auto [method, path] = firstRoute(key, catalog);
    QStringList curl = {
        QStringLiteral("curl -sS -X %1 \"$KEYBRAKE_BASE_URL%2\"").arg(method, path)};
    const bool post = method == QLatin1String("POST");
    if (key.vendor == QLatin1String("twilio")) {
        curl.append(QStringLiteral("  -u \"$TWILIO_ACCOUNT_SID:$KEYBRAKE_VAULT_KEY\""));
        if (post)
            curl.append(QStringLiteral("  --data-urlencode To=+15550002222 --data-urlencode "
                                       "From=+15550001111 --data-urlencode 'Body=Hello'"));
    } else {
        curl.append(QStringLiteral("  -H \"Authorization: Bearer $KEYBRAKE_VAULT_KEY\""));
        if (post && key.vendor == QLatin1String("resend"))
            curl.append(
                QStringLiteral("  -H 'Content-Type: application/json' -d "
                               "'{\"from\":\"you@example.com\",\"to\":[\"them@example.org\"],"
                               "\"subject\":\"Hello\",\"html\":\"<p>Hello</p>\"}'"));
        else if (post)
            curl.append(QStringLiteral("  -d amount=500 -d currency=usd -d source=tok_visa"));
    }
    m_curl->setPlainText(curl.join(QStringLiteral(" \\\n")));
    m_curl->setMaximumHeight(m_curl->fontMetrics().height() * 5);
    layout->addWidget(m_curl);

    auto *buttons = new QDialogButtonBox(this);
    QPushButton *done =
        buttons->addButton(tr("I have stored the key"), QDialogButtonBox::AcceptRole);
    done->setObjectName(QStringLiteral("doneButton"));
    done->setAutoDefault(false);
    layout->addWidget(buttons);

    connect(m_copy, &QPushButton::clicked, this, &OneTimeSecretDialog::copyKey);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(ClipboardGuard::instance(), &ClipboardGuard::tick, this, &OneTimeSecretDialog::onTick);
}

OneTimeSecretDialog::~OneTimeSecretDialog() = default;

QString OneTimeSecretDialog::environmentText() const
{
    return m_environment->toPlainText();
}

QString OneTimeSecretDialog::curlText() const
{
    return m_curl->toPlainText();
}

QString OneTimeSecretDialog::countdownText() const
{
    return m_countdown->text();
}

void OneTimeSecretDialog::copyKey()
{
    const QString secret = m_key->text();
    if (secret.isEmpty())
        return;
    ClipboardGuard::instance()->copySecret(secret);
    // Only what really reached the clipboard counts as copied.
    if (QGuiApplication::clipboard()->text() != secret) {
        m_countdown->setText(tr("The clipboard did not take the key. Select it and press "
                                "Ctrl+C, or copy the environment variables below."));
        return;
    }
    m_copied = true;
    onTick(ClipboardGuard::instance()->secondsLeft());
}

void OneTimeSecretDialog::onTick(int secondsLeft)
{
    // The guard counts down for the last secret copied by any dialog: say nothing about a key
    // this dialog did not copy, or that has since left the clipboard.
    if (!m_copied)
        return;
    if (secondsLeft > 0 && QGuiApplication::clipboard()->text() != m_key->text()) {
        m_countdown->setText(tr("This key is no longer on the clipboard (something else was "
                                "copied since)."));
        return;
    }
    if (secondsLeft > 0)
        m_countdown->setText(
            tr("Copied. The clipboard will be cleared in %n second(s).", nullptr, secondsLeft));
    else
        m_countdown->setText(tr("The clipboard has been cleared."));
}

bool OneTimeSecretDialog::confirmCloseWithoutCopy()
{
    QMessageBox box(QMessageBox::Warning, tr("Close without copying?"),
                    tr("The vault key has not been copied. Keybrake keeps only its hash: once "
                       "this window closes, the key cannot be shown again and a new one must be "
                       "issued."),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("closeWithoutCopyMessageBox"));
    QPushButton *back = box.addButton(tr("Back to the key"), QMessageBox::RejectRole);
    QPushButton *discard =
        box.addButton(tr("Close, discard the key"), QMessageBox::DestructiveRole);
    box.setDefaultButton(back);
    box.setEscapeButton(back);
    box.exec();
    return box.clickedButton() == discard;
}

void OneTimeSecretDialog::done(int result)
{
    // Escape or the window's close button before anything was copied: the key would be lost.
    if (result == QDialog::Rejected && !m_copied && !m_key->text().isEmpty()
        && !confirmCloseWithoutCopy())
        return;
    // Leave nothing of the secret in the widgets (the clipboard guard keeps only a hash).
    m_key->clear();
    m_environment->clear();
    QDialog::done(result);
}

} // namespace keybrake
