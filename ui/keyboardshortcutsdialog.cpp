#include "ui/keyboardshortcutsdialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QKeySequence>
#include <QTableWidget>
#include <QVBoxLayout>

namespace keybrake {

KeyboardShortcutsDialog::KeyboardShortcutsDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("keyboardShortcutsDialog"));
    setWindowTitle(tr("Keyboard Shortcuts"));
    resize(520, 520);
    const auto native = [](const QKeySequence &sequence) {
        return sequence.toString(QKeySequence::NativeText);
    };
    const QList<QPair<QString, QString>> rows = {
        {native(QKeySequence::New), tr("Issue a vault key")},
        {native(QKeySequence::Delete), tr("Revoke the selected keys (in the key table)")},
        {tr("Enter"), tr("Open the selected key's details")},
        {tr("Esc"), tr("Close the key details")},
        {native(QKeySequence::Find),
         tr("Search: runs on Runs, run labels on Audit Log, vault keys elsewhere")},
        {native(QKeySequence::Refresh), tr("Refresh now")},
        {native(QKeySequence(Qt::CTRL | Qt::Key_1)), tr("Overview")},
        {native(QKeySequence(Qt::CTRL | Qt::Key_2)), tr("Vault Keys")},
        {native(QKeySequence(Qt::CTRL | Qt::Key_3)), tr("Runs")},
        {native(QKeySequence(Qt::CTRL | Qt::Key_4)), tr("Audit Log")},
        {native(QKeySequence(Qt::CTRL | Qt::Key_5)), tr("Reports")},
        {native(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K)), tr("Stop runs (kill switch)")},
        {native(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U)),
         tr("Switch between UTC and local time")},
        {native(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)), tr("Manage server profiles")},
        {native(QKeySequence(Qt::CTRL | Qt::Key_Slash)), tr("This list")},
        {native(QKeySequence::Quit), tr("Quit")},
    };
    auto *table = new QTableWidget(int(rows.size()), 2, this);
    table->setObjectName(QStringLiteral("shortcutsTableWidget"));
    table->setAccessibleName(tr("Keyboard shortcuts"));
    table->setHorizontalHeaderLabels({tr("Keys"), tr("Action")});
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    for (int row = 0; row < rows.size(); ++row) {
        table->setItem(row, 0, new QTableWidgetItem(rows.at(row).first));
        table->setItem(row, 1, new QTableWidgetItem(rows.at(row).second));
    }
    table->resizeColumnToContents(0);
    table->setColumnWidth(0, table->columnWidth(0) + 24);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(table);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

KeyboardShortcutsDialog::~KeyboardShortcutsDialog() = default;

} // namespace keybrake
