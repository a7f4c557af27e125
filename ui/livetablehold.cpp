#include "ui/livetablehold.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QHeaderView>
#include <QMouseEvent>
#include <QPushButton>
#include <QTimer>

namespace keybrake {

LiveTableHold::LiveTableHold(QAbstractItemView *view)
    : QObject(view)
    , m_view(view)
    , m_pill(new QPushButton(view))
{
    m_pill->setObjectName(QStringLiteral("heldRowsPushButton"));
    m_pill->setAccessibleName(tr("Show the rows that arrived while the table was held"));
    m_pill->setToolTip(tr("The table holds still while the pointer is over it, so a click hits "
                          "the row you aimed at. Click to show what arrived, or move the pointer "
                          "away."));
    m_pill->setCursor(Qt::PointingHandCursor);
    m_pill->setFocusPolicy(Qt::NoFocus);
    // A pill in the accent colour, above the rows; a style sheet on this button alone, so the
    // table keeps the native style.
    m_pill->setStyleSheet(QStringLiteral(
        "QPushButton { border: 1px solid palette(highlight); border-radius: 11px;"
        " padding: 3px 14px; background: palette(highlight); color: palette(highlighted-text);"
        " font-weight: 600; }"));
    m_pill->hide();
    connect(m_pill, &QPushButton::clicked, this, &LiveTableHold::applyRequested);
    m_view->installEventFilter(this);
    m_view->viewport()->installEventFilter(this);
    m_hovered = m_view->underMouse();
    update();
}

LiveTableHold::~LiveTableHold() = default;

void LiveTableHold::holdWhileOpen(QWidget *menu)
{
    m_menu = menu;
    menu->installEventFilter(this);
    connect(menu, &QObject::destroyed, this, &LiveTableHold::update, Qt::QueuedConnection);
    update();
}

void LiveTableHold::setPendingText(const QString &text)
{
    if (text.isEmpty()) {
        m_pill->hide();
        return;
    }
    m_pill->setText(text);
    m_pill->adjustSize();
    placePill();
    m_pill->show();
    m_pill->raise();
}

bool LiveTableHold::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::Enter:
        if (watched == m_view) {
            m_hovered = true;
            update();
        }
        break;
    case QEvent::Leave:
        if (watched == m_view) {
            m_hovered = false;
            update();
        }
        break;
    case QEvent::MouseMove:
        // A move is proof the pointer is here, even if an Enter went missing (a popup closing).
        if (watched == m_view->viewport() && !m_hovered) {
            m_hovered = true;
            update();
        }
        break;
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick:
        if (watched == m_view->viewport()) {
            m_pressed = true;
            update();
        }
        break;
    case QEvent::MouseButtonRelease:
        if (watched == m_view->viewport()) {
            // After the view (and the row's button) has handled the release: the click must act
            // on the rows it was aimed at.
            QTimer::singleShot(0, this, [this] {
                m_pressed = false;
                update();
            });
        }
        break;
    case QEvent::Hide:
        if (watched == m_menu)
            QTimer::singleShot(0, this, &LiveTableHold::update);
        break;
    case QEvent::Resize:
        if (watched == m_view)
            placePill();
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

void LiveTableHold::update()
{
    const bool menuOpen = m_menu && m_menu->isVisible();
    const bool held = m_hovered || m_pressed || menuOpen;
    if (held == m_held)
        return;
    m_held = held;
    Q_EMIT heldChanged(held);
}

void LiveTableHold::placePill()
{
    const QRect area = m_view->viewport()->geometry();
    m_pill->move(area.left() + (area.width() - m_pill->width()) / 2, area.top() + 6);
}

} // namespace keybrake
