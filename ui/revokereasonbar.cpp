#include "ui/revokereasonbar.h"

#include "ui/consolecolors.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace keybrake {

RevokeReasonBar::RevokeReasonBar(QWidget *parent)
    : QFrame(parent)
    , m_prompt(new QLabel(this))
    , m_reason(new QLineEdit(this))
    , m_save(new QPushButton(tr("Save reason"), this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("revokeReasonBar"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 2, 8, 2);
    m_reason->setObjectName(QStringLiteral("revokeReasonLineEdit"));
    m_reason->setAccessibleName(tr("Reason for the revoke"));
    m_reason->setMaxLength(500);
    m_reason->setPlaceholderText(tr("e.g. runaway: 40 charges a minute"));
    m_save->setObjectName(QStringLiteral("saveRevokeReasonPushButton"));
    m_save->setAutoDefault(false);
    auto *cancel = new QPushButton(tr("Cancel"), this);
    cancel->setObjectName(QStringLiteral("cancelRevokeReasonPushButton"));
    cancel->setAutoDefault(false);
    m_error->setObjectName(QStringLiteral("revokeReasonErrorLabel"));
    QPalette p = m_error->palette();
    p.setColor(QPalette::WindowText, ConsoleColors::danger(palette()));
    m_error->setPalette(p);
    m_error->hide();
    layout->addWidget(m_prompt);
    layout->addWidget(m_reason, 1);
    layout->addWidget(m_save);
    layout->addWidget(cancel);
    layout->addWidget(m_error);
    connect(m_reason, &QLineEdit::returnPressed, this, &RevokeReasonBar::save);
    connect(m_save, &QPushButton::clicked, this, &RevokeReasonBar::save);
    connect(m_reason, &QLineEdit::textChanged, this, [this] {
        m_save->setEnabled(!m_reason->text().trimmed().isEmpty());
        m_error->hide();
    });
    connect(cancel, &QPushButton::clicked, this, &QWidget::hide);
    hide();
}

RevokeReasonBar::~RevokeReasonBar() = default;

void RevokeReasonBar::ask(const QString &keyId, const QString &keyWords)
{
    m_keyId = keyId;
    m_prompt->setText(tr("Why was %1 revoked?").arg(keyWords));
    m_reason->clear();
    m_reason->setEnabled(true);
    m_save->setEnabled(false);
    m_save->setText(tr("Save reason"));
    m_error->hide();
    show();
    m_reason->setFocus(Qt::OtherFocusReason);
}

void RevokeReasonBar::save()
{
    const QString reason = m_reason->text().trimmed();
    if (reason.isEmpty() || m_keyId.isEmpty())
        return;
    m_reason->setEnabled(false);
    m_save->setEnabled(false);
    m_save->setText(tr("Saving…"));
    Q_EMIT reasonEntered(m_keyId, reason);
}

void RevokeReasonBar::finish(const QString &error)
{
    m_reason->setEnabled(true);
    m_save->setText(tr("Save reason"));
    if (error.isEmpty()) {
        hide();
        return;
    }
    m_save->setEnabled(true);
    m_error->setText(tr("Not saved: %1").arg(error));
    m_error->show();
}

} // namespace keybrake
