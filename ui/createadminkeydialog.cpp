#include "ui/createadminkeydialog.h"

#include "client/keybrakeclient.h"
#include "models/consolesession.h"
#include "ui/clipboardguard.h"
#include "ui/consolecolors.h"
#include "ui/messagebanner.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace keybrake {

using client::AdminRole;

CreateAdminKeyDialog::CreateAdminKeyDialog(ConsoleSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_stack(new QStackedWidget(this))
    , m_name(new QLineEdit(this))
    , m_role(new QComboBox(this))
    , m_error(new QLabel(this))
    , m_create(new QPushButton(tr("Create admin key"), this))
    , m_createdTitle(new QLabel(this))
    , m_secret(new QLineEdit(this))
    , m_copy(new QPushButton(tr("&Copy"), this))
    , m_countdown(new QLabel(this))
    , m_close(new QPushButton(tr("I have stored the key"), this))
{
    setObjectName(QStringLiteral("createAdminKeyDialog"));
    setWindowTitle(tr("New Admin Key"));
    setMinimumWidth(620);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 16, 18, 14);
    layout->addWidget(m_stack);

    // Step 1: the form.
    auto *form = new QWidget(m_stack);
    auto *formLayout = new QVBoxLayout(form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    auto *fields = new QFormLayout;
    m_name->setObjectName(QStringLiteral("adminKeyNameLineEdit"));
    m_name->setAccessibleName(tr("Admin key name"));
    m_name->setPlaceholderText(tr("who or what will hold it, e.g. on-call or billing-issuer"));
    m_role->setObjectName(QStringLiteral("adminKeyRoleComboBox"));
    m_role->setAccessibleName(tr("Admin key role"));
    m_role->addItem(tr("viewer — reads everything, changes nothing"), int(AdminRole::Viewer));
    m_role->addItem(tr("issuer — also issues vault keys (an agent's issuer)"),
                    int(AdminRole::Issuer));
    m_role->addItem(tr("operator — also revokes keys and stops runs"), int(AdminRole::Operator));
    m_role->addItem(tr("admin — also manages admin keys"), int(AdminRole::Admin));
    m_role->setCurrentIndex(1);
    fields->addRow(tr("&Name:"), m_name);
    fields->addRow(tr("&Role:"), m_role);
    formLayout->addLayout(fields);
    m_error->setObjectName(QStringLiteral("adminKeyErrorLabel"));
    m_error->setWordWrap(true);
    QPalette errorPalette = m_error->palette();
    errorPalette.setColor(QPalette::WindowText, ConsoleColors::danger(errorPalette));
    m_error->setPalette(errorPalette);
    m_error->hide();
    formLayout->addWidget(m_error);
    auto *formButtons = new QDialogButtonBox(QDialogButtonBox::Cancel, form);
    m_create->setObjectName(QStringLiteral("createAdminKeyPushButton"));
    m_create->setDefault(true);
    formButtons->addButton(m_create, QDialogButtonBox::ActionRole);
    formLayout->addWidget(formButtons);
    m_stack->addWidget(form);
    connect(formButtons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_create, &QPushButton::clicked, this, &CreateAdminKeyDialog::create);
    connect(m_name, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_create->setEnabled(!text.trimmed().isEmpty()); });
    m_create->setEnabled(false);

    // Step 2: the secret, once.
    auto *secret = new QWidget(m_stack);
    auto *secretLayout = new QVBoxLayout(secret);
    secretLayout->setContentsMargins(0, 0, 0, 0);
    QFont titleFont = m_createdTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_createdTitle->setFont(titleFont);
    secretLayout->addWidget(m_createdTitle);
    auto *warning = new MessageBanner(secret);
    warning->showMessage(MessageBanner::Kind::Warning,
                         tr("This admin key will not be shown again. Keybrake keeps only its "
                            "hash: copy it now into the secret store of whoever will hold it."));
    if (auto *close = warning->findChild<QWidget *>(QStringLiteral("messageBannerCloseToolButton")))
        close->hide();
    secretLayout->addWidget(warning);
    auto *row = new QHBoxLayout;
    m_secret->setObjectName(QStringLiteral("adminKeySecretLineEdit"));
    m_secret->setAccessibleName(tr("Admin key"));
    m_secret->setReadOnly(true);
    m_secret->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_copy->setObjectName(QStringLiteral("copyAdminKeyPushButton"));
    m_copy->setAccessibleName(tr("Copy the admin key"));
    row->addWidget(m_secret, 1);
    row->addWidget(m_copy);
    secretLayout->addLayout(row);
    m_countdown->setObjectName(QStringLiteral("clipboardCountdownLabel"));
    m_countdown->setForegroundRole(QPalette::PlaceholderText);
    m_countdown->setText(tr("Copy puts the key on the clipboard for %n second(s), then clears it.",
                            nullptr, ClipboardGuard::DefaultSeconds));
    secretLayout->addWidget(m_countdown);
    auto *secretButtons = new QDialogButtonBox(secret);
    m_close->setObjectName(QStringLiteral("doneButton"));
    m_close->setAutoDefault(false);
    secretButtons->addButton(m_close, QDialogButtonBox::AcceptRole);
    secretLayout->addWidget(secretButtons);
    m_stack->addWidget(secret);
    connect(secretButtons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_copy, &QPushButton::clicked, this, &CreateAdminKeyDialog::copySecret);
    connect(ClipboardGuard::instance(), &ClipboardGuard::tick, this, [this](int secondsLeft) {
        m_countdown->setText(secondsLeft > 0 ? tr("Copied. The clipboard will be cleared in %n "
                                                  "second(s).",
                                                  nullptr, secondsLeft)
                                             : tr("The clipboard has been cleared."));
    });
}

CreateAdminKeyDialog::~CreateAdminKeyDialog() = default;

QString CreateAdminKeyDialog::secretText() const
{
    return m_secret->text();
}

void CreateAdminKeyDialog::create()
{
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        return;
    m_create->setEnabled(false);
    m_create->setText(tr("Creating…"));
    m_error->hide();
    const auto role = AdminRole(m_role->currentData().toInt());
    m_session->client()->createAdminKey(
        name, role, this, [this](const client::Result<client::CreatedAdminKey> &result) {
            m_create->setText(tr("Create admin key"));
            m_create->setEnabled(true);
            if (!result) {
                m_error->setText(tr("The server did not create the key: %1")
                                     .arg(result.error().message.toHtmlEscaped()));
                m_error->show();
                return;
            }
            showSecret(*result);
            Q_EMIT keyCreated(result->key);
        });
}

void CreateAdminKeyDialog::showSecret(const client::CreatedAdminKey &created)
{
    m_createdTitle->setText(
        tr("Admin key “%1” created, role %2")
            .arg(created.key.name.toHtmlEscaped(), client::adminRoleName(created.key.role)));
    m_secret->setText(created.apiKey);
    m_stack->setCurrentIndex(1);
    m_copy->setDefault(true);
    m_copy->setFocus();
}

void CreateAdminKeyDialog::copySecret()
{
    ClipboardGuard::instance()->copySecret(m_secret->text());
}

void CreateAdminKeyDialog::done(int result)
{
    m_secret->clear(); // nothing of the secret stays in the widgets
    QDialog::done(result);
}

} // namespace keybrake
