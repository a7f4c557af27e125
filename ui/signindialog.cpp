#include "ui/signindialog.h"

#include "client/keybrakeclient.h"
#include "client/serveraddress.h"
#include "models/consolesession.h"
#include "models/secretstore.h"
#include "ui/consolecolors.h"
#include "ui/messagebanner.h"
#include "ui/themedicon.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace keybrake {

namespace {

QByteArray normalisedFingerprint(const QString &fingerprint)
{
    QString hex = fingerprint;
    hex.remove(QLatin1Char(':'));
    return hex.trimmed().toLower().toLatin1();
}

} // namespace

SignInDialog::SignInDialog(SecretStore *keychain, SecretStore *sessionStore,
                           const std::optional<ServerProfile> &profile, const QString &reason,
                           QWidget *parent)
    : QDialog(parent)
    , m_keychain(keychain)
    , m_sessionStore(sessionStore)
    , m_profile(profile.value_or(ServerProfile::create({}, {}, ServerEnvironment::Development)))
    , m_editing(profile.has_value())
    , m_probe(new client::KeybrakeClient(this))
{
    setObjectName(QStringLiteral("signInDialog"));
    setWindowTitle(m_editing ? tr("Sign In to %1").arg(m_profile.name)
                             : tr("Connect to a Keybrake Server"));
    buildUi();
    if (!reason.isEmpty())
        m_keychainBanner->showMessage(MessageBanner::Kind::Information, reason);
    if (m_editing) {
        m_name->setText(m_profile.name);
        m_url->setText(m_profile.url.toString());
        m_allowPlainHttp->setChecked(m_profile.allowPlainHttp);
        m_environment->setCurrentIndex(m_environment->findData(int(m_profile.environment)));
        m_key->setPlaceholderText(tr("Saved in the keychain; type a new key to replace it"));
        m_key->setFocus();
    }
    updatePinLabel();
    updateEnvironmentSwatch();
    adjustSize();
}

SignInDialog::~SignInDialog()
{
    if (m_request)
        m_request->cancel();
    m_key->clear();
}

void SignInDialog::buildUi()
{
    setMinimumWidth(660);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(22, 18, 22, 16);
    layout->setSpacing(10);

    auto *header = new QHBoxLayout;
    auto *logo = new QLabel(this);
    logo->setPixmap(QIcon(QStringLiteral(":/icons/keybrake.svg")).pixmap(44, 44));
    auto *titles = new QVBoxLayout;
    auto *title = new QLabel(m_editing ? tr("Sign in to %1").arg(m_profile.name.toHtmlEscaped())
                                       : tr("Connect to a Keybrake server"),
                             this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    title->setFont(titleFont);
    auto *subtitle = new QLabel(tr("The admin key is kept in your system keychain, never in a "
                                   "file, and is not shown again."),
                                this);
    subtitle->setWordWrap(true);
    subtitle->setForegroundRole(QPalette::PlaceholderText);
    titles->addWidget(title);
    titles->addWidget(subtitle);
    header->addWidget(logo, 0, Qt::AlignTop);
    header->addSpacing(8);
    header->addLayout(titles, 1);
    layout->addLayout(header);
    layout->addSpacing(6);

    auto *form = new QFormLayout;
    form->setVerticalSpacing(8);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("profileNameLineEdit"));
    m_name->setAccessibleName(tr("Profile name"));
    m_name->setPlaceholderText(tr("acme-prod"));
    auto *nameLabel = new QLabel(tr("Profile &name:"), this);
    nameLabel->setBuddy(m_name);
    form->addRow(nameLabel, m_name);

    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("serverUrlLineEdit"));
    m_url->setAccessibleName(tr("Server URL"));
    m_url->setPlaceholderText(QStringLiteral("https://keybrake.example.internal"));
    auto *urlLabel = new QLabel(tr("&Server URL:"), this);
    urlLabel->setBuddy(m_url);
    form->addRow(urlLabel, m_url);
    m_allowPlainHttp = new QCheckBox(
        tr("Allow plain HTTP to this server: the admin key crosses the network unencrypted"), this);
    m_allowPlainHttp->setObjectName(QStringLiteral("allowPlainHttpCheckBox"));
    m_allowPlainHttp->setAccessibleName(tr("Allow plain HTTP to this server"));
    m_allowPlainHttp->hide();
    form->addRow(QString(), m_allowPlainHttp);

    auto *envRow = new QHBoxLayout;
    m_environment = new QComboBox(this);
    m_environment->setObjectName(QStringLiteral("environmentComboBox"));
    m_environment->setAccessibleName(tr("Environment"));
    for (ServerEnvironment environment : allEnvironments())
        m_environment->addItem(environmentDisplayName(environment), int(environment));
    m_swatch = new QLabel(this);
    m_swatch->setObjectName(QStringLiteral("environmentSwatchLabel"));
    m_swatch->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    envRow->addWidget(m_environment);
    envRow->addWidget(m_swatch);
    envRow->addStretch(1);
    auto *envLabel = new QLabel(tr("&Environment:"), this);
    envLabel->setBuddy(m_environment);
    form->addRow(envLabel, envRow);

    auto *keyRow = new QHBoxLayout;
    m_key = new QLineEdit(this);
    m_key->setObjectName(QStringLiteral("adminKeyLineEdit"));
    m_key->setAccessibleName(tr("Admin API key"));
    m_key->setPlaceholderText(QStringLiteral("kb_…"));
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_showKey = new QToolButton(this);
    m_showKey->setObjectName(QStringLiteral("showKeyToolButton"));
    m_showKey->setText(tr("Show"));
    m_showKey->setCheckable(true);
    m_showKey->setAccessibleName(tr("Show the admin key while typing"));
    m_showKey->setToolTip(tr("Show the key while you type it"));
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(m_showKey);
    auto *keyLabel = new QLabel(tr("Admin &key:"), this);
    keyLabel->setBuddy(m_key);
    form->addRow(keyLabel, keyRow);
    auto *keyHint = new QLabel(
        tr("No key yet? keybraked prints the first admin key once, on its first start. An "
           "administrator makes more with <tt>keybraked admin-keys create --role admin --name "
           "<i>you</i></tt> (or viewer, issuer, operator)."),
        this);
    keyHint->setObjectName(QStringLiteral("adminKeyHintLabel"));
    keyHint->setWordWrap(true);
    keyHint->setTextFormat(Qt::RichText);
    keyHint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    keyHint->setForegroundRole(QPalette::PlaceholderText);
    form->addRow(QString(), keyHint);

    auto *pinRow = new QHBoxLayout;
    m_pin = new QLabel(this);
    m_pin->setObjectName(QStringLiteral("pinnedCertificateLabel"));
    m_pin->setWordWrap(true);
    m_pin->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_forgetPin = new QPushButton(tr("Forget"), this);
    m_forgetPin->setObjectName(QStringLiteral("forgetPinPushButton"));
    m_forgetPin->setAccessibleName(tr("Forget the pinned certificate"));
    m_forgetPin->setAutoDefault(false);
    pinRow->addWidget(m_pin, 1);
    pinRow->addWidget(m_forgetPin);
    form->addRow(tr("Certificate:"), pinRow);
    layout->addLayout(form);

    auto *testRow = new QHBoxLayout;
    m_test =
        new QPushButton(ThemedIcon::icon(QStringLiteral("check")), tr("&Test connection"), this);
    m_test->setObjectName(QStringLiteral("testConnectionPushButton"));
    m_test->setAutoDefault(false);
    testRow->addWidget(m_test);
    testRow->addStretch(1);
    layout->addLayout(testRow);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("connectionResultLabel"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setTextFormat(Qt::RichText);
    layout->addWidget(m_result);
    m_trust = new QPushButton(ThemedIcon::icon(QStringLiteral("lock")),
                              tr("Trust this certificate for this profile"), this);
    m_trust->setObjectName(QStringLiteral("trustCertificatePushButton"));
    m_trust->setAutoDefault(false);
    m_trust->hide();
    layout->addWidget(m_trust, 0, Qt::AlignLeft);

    m_keychainBanner = new MessageBanner(this);
    m_keychainBanner->setObjectName(QStringLiteral("keychainBanner"));
    layout->addWidget(m_keychainBanner);
    m_sessionOnly = new QPushButton(tr("Use for this session only"), this);
    m_sessionOnly->setObjectName(QStringLiteral("sessionOnlyPushButton"));
    m_sessionOnly->setToolTip(tr("Keep the key in memory until the console closes; nothing is "
                                 "written to disk"));
    m_sessionOnly->setAutoDefault(false);
    m_sessionOnly->hide();
    layout->addWidget(m_sessionOnly, 0, Qt::AlignLeft);
    layout->addStretch(1);

    auto *buttons = new QDialogButtonBox(this);
    m_signIn = buttons->addButton(m_editing ? tr("Sign in") : tr("Save and sign in"),
                                  QDialogButtonBox::AcceptRole);
    m_signIn->setObjectName(QStringLiteral("signInPushButton"));
    m_signIn->setDefault(true);
    buttons->addButton(QDialogButtonBox::Cancel)->setObjectName(QStringLiteral("cancelPushButton"));
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &SignInDialog::signIn);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, &SignInDialog::testConnection);
    connect(m_sessionOnly, &QPushButton::clicked, this, &SignInDialog::useForThisSessionOnly);
    connect(m_showKey, &QToolButton::toggled, this, [this](bool shown) {
        m_key->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_showKey->setText(shown ? tr("Hide") : tr("Show"));
    });
    connect(m_environment, &QComboBox::currentIndexChanged, this,
            &SignInDialog::updateEnvironmentSwatch);
    connect(m_url, &QLineEdit::textChanged, this, &SignInDialog::updatePinLabel);
    connect(m_allowPlainHttp, &QCheckBox::toggled, this, [this] {
        forgetResult();
        updatePinLabel();
    });
    for (QLineEdit *edit : {m_url, m_key})
        connect(edit, &QLineEdit::textChanged, this, &SignInDialog::forgetResult);
    connect(m_trust, &QPushButton::clicked, this, [this] {
        m_profile.pinnedCertificateSha256 = normalisedFingerprint(m_testedFingerprint);
        m_trust->hide();
        updatePinLabel();
        testConnection();
    });
    connect(m_forgetPin, &QPushButton::clicked, this, [this] {
        m_profile.pinnedCertificateSha256.clear();
        m_tested.reset();
        updatePinLabel();
    });
}

void SignInDialog::updateEnvironmentSwatch()
{
    const auto environment = ServerEnvironment(m_environment->currentData().toInt());
    const QColor band = ConsoleColors::environment(environment, palette());
    const QColor text = ConsoleColors::onEnvironment(environment);
    m_swatch->setText(QStringLiteral("  %1  ").arg(environmentDisplayName(environment).toUpper()));
    m_swatch->setStyleSheet(
        QStringLiteral("#environmentSwatchLabel { background: %1; color: %2; "
                       "font-weight: bold; border-radius: 3px; padding: 2px 6px; }")
            .arg(band.name(), text.name()));
    m_swatch->setToolTip(environment == ServerEnvironment::Production
                             ? tr("Production shows a red band and its name in the window title")
                             : tr("The band across the console's window has this colour"));
}

void SignInDialog::forgetResult()
{
    if (m_request)
        m_request->cancel();
    m_tested.reset();
    m_trust->hide();
    m_result->clear();
}

QUrl SignInDialog::typedUrl(QString *problem) const
{
    const client::ServerAddress::Parsed parsed =
        client::ServerAddress::parse(m_url->text(), m_allowPlainHttp->isChecked());
    if (problem)
        *problem = parsed.problem;
    return parsed.url;
}

void SignInDialog::updatePinLabel()
{
    // The address as typed, whatever the plain-HTTP choice: it decides whether to offer that.
    const QUrl url = client::ServerAddress::parse(m_url->text(), true).url;
    const bool acrossNetwork = client::ServerAddress::isPlainHttpAcrossNetwork(url);
    m_allowPlainHttp->setVisible(acrossNetwork || m_allowPlainHttp->isChecked());
    if (url.scheme() == QLatin1String("http")) {
        const bool local = !acrossNetwork;
        m_pin->setText(local ? tr("None: plain HTTP on this machine")
                             : tr("None: plain HTTP sends the admin key unencrypted across the "
                                  "network. Use https:// outside this machine."));
        QPalette p = m_pin->palette();
        p.setColor(QPalette::WindowText,
                   local ? palette().color(QPalette::WindowText)
                         : ConsoleColors::danger(palette()));
        m_pin->setPalette(p);
        m_forgetPin->hide();
        return;
    }
    m_pin->setPalette(palette());
    if (m_profile.pinnedCertificateSha256.isEmpty()) {
        m_pin->setText(tr("Trusted by the system's certificate authorities"));
        m_forgetPin->hide();
    } else {
        m_pin->setText(
            tr("Pinned (SHA-256 %1)").arg(formatFingerprint(m_profile.pinnedCertificateSha256)));
        m_forgetPin->show();
    }
}

void SignInDialog::prefill(const QUrl &url, const QString &name)
{
    if (url.isValid()) {
        m_url->setText(url.toString());
        // The user typed http:// to another machine on the command line; the box is still
        // theirs to tick.
    }
    if (!name.isEmpty())
        m_name->setText(name);
}

ServerProfile SignInDialog::profile() const
{
    ServerProfile profile = m_profile;
    profile.name = m_name->text().trimmed();
    profile.url = typedUrl();
    profile.allowPlainHttp = m_allowPlainHttp->isChecked()
        && client::ServerAddress::isPlainHttpAcrossNetwork(profile.url);
    profile.environment = ServerEnvironment(m_environment->currentData().toInt());
    return profile;
}

QString SignInDialog::adminKey() const
{
    return m_key->text().trimmed();
}

QString SignInDialog::resultText() const
{
    return m_result->text();
}

bool SignInDialog::validateFields()
{
    const ServerProfile candidate = profile();
    QString urlProblem;
    typedUrl(&urlProblem);
    QString problem;
    if (candidate.name.isEmpty())
        problem = tr("Give the profile a name, for example “acme-prod”.");
    else if (!urlProblem.isEmpty())
        problem = urlProblem;
    else if (adminKey().isEmpty() && !m_editing)
        problem = tr("Enter the admin API key (it starts with kb_).");
    else if (!adminKey().isEmpty() && !adminKey().startsWith(QLatin1String("kb_")))
        problem = tr("That is not an admin API key: admin keys start with kb_ (a vault_key_ is "
                     "for agents, not for the console).");
    if (problem.isEmpty())
        return true;
    m_result->setText(QStringLiteral("<span style=\"color:%1\">✗</span> %2")
                          .arg(ConsoleColors::danger(palette()).name(), problem.toHtmlEscaped()));
    return false;
}

void SignInDialog::setBusy(bool busy, const QString &what)
{
    m_test->setEnabled(!busy);
    m_signIn->setEnabled(!busy);
    m_sessionOnly->setEnabled(!busy);
    if (busy)
        m_result->setText(what.toHtmlEscaped());
}

void SignInDialog::runWhoAmI(std::function<void(bool)> then)
{
    const ServerProfile candidate = profile();
    m_probe->setBaseUrl(candidate.url);
    m_probe->setPinnedCertificateSha256(candidate.pinnedCertificateSha256);
    m_probe->setAllowPlainHttp(candidate.allowPlainHttp);
    const auto ask = [this, then](const QString &key) {
        m_probe->setAdminKey(key);
        setBusy(true, tr("Connecting to %1…").arg(profile().url.toString()));
        m_request = m_probe->whoAmI(this, [this, then](const client::Result<client::WhoAmI> &r) {
            setBusy(false);
            m_trust->hide();
            const QString ok = ConsoleColors::good(palette()).name();
            const QString bad = ConsoleColors::danger(palette()).name();
            if (r) {
                m_tested = *r;
                m_result->setText(
                    tr("<span style=\"color:%1\">✓</span> Connected to keybraked %2 as "
                       "“%3” with the <b>%4</b> role. Spend window: %5.")
                        .arg(ok, r->serverVersion.toHtmlEscaped(), r->name.toHtmlEscaped(),
                             ConsoleSession::roleDisplayName(r->role),
                             r->spendTimezone.toHtmlEscaped()));
                then(true);
                return;
            }
            const client::ApiError &error = r.error();
            m_tested.reset();
            if (error.kind == client::ApiError::Kind::Tls && !error.certificateSha256.isEmpty()) {
                m_testedFingerprint = error.certificateSha256;
                const bool pinned = !profile().pinnedCertificateSha256.isEmpty();
                const QString why = pinned
                    ? tr("Refused: the server's certificate differs from the pinned one (with a "
                         "pin, only that certificate is accepted, even if a certificate "
                         "authority vouches for another).")
                    : tr("Refused: the server's certificate is not trusted.");
                m_result->setText(
                    tr("<span style=\"color:%1\">✗</span> %2<br>SHA-256 fingerprint:<br><tt>%3"
                       "</tt><br>Compare it with the server's certificate before trusting it.")
                        .arg(bad, why.toHtmlEscaped(), error.certificateSha256.toHtmlEscaped()));
                m_trust->show();
            } else if (error.kind == client::ApiError::Kind::Parse) {
                // A 2xx that is not keybraked's answer to /v1/whoami: some other web server.
                m_result->setText(
                    QStringLiteral("<span style=\"color:%1\">✗</span> %2")
                        .arg(bad,
                             tr("%1 does not look like a Keybrake server: its answer to "
                                "/v1/whoami is not what keybraked sends. Check the server "
                                "address (https or http, host, port and path prefix).")
                                 .arg(profile().url.toDisplayString(QUrl::RemoveUserInfo))
                                 .toHtmlEscaped()));
            } else {
                m_result->setText(QStringLiteral("<span style=\"color:%1\">✗</span> %2")
                                      .arg(bad, error.message.toHtmlEscaped()));
            }
            then(false);
        });
    };
    if (!adminKey().isEmpty() || !m_editing) {
        ask(adminKey());
        return;
    }
    // Editing without a new key: test with the saved one, read from the session store first.
    setBusy(true, tr("Reading the saved key…"));
    m_sessionStore->read(
        m_profile.secretAccount(), this, [this, ask, then](const SecretStore::Result &session) {
            if (session.ok()) {
                ask(session.secret);
                return;
            }
            m_keychain->read(m_profile.secretAccount(), this,
                             [this, ask, then](const SecretStore::Result &saved) {
                                 setBusy(false);
                                 if (saved.ok()) {
                                     ask(saved.secret);
                                     return;
                                 }
                                 m_result->setText(SecretStore::explain(saved).toHtmlEscaped());
                                 then(false);
                             });
        });
}

void SignInDialog::testConnection()
{
    if (!validateFields())
        return;
    runWhoAmI([](bool) {});
}

void SignInDialog::signIn()
{
    if (!validateFields())
        return;
    if (m_tested) {
        saveKey();
        return;
    }
    runWhoAmI([this](bool ok) {
        if (ok)
            saveKey();
    });
}

void SignInDialog::saveKey()
{
    m_profile = profile();
    if (adminKey().isEmpty()) {
        m_storage = KeyStorage::Unchanged;
        accept();
        return;
    }
    setBusy(true, tr("Saving the key in the system keychain…"));
    m_keychain->write(m_profile.secretAccount(), adminKey(), this,
                      [this](const SecretStore::Result &result) {
                          setBusy(false);
                          if (result.ok()) {
                              m_storage = KeyStorage::Keychain;
                              accept();
                              return;
                          }
                          m_keychainBanner->showMessage(
                              MessageBanner::Kind::Error,
                              tr("The key was not saved. %1").arg(SecretStore::explain(result)));
                          m_sessionOnly->show();
                          m_signIn->setText(tr("Try the keychain again"));
                      });
}

void SignInDialog::useForThisSessionOnly()
{
    if (!validateFields() || adminKey().isEmpty())
        return;
    m_profile = profile();
    m_sessionStore->write(m_profile.secretAccount(), adminKey(), this,
                          [this](const SecretStore::Result &result) {
                              if (!result.ok())
                                  return;
                              m_storage = KeyStorage::SessionOnly;
                              accept();
                          });
}

void SignInDialog::done(int result)
{
    if (m_request)
        m_request->cancel();
    QDialog::done(result);
}

} // namespace keybrake
