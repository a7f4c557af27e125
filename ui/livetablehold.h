#pragma once

#include <QObject>
#include <QPointer>

class QAbstractItemView;
class QPushButton;

namespace keybrake {

// Keeps a live table still while someone is aiming at it: held while the pointer is over the
// view (its header, scroll bars and the pill included), while a mouse button pressed in it is
// down, and while a menu opened on one of its rows is open. The page holds its model's arriving
// rows and re-sorts while held (heldChanged) and says what waits in a small pill over the top of
// the rows ("3 new keys — show"); a click on the pill asks for them at once (applyRequested), and
// the hold ending applies them anyway. Same idea as a live tail that pauses on hover.
class LiveTableHold : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveTableHold)

public:
    explicit LiveTableHold(QAbstractItemView *view);
    ~LiveTableHold() override;

    bool isHeld() const { return m_held; }
    // Held until the menu hides (a row's context menu).
    void holdWhileOpen(QWidget *menu);
    // What waits, in words; empty hides the pill.
    void setPendingText(const QString &text);
    QPushButton *pill() const { return m_pill; }

Q_SIGNALS:
    void heldChanged(bool held);
    void applyRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void update();
    void placePill();

    QAbstractItemView *m_view;
    QPushButton *m_pill;
    QPointer<QWidget> m_menu;
    bool m_hovered = false;
    bool m_pressed = false;
    bool m_held = false;
};

} // namespace keybrake
