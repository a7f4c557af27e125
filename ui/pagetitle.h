#pragma once

class QLabel;
class QString;
class QWidget;

namespace keybrake {

// The title at the top of every page: the page's name, bold, 1.45 times the body text.
QLabel *newPageTitle(const QString &text, QWidget *parent);

} // namespace keybrake
