#pragma once

#include <QPersistentModelIndex>
#include <QStyledItemDelegate>

namespace keybrake {

// The per-row action cell of the Vault Keys table, painted by the view (10,000 rows need no
// widgets): "Revoke" on active rows, one click and no dialog because revoking is the safe
// direction; "Revoking…" while the request runs; "Revoked 14:03:05.123" with the server's time;
// and "Issue similar…" on revoked and expired keys. When the role or the connection forbids
// revoking, the button is drawn disabled and its tooltip says why.
class RevokeButton : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RevokeButton)

public:
    explicit RevokeButton(QObject *parent = nullptr);
    ~RevokeButton() override;

    // Empty reason: enabled.
    void setRevokeBlockedReason(const QString &reason);
    void setIssueBlockedReason(const QString &reason);
    bool revokeEnabled() const { return m_revokeBlocked.isEmpty(); }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;

    // Where the button sits inside its cell (tests click its centre).
    static QRect buttonRect(const QStyleOptionViewItem &option, const QString &text);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

Q_SIGNALS:
    // The key id captured when the button was pressed; emitted only when the release lands on
    // the button of the same key, whatever moved in between.
    void revokeClicked(const QString &keyId);
    void issueSimilarClicked(const QString &keyId);

private:
    QString m_revokeBlocked;
    QString m_issueBlocked;
    QPersistentModelIndex m_pressed;
    QString m_pressedKeyId;
};

} // namespace keybrake
