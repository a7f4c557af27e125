#pragma once

#include <QDialog>
#include <QPointer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace keybrake::client {
class ApiRequest;
}

namespace keybrake {

class ConsoleSession;

// The kill switch: every active key whose run label starts with a prefix. A dry run first says
// what would stop ("This stops 37 keys, $412.50 held"); on production the prefix must be typed
// again to confirm; then a receipt lists each key with the server's revocation time.
class StopRunsDialog : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StopRunsDialog)

public:
    explicit StopRunsDialog(ConsoleSession *session, QWidget *parent = nullptr);
    ~StopRunsDialog() override;

Q_SIGNALS:
    void runsStopped(int keys);

private:
    void preview();
    void stop();
    void updateButtons();

    ConsoleSession *m_session;
    QLineEdit *m_prefix;
    QComboBox *m_vendor;
    QPushButton *m_preview;
    QLabel *m_impact;
    QLabel *m_confirmLabel;
    QLineEdit *m_confirm;
    QPushButton *m_stop;
    QPlainTextEdit *m_receipt;
    QString m_previewedPrefix;
    qint64 m_previewCount = -1;
    QPointer<client::ApiRequest> m_request;
};

} // namespace keybrake
