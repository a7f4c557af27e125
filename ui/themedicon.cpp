#include "ui/themedicon.h"

#include "resources/keybrakeresources.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QSvgRenderer>

namespace keybrake {

namespace {

QByteArray svgSource(const QString &name)
{
    static QHash<QString, QByteArray> cache;
    auto it = cache.constFind(name);
    if (it != cache.cend())
        return *it;
    initResources();
    QFile file(QStringLiteral(":/icons/%1.svg").arg(name));
    QByteArray data;
    if (file.open(QIODevice::ReadOnly))
        data = file.readAll();
    cache.insert(name, data);
    return data;
}

class ThemedIconEngine : public QIconEngine
{
public:
    ThemedIconEngine(const QString &name, const QColor &fixed)
        : m_name(name)
        , m_fixed(fixed)
    {
    }

    void paint(QPainter *painter, const QRect &rect, QIcon::Mode mode, QIcon::State) override
    {
        // Qt SVG 6.4 does not resolve `currentColor`, so the colour is substituted in the source.
        QByteArray source = svgSource(m_name);
        source.replace("currentColor", colorFor(mode).name(QColor::HexRgb).toLatin1());
        QSvgRenderer renderer(source);
        if (!renderer.isValid())
            return;
        renderer.render(painter, QRectF(rect));
    }

    QPixmap pixmap(const QSize &size, QIcon::Mode mode, QIcon::State state) override
    {
        return scaledPixmap(size, mode, state, 1.0);
    }

    QPixmap scaledPixmap(const QSize &size, QIcon::Mode mode, QIcon::State state,
                         qreal scale) override
    {
        QPixmap pixmap(size * scale);
        pixmap.setDevicePixelRatio(scale);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        paint(&painter, QRect(QPoint(0, 0), size), mode, state);
        return pixmap;
    }

    QSize actualSize(const QSize &size, QIcon::Mode, QIcon::State) override { return size; }
    QIconEngine *clone() const override { return new ThemedIconEngine(m_name, m_fixed); }
    QString key() const override { return QStringLiteral("keybrake-themed"); }
    QString iconName() override { return m_name; }

private:
    QColor colorFor(QIcon::Mode mode) const
    {
        const QPalette palette = QApplication::palette();
        if (mode == QIcon::Disabled)
            return palette.color(QPalette::Disabled, QPalette::WindowText);
        if (m_fixed.isValid())
            return m_fixed;
        if (mode == QIcon::Selected)
            return palette.color(QPalette::HighlightedText);
        return palette.color(QPalette::WindowText);
    }

    QString m_name;
    QColor m_fixed;
};

} // namespace

QIcon ThemedIcon::icon(const QString &name)
{
    return QIcon(new ThemedIconEngine(name, QColor()));
}

QIcon ThemedIcon::icon(const QString &name, const QColor &color)
{
    return QIcon(new ThemedIconEngine(name, color));
}

} // namespace keybrake
