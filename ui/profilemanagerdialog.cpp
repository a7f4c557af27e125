#include "ui/profilemanagerdialog.h"

#include "models/secretstore.h"
#include "ui/consolecolors.h"
#include "ui/messageprompt.h"
#include "ui/signindialog.h"
#include "ui/themedicon.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace keybrake {

ProfileManagerDialog::ProfileManagerDialog(const QList<ServerProfile> &profiles,
                                           const QString &currentId, SecretStore *keychain,
                                           SecretStore *sessionStore, QWidget *parent)
    : QDialog(parent)
    , m_profiles(profiles)
    , m_currentId(currentId)
    , m_keychain(keychain)
    , m_sessionStore(sessionStore)
    , m_list(new QListWidget(this))
    , m_edit(new QPushButton(ThemedIcon::icon(QStringLiteral("edit")), tr("&Edit…"), this))
    , m_remove(new QPushButton(ThemedIcon::icon(QStringLiteral("delete")), tr("&Remove"), this))
    , m_open(new QPushButton(tr("&Open"), this))
{
    setObjectName(QStringLiteral("profileManagerDialog"));
    setWindowTitle(tr("Server Profiles"));
    resize(620, 380);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Each profile is one Keybrake server. Its admin key is kept in the "
                                "system keychain."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *row = new QHBoxLayout;
    m_list->setObjectName(QStringLiteral("profilesListWidget"));
    m_list->setAccessibleName(tr("Server profiles"));
    row->addWidget(m_list, 1);
    auto *side = new QVBoxLayout;
    auto *add = new QPushButton(ThemedIcon::icon(QStringLiteral("issue-key")), tr("&Add…"), this);
    add->setObjectName(QStringLiteral("addProfilePushButton"));
    m_edit->setObjectName(QStringLiteral("editProfilePushButton"));
    m_remove->setObjectName(QStringLiteral("removeProfilePushButton"));
    m_open->setObjectName(QStringLiteral("openProfilePushButton"));
    for (QPushButton *button : {add, m_edit, m_remove, m_open}) {
        button->setAutoDefault(false);
        side->addWidget(button);
    }
    side->addStretch(1);
    row->addLayout(side);
    layout->addLayout(row, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    layout->addWidget(buttons);

    connect(add, &QPushButton::clicked, this, &ProfileManagerDialog::addProfile);
    connect(m_edit, &QPushButton::clicked, this, &ProfileManagerDialog::editProfile);
    connect(m_remove, &QPushButton::clicked, this, &ProfileManagerDialog::removeProfile);
    connect(m_open, &QPushButton::clicked, this, &ProfileManagerDialog::openProfile);
    connect(m_list, &QListWidget::itemDoubleClicked, this, &ProfileManagerDialog::openProfile);
    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        m_edit->setEnabled(row >= 0);
        m_remove->setEnabled(row >= 0 && m_profiles.at(row).id != m_currentId);
        m_remove->setToolTip(row >= 0 && m_profiles.at(row).id == m_currentId
                                 ? tr("This profile is open; switch to another to remove it")
                                 : QString());
        m_open->setEnabled(row >= 0 && m_profiles.at(row).id != m_currentId);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    reloadList();
}

ProfileManagerDialog::~ProfileManagerDialog() = default;

void ProfileManagerDialog::reloadList()
{
    const QString selected = currentRow() >= 0 ? m_profiles.at(currentRow()).id : m_currentId;
    m_list->clear();
    for (const ServerProfile &profile : std::as_const(m_profiles)) {
        auto *item =
            new QListWidgetItem(ConsoleColors::environmentIcon(profile.environment, palette()),
                                tr("%1 — %2 — %3")
                                    .arg(profile.name, environmentDisplayName(profile.environment),
                                         profile.url.toString()),
                                m_list);
        item->setData(Qt::UserRole, profile.id);
        if (profile.id == m_currentId)
            item->setText(item->text() + tr("  (open)"));
    }
    for (int row = 0; row < m_profiles.size(); ++row) {
        if (m_profiles.at(row).id == selected)
            m_list->setCurrentRow(row);
    }
    if (m_list->currentRow() < 0 && !m_profiles.isEmpty())
        m_list->setCurrentRow(0);
    if (m_profiles.isEmpty()) {
        m_edit->setEnabled(false);
        m_remove->setEnabled(false);
        m_open->setEnabled(false);
    }
}

int ProfileManagerDialog::currentRow() const
{
    return m_list->currentRow();
}

void ProfileManagerDialog::addProfile()
{
    auto *dialog = new SignInDialog(m_keychain, m_sessionStore, std::nullopt, {}, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const ServerProfile profile = dialog->profile();
        m_profiles.append(profile);
        reloadList();
        Q_EMIT profilesEdited(m_profiles);
        Q_EMIT openRequested(profile, dialog->adminKey());
        accept();
    });
    dialog->open();
}

void ProfileManagerDialog::editProfile()
{
    const int row = currentRow();
    if (row < 0)
        return;
    auto *dialog = new SignInDialog(m_keychain, m_sessionStore, m_profiles.at(row), {}, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, row] {
        m_profiles[row] = dialog->profile();
        reloadList();
        Q_EMIT profilesEdited(m_profiles);
    });
    dialog->open();
}

void ProfileManagerDialog::removeProfile()
{
    const int row = currentRow();
    if (row < 0 || m_profiles.at(row).id == m_currentId)
        return;
    const ServerProfile profile = m_profiles.at(row);
    MessagePrompt::ask(this, tr("Remove Profile"),
                       tr("Remove the profile “%1” and its saved admin key?").arg(profile.name),
                       tr("Remove"), this, [this, profile](bool confirmed) {
                           if (!confirmed)
                               return;
                           m_keychain->remove(profile.secretAccount(), this, {});
                           m_sessionStore->remove(profile.secretAccount(), this, {});
                           m_profiles.removeIf(
                               [&profile](const ServerProfile &p) { return p.id == profile.id; });
                           reloadList();
                           Q_EMIT profilesEdited(m_profiles);
                       });
}

void ProfileManagerDialog::openProfile()
{
    const int row = currentRow();
    if (row < 0 || m_profiles.at(row).id == m_currentId)
        return;
    Q_EMIT openRequested(m_profiles.at(row), QString());
    accept();
}

} // namespace keybrake
