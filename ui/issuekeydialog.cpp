#include "ui/issuekeydialog.h"

#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/operationchecklistmodel.h"
#include "models/usdtext.h"
#include "ui/consolecolors.h"
#include "ui/datetimeeditzone.h"
#include "ui/themedicon.h"

#include <QButtonGroup>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QStackedWidget>
#include <QTimeZone>
#include <QToolButton>
#include <QUuid>
#include <QVBoxLayout>

namespace keybrake {

using Preset = KeyPolicyDraft::ExpiryPreset;

namespace {

QStringList splitList(const QString &text)
{
    QStringList items;
    for (const QString &part :
         text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts))
        items.append(part.trimmed());
    return items;
}

// The server names scope fields "scope.stripe_customers" or just "scope"; both land on the
// scope block.
QString fieldKey(const QString &field)
{
    if (field.startsWith(QLatin1String("scope")))
        return QStringLiteral("scope");
    if (field == QLatin1String("expires_in") || field == QLatin1String("expires_at"))
        return QStringLiteral("expires");
    if (field == QLatin1String("max_calls_per_minute")
        || field == QLatin1String("max_usd_per_minute"))
        return QStringLiteral("velocity");
    if (field.startsWith(QLatin1String("allowed_endpoints")))
        return QStringLiteral("allowed_endpoints");
    return field;
}

} // namespace

IssueKeyDialog::IssueKeyDialog(ConsoleSession *session, const std::optional<KeyPolicyDraft> &draft,
                               QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_operations(new OperationChecklistModel(this))
    , m_idempotencyKey(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_pending(draft)
{
    setObjectName(QStringLiteral("issueKeyDialog"));
    setWindowTitle(draft ? tr("Issue a Similar Vault Key") : tr("Issue a Vault Key"));
    buildUi();
    connect(session, &ConsoleSession::catalogChanged, this, &IssueKeyDialog::onCatalog);
    if (session->hasCatalog())
        onCatalog();
    else
        session->loadCatalog();
    updatePreview();
}

IssueKeyDialog::~IssueKeyDialog()
{
    if (m_request)
        m_request->cancel();
}

void IssueKeyDialog::buildUi()
{
    resize(1080, 700);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(18, 16, 18, 14);
    auto *columns = new QHBoxLayout;
    columns->setSpacing(18);
    outer->addLayout(columns, 1);

    // Left: the form.
    auto *formBox = new QWidget(this);
    auto *form = new QFormLayout(formBox);
    form->setContentsMargins(0, 0, 0, 0);
    form->setVerticalSpacing(6);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    columns->addWidget(formBox, 5);

    const auto withError = [this](QWidget *field, const QString &key) {
        auto *box = new QWidget(this);
        auto *layout = new QVBoxLayout(box);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(2);
        layout->addWidget(field);
        auto *error = new QLabel(box);
        error->setObjectName(key + QStringLiteral("ErrorLabel"));
        error->setWordWrap(true);
        QPalette p = error->palette();
        p.setColor(QPalette::WindowText, ConsoleColors::danger(palette()));
        error->setPalette(p);
        error->hide();
        layout->addWidget(error);
        m_errors.insert(key, error);
        return box;
    };

    auto *vendorRow = new QWidget(this);
    auto *vendorLayout = new QHBoxLayout(vendorRow);
    vendorLayout->setContentsMargins(0, 0, 0, 0);
    m_vendor = new QComboBox(vendorRow);
    m_vendor->setObjectName(QStringLiteral("vendorComboBox"));
    m_vendor->setAccessibleName(tr("Vendor"));
    m_vendorNote = new QLabel(vendorRow);
    m_vendorNote->setForegroundRole(QPalette::PlaceholderText);
    vendorLayout->addWidget(m_vendor);
    vendorLayout->addWidget(m_vendorNote, 1);
    auto *vendorLabel = new QLabel(tr("&Vendor:"), this);
    vendorLabel->setBuddy(m_vendor);
    form->addRow(vendorLabel, withError(vendorRow, QStringLiteral("vendor")));

    auto *opsBox = new QWidget(this);
    auto *opsLayout = new QVBoxLayout(opsBox);
    opsLayout->setContentsMargins(0, 0, 0, 0);
    opsLayout->setSpacing(4);
    m_operationsView = new QListView(opsBox);
    m_operationsView->setObjectName(QStringLiteral("operationsListView"));
    m_operationsView->setAccessibleName(tr("Allowed operations"));
    m_operationsView->setModel(m_operations);
    m_operationsView->setMinimumHeight(220);
    m_operationsView->setUniformItemSizes(true);
    opsLayout->addWidget(m_operationsView);
    auto *customRow = new QHBoxLayout;
    m_custom = new QLineEdit(opsBox);
    m_custom->setObjectName(QStringLiteral("customEndpointLineEdit"));
    m_custom->setAccessibleName(tr("Custom endpoint"));
    m_custom->setPlaceholderText(tr("METHOD /path, e.g. GET /v1/customers/{id}"));
    m_custom->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_addCustom = new QPushButton(tr("Add"), opsBox);
    m_addCustom->setObjectName(QStringLiteral("addEndpointPushButton"));
    m_addCustom->setAccessibleName(tr("Add custom endpoint"));
    m_addCustom->setAutoDefault(false);
    customRow->addWidget(m_custom, 1);
    customRow->addWidget(m_addCustom);
    opsLayout->addLayout(customRow);
    auto *opsLabel = new QLabel(tr("&May call:"), this);
    opsLabel->setBuddy(m_operationsView);
    form->addRow(opsLabel, withError(opsBox, QStringLiteral("allowed_endpoints")));

    auto *capRow = new QWidget(this);
    auto *capLayout = new QHBoxLayout(capRow);
    capLayout->setContentsMargins(0, 0, 0, 0);
    auto *dollar = new QLabel(QStringLiteral("$"), capRow);
    m_cap = new QLineEdit(capRow);
    m_cap->setObjectName(QStringLiteral("dailyCapLineEdit"));
    m_cap->setAccessibleName(tr("Daily cap in US dollars"));
    // Required and empty at first: a grey "50.00" looked like a value that was not there.
    m_cap->setPlaceholderText(tr("required"));
    m_cap->setAlignment(Qt::AlignRight);
    m_cap->setMaximumWidth(130);
    m_cap->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("^[0-9]{0,9}(\\.[0-9]{0,6})?$")), m_cap));
    m_capHint = new QLabel(capRow);
    m_capHint->setForegroundRole(QPalette::PlaceholderText);
    capLayout->addWidget(dollar);
    capLayout->addWidget(m_cap);
    capLayout->addWidget(new QLabel(tr("per day"), capRow));
    capLayout->addSpacing(8);
    capLayout->addWidget(m_capHint, 1);
    auto *capLabel = new QLabel(tr("&Daily cap:"), this);
    capLabel->setBuddy(m_cap);
    form->addRow(capLabel, withError(capRow, QStringLiteral("daily_usd_cap")));

    // Velocity: the automatic brake of a runaway, no click needed.
    auto *velocityRow = new QWidget(this);
    auto *velocityLayout = new QHBoxLayout(velocityRow);
    velocityLayout->setContentsMargins(0, 0, 0, 0);
    m_maxCalls = new QLineEdit(velocityRow);
    m_maxCalls->setObjectName(QStringLiteral("maxCallsPerMinuteLineEdit"));
    m_maxCalls->setAccessibleName(tr("Most calls a minute"));
    m_maxCalls->setPlaceholderText(tr("no limit"));
    m_maxCalls->setAlignment(Qt::AlignRight);
    m_maxCalls->setMaximumWidth(90);
    m_maxCalls->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("^[0-9]{0,7}$")), m_maxCalls));
    m_maxUsd = new QLineEdit(velocityRow);
    m_maxUsd->setObjectName(QStringLiteral("maxUsdPerMinuteLineEdit"));
    m_maxUsd->setAccessibleName(tr("Most US dollars a minute"));
    m_maxUsd->setPlaceholderText(tr("no limit"));
    m_maxUsd->setAlignment(Qt::AlignRight);
    m_maxUsd->setMaximumWidth(110);
    m_maxUsd->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("^[0-9]{0,7}(\\.[0-9]{0,6})?$")), m_maxUsd));
    velocityLayout->addWidget(new QLabel(tr("at most"), velocityRow));
    velocityLayout->addWidget(m_maxCalls);
    velocityLayout->addWidget(new QLabel(tr("calls and $"), velocityRow));
    velocityLayout->addWidget(m_maxUsd);
    velocityLayout->addWidget(new QLabel(tr("a minute"), velocityRow));
    velocityLayout->addStretch(1);
    velocityRow->setToolTip(tr("Calls over either limit in any 60 seconds are refused (429), so a "
                               "runaway is slowed with no one clicking. Empty: no limit of the "
                               "key's own (the server's default for the label's prefix applies, "
                               "if one is set)."));
    auto *velocityLabel = new QLabel(tr("Ve&locity:"), this);
    velocityLabel->setBuddy(m_maxCalls);
    form->addRow(velocityLabel, withError(velocityRow, QStringLiteral("velocity")));

    auto *expiryBox = new QWidget(this);
    auto *expiryLayout = new QVBoxLayout(expiryBox);
    expiryLayout->setContentsMargins(0, 0, 0, 0);
    auto *presets = new QHBoxLayout;
    presets->setSpacing(4);
    m_expiry = new QButtonGroup(this);
    const QList<QPair<Preset, QString>> presetNames = {
        {Preset::Minutes15, tr("1&5 min")},
        {Preset::Hour1, tr("1 &h")},
        {Preset::Hours24, tr("2&4 h")},
        {Preset::Custom, tr("C&ustom…")},
    };
    for (const auto &[preset, name] : presetNames) {
        auto *button = new QPushButton(name, expiryBox);
        button->setCheckable(true);
        button->setAutoDefault(false);
        button->setObjectName(QStringLiteral("expiry%1PushButton").arg(int(preset)));
        button->setAccessibleName(tr("Expires in %1").arg(QString(name).remove(QLatin1Char('&'))));
        if (preset == Preset::Minutes15)
            button->setToolTip(tr("The longest an AWS Lambda invocation can run"));
        m_expiry->addButton(button, int(preset));
        presets->addWidget(button);
    }
    presets->addStretch(1);
    m_expiry->button(int(Preset::Minutes15))->setChecked(true);
    expiryLayout->addLayout(presets);
    m_customExpiry = new QDateTimeEdit(expiryBox);
    m_customExpiry->setObjectName(QStringLiteral("customExpiryDateTimeEdit"));
    m_customExpiry->setAccessibleName(tr("Custom expiry date and time"));
    m_customExpiry->setCalendarPopup(true);
    m_customExpiry->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    const bool utc = m_session->timeFormatter().zone() == TimeZoneDisplay::Utc;
    setDateTimeEditUtc(m_customExpiry, utc);
    const QDateTime inTwoHours = QDateTime::currentDateTimeUtc().addSecs(2 * 3600);
    m_customExpiry->setDateTime(utc ? inTwoHours : inTwoHours.toLocalTime());
    m_customExpiry->setEnabled(false);
    auto *customRowLayout = new QHBoxLayout;
    customRowLayout->addWidget(m_customExpiry);
    customRowLayout->addWidget(new QLabel(m_session->timeFormatter().zoneName(), expiryBox));
    customRowLayout->addStretch(1);
    expiryLayout->addLayout(customRowLayout);
    auto *expiryLabel = new QLabel(tr("&Expires in:"), this);
    expiryLabel->setBuddy(m_expiry->button(int(Preset::Minutes15)));
    form->addRow(expiryLabel, withError(expiryBox, QStringLiteral("expires")));

    m_label = new QLineEdit(this);
    m_label->setObjectName(QStringLiteral("runLabelLineEdit"));
    m_label->setAccessibleName(tr("Run label"));
    m_label->setPlaceholderText(QStringLiteral("lambda/billing-agent/6b1f0c1e-msg"));
    m_label->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_label->setMaxLength(200);
    auto *labelLabel = new QLabel(tr("Run &label:"), this);
    labelLabel->setBuddy(m_label);
    form->addRow(labelLabel, withError(m_label, QStringLiteral("agent_run_label")));

    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("nameLineEdit"));
    m_name->setAccessibleName(tr("Name"));
    m_name->setPlaceholderText(tr("Defaults to the run label"));
    auto *nameLabel = new QLabel(tr("&Name:"), this);
    nameLabel->setBuddy(m_name);
    form->addRow(nameLabel, withError(m_name, QStringLiteral("name")));

    m_scopeStack = new QStackedWidget(this);
    const auto scopePage = [this](const QList<QPair<QString, QLineEdit **>> &fields) {
        auto *page = new QWidget(m_scopeStack);
        auto *layout = new QFormLayout(page);
        layout->setContentsMargins(0, 0, 0, 0);
        for (const auto &[label, edit] : fields) {
            *edit = new QLineEdit(page);
            (*edit)->setAccessibleName(label);
            (*edit)->setPlaceholderText(tr("optional, comma-separated"));
            layout->addRow(label, *edit);
        }
        m_scopeStack->addWidget(page);
    };
    scopePage(
        {{tr("Customers"), &m_stripeCustomers}, {tr("Connected accounts"), &m_stripeAccounts}});
    scopePage({{tr("From numbers"), &m_twilioNumbers}});
    scopePage({{tr("From domains"), &m_resendDomains}});
    m_stripeCustomers->setObjectName(QStringLiteral("stripeCustomersLineEdit"));
    m_stripeCustomers->setPlaceholderText(tr("cus_…, comma-separated (optional)"));
    m_stripeAccounts->setObjectName(QStringLiteral("stripeAccountsLineEdit"));
    m_stripeAccounts->setPlaceholderText(tr("acct_…, comma-separated (optional)"));
    m_twilioNumbers->setObjectName(QStringLiteral("twilioNumbersLineEdit"));
    m_twilioNumbers->setPlaceholderText(tr("+15550001111, comma-separated (optional)"));
    m_resendDomains->setObjectName(QStringLiteral("resendDomainsLineEdit"));
    m_resendDomains->setPlaceholderText(tr("example.com, comma-separated (optional)"));
    form->addRow(new QLabel(tr("Scope:"), this), withError(m_scopeStack, QStringLiteral("scope")));

    // Right: the live preview.
    auto *preview = new QGroupBox(tr("Preview"), this);
    preview->setObjectName(QStringLiteral("previewGroupBox"));
    auto *previewLayout = new QVBoxLayout(preview);
    previewLayout->setSpacing(6);
    m_summary = new QLabel(preview);
    m_summary->setObjectName(QStringLiteral("policySummaryLabel"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont summaryFont = m_summary->font();
    summaryFont.setPointSizeF(summaryFont.pointSizeF() * 1.08);
    m_summary->setFont(summaryFont);
    m_summary->setAccessibleName(tr("Policy summary"));
    previewLayout->addWidget(m_summary);
    previewLayout->addSpacing(4);
    previewLayout->addWidget(new QLabel(tr("Request body (POST /v1/keys)"), preview));
    m_json = new QPlainTextEdit(preview);
    m_json->setObjectName(QStringLiteral("jsonPreviewPlainTextEdit"));
    m_json->setAccessibleName(tr("Request body"));
    m_json->setReadOnly(true);
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setLineWrapMode(QPlainTextEdit::NoWrap);
    previewLayout->addWidget(m_json, 3);
    auto *curlHeader = new QHBoxLayout;
    curlHeader->addWidget(new QLabel(tr("The same with curl"), preview), 1);
    auto *copyCurl = new QToolButton(preview);
    copyCurl->setObjectName(QStringLiteral("copyCurlToolButton"));
    copyCurl->setIcon(ThemedIcon::icon(QStringLiteral("copy")));
    copyCurl->setText(tr("Copy"));
    copyCurl->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    copyCurl->setAutoRaise(true);
    copyCurl->setAccessibleName(tr("Copy the curl command"));
    curlHeader->addWidget(copyCurl);
    previewLayout->addLayout(curlHeader);
    m_curl = new QPlainTextEdit(preview);
    m_curl->setObjectName(QStringLiteral("curlPreviewPlainTextEdit"));
    m_curl->setAccessibleName(tr("curl command"));
    m_curl->setReadOnly(true);
    m_curl->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_curl->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_curl->setMaximumHeight(m_curl->fontMetrics().height() * 6 + 24);
    previewLayout->addWidget(m_curl, 1);
    columns->addWidget(preview, 4);

    m_generalError = new QLabel(this);
    m_generalError->setObjectName(QStringLiteral("issueErrorLabel"));
    m_generalError->setWordWrap(true);
    QPalette errorPalette = m_generalError->palette();
    errorPalette.setColor(QPalette::WindowText, ConsoleColors::danger(palette()));
    m_generalError->setPalette(errorPalette);
    m_generalError->hide();
    outer->addWidget(m_generalError);

    auto *buttons = new QDialogButtonBox(this);
    m_issue = buttons->addButton(tr("Issue key"), QDialogButtonBox::AcceptRole);
    m_issue->setObjectName(QStringLiteral("issuePushButton"));
    m_issue->setIcon(ThemedIcon::icon(QStringLiteral("issue-key")));
    m_issue->setDefault(true);
    buttons->addButton(QDialogButtonBox::Cancel)->setObjectName(QStringLiteral("cancelPushButton"));
    outer->addWidget(buttons);

    QWidget *order[] = {m_vendor,
                        m_operationsView,
                        m_custom,
                        m_addCustom,
                        m_cap,
                        m_maxCalls,
                        m_maxUsd,
                        m_expiry->button(int(Preset::Minutes15)),
                        m_expiry->button(int(Preset::Hour1)),
                        m_expiry->button(int(Preset::Hours24)),
                        m_expiry->button(int(Preset::Custom)),
                        m_customExpiry,
                        m_label,
                        m_name,
                        m_stripeCustomers,
                        m_stripeAccounts,
                        m_twilioNumbers,
                        m_resendDomains,
                        m_issue};
    for (std::size_t i = 1; i < std::size(order); ++i)
        setTabOrder(order[i - 1], order[i]);

    connect(buttons, &QDialogButtonBox::accepted, this, &IssueKeyDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_vendor, &QComboBox::currentIndexChanged, this, &IssueKeyDialog::onVendorChanged);
    connect(m_operations, &OperationChecklistModel::checkedChanged, this,
            &IssueKeyDialog::updatePreview);
    connect(m_addCustom, &QPushButton::clicked, this, [this] {
        const QString entry = m_custom->text().trimmed();
        const QString problem = KeyPolicyDraft::checkCustomEndpoint(entry);
        if (!problem.isEmpty()) {
            showFieldError(QStringLiteral("allowed_endpoints"), problem);
            return;
        }
        errorLabel(QStringLiteral("allowed_endpoints"))->hide();
        m_operations->addCustom(entry);
        m_custom->clear();
    });
    connect(m_custom, &QLineEdit::returnPressed, m_addCustom, &QPushButton::click);
    connect(m_expiry, &QButtonGroup::idClicked, this, [this](int id) {
        m_customExpiry->setEnabled(Preset(id) == Preset::Custom);
        clearFieldError(QStringLiteral("expires"));
        updatePreview();
    });
    for (QLineEdit *edit : {m_cap, m_maxCalls, m_maxUsd, m_label, m_name, m_stripeCustomers,
                            m_stripeAccounts, m_twilioNumbers, m_resendDomains})
        connect(edit, &QLineEdit::textChanged, this, &IssueKeyDialog::updatePreview);
    const QList<QPair<QLineEdit *, QString>> fieldOf = {
        {m_cap, QStringLiteral("daily_usd_cap")},
        {m_maxCalls, QStringLiteral("velocity")},
        {m_maxUsd, QStringLiteral("velocity")},
        {m_label, QStringLiteral("agent_run_label")},
        {m_name, QStringLiteral("name")},
        {m_stripeCustomers, QStringLiteral("scope")},
        {m_stripeAccounts, QStringLiteral("scope")},
        {m_twilioNumbers, QStringLiteral("scope")},
        {m_resendDomains, QStringLiteral("scope")},
    };
    for (const auto &[edit, field] : fieldOf)
        connect(edit, &QLineEdit::textChanged, this, [this, field] { clearFieldError(field); });
    connect(m_operations, &OperationChecklistModel::checkedChanged, this,
            [this] { clearFieldError(QStringLiteral("allowed_endpoints")); });
    connect(m_vendor, &QComboBox::currentIndexChanged, this,
            [this] { clearFieldError(QStringLiteral("vendor")); });
    connect(m_customExpiry, &QDateTimeEdit::dateTimeChanged, this, [this] {
        if (m_customExpiry->isEnabled())
            clearFieldError(QStringLiteral("expires"));
        updatePreview();
    });
    connect(copyCurl, &QToolButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_curl->toPlainText()); });
}

void IssueKeyDialog::onCatalog()
{
    const client::VendorCatalog &catalog = m_session->catalog();
    const QString current = m_vendor->currentData().toString();
    {
        const QSignalBlocker block(m_vendor);
        m_vendor->clear();
        for (const client::VendorInfo &info : catalog.vendors) {
            QString title = info.vendor;
            if (!title.isEmpty())
                title[0] = title.at(0).toUpper();
            m_vendor->addItem(title, info.vendor);
        }
        const int index = m_vendor->findData(current);
        m_vendor->setCurrentIndex(index >= 0 ? index : 0);
    }
    const Usd max = catalog.maxDailyUsdCap.micros() > 0
        ? catalog.maxDailyUsdCap
        : (m_session->whoAmI() ? m_session->whoAmI()->maxDailyUsdCap : Usd());
    m_capHint->setText(max.micros() > 0 ? tr("server maximum %1").arg(UsdText::display(max))
                                        : QString());
    onVendorChanged();
    if (m_pending) {
        loadDraft(*m_pending);
        m_pending.reset();
    }
}

void IssueKeyDialog::loadDraft(const KeyPolicyDraft &draft)
{
    const int vendorIndex = m_vendor->findData(draft.vendor);
    if (vendorIndex >= 0)
        m_vendor->setCurrentIndex(vendorIndex);
    m_operations->setCheckedEndpoints(draft.allowedEndpoints());
    if (draft.dailyCap.micros() > 0)
        m_cap->setText(QString::fromStdString(draft.dailyCap.toDecimal()));
    m_expiry->button(int(draft.expiry))->setChecked(true);
    m_customExpiry->setEnabled(draft.expiry == Preset::Custom);
    m_label->setText(draft.runLabel);
    m_name->setText(draft.name);
    m_maxCalls->setText(draft.maxCallsPerMinute ? QString::number(*draft.maxCallsPerMinute)
                                                : QString());
    m_maxUsd->setText(draft.maxUsdPerMinute
                          ? QString::fromStdString(draft.maxUsdPerMinute->toDecimal())
                          : QString());
    m_stripeCustomers->setText(draft.scope.stripeCustomers.join(u", "));
    m_stripeAccounts->setText(draft.scope.stripeAccounts.join(u", "));
    m_twilioNumbers->setText(draft.scope.twilioFromNumbers.join(u", "));
    m_resendDomains->setText(draft.scope.resendFromDomains.join(u", "));
    updatePreview();
}

void IssueKeyDialog::onVendorChanged()
{
    const QString vendor = m_vendor->currentData().toString();
    const client::VendorInfo *info = m_session->catalog().find(vendor);
    if (info) {
        const QStringList custom = m_operations->checkedCustom();
        m_operations->setVendor(*info);
        for (const QString &entry : custom)
            m_operations->addCustom(entry);
        m_vendorNote->setText(
            info->credentialConfigured
                ? QString()
                : tr("no %1 credential configured on the server yet").arg(m_vendor->currentText()));
    }
    m_scopeStack->setCurrentIndex(vendor == QLatin1String("twilio")       ? 1
                                      : vendor == QLatin1String("resend") ? 2
                                                                          : 0);
    updatePreview();
}

KeyPolicyDraft IssueKeyDialog::draft() const
{
    KeyPolicyDraft draft;
    draft.vendor = m_vendor->currentData().toString();
    draft.operations = m_operations->checkedOperations();
    draft.customEndpoints = m_operations->checkedCustom();
    draft.dailyCap = Usd::fromDecimal(m_cap->text().trimmed().toStdString()).value_or(Usd());
    draft.expiry = Preset(std::max(0, m_expiry->checkedId()));
    draft.customExpiresAt = m_customExpiry->dateTime().toUTC();
    draft.runLabel = m_label->text();
    draft.name = m_name->text();
    draft.scope.stripeCustomers = splitList(m_stripeCustomers->text());
    draft.scope.stripeAccounts = splitList(m_stripeAccounts->text());
    draft.scope.twilioFromNumbers = splitList(m_twilioNumbers->text());
    draft.scope.resendFromDomains = splitList(m_resendDomains->text());
    if (const QString calls = m_maxCalls->text().trimmed(); !calls.isEmpty())
        draft.maxCallsPerMinute = calls.toLongLong();
    if (const QString usd = m_maxUsd->text().trimmed(); !usd.isEmpty())
        draft.maxUsdPerMinute = Usd::fromDecimal(usd.toStdString()).value_or(Usd());
    draft.idempotencyKey = m_idempotencyKey;
    return draft;
}

QString IssueKeyDialog::fieldError(const QString &field) const
{
    QLabel *label = m_errors.value(fieldKey(field));
    return label && !label->isHidden() ? label->text() : QString();
}

QString IssueKeyDialog::summaryText() const
{
    return m_summary->text();
}

void IssueKeyDialog::updatePreview()
{
    const KeyPolicyDraft current = draft();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // The greyed custom expiry shows when a preset would expire the key, not an unrelated
    // time; choosing Custom starts from there.
    if (current.expiry != Preset::Custom) {
        const QSignalBlocker block(m_customExpiry);
        const QDateTime expires = current.expiresAt(now);
        m_customExpiry->setDateTime(dateTimeEditIsUtc(m_customExpiry) ? expires
                                                                      : expires.toLocalTime());
    }
    const QString zone = m_session->whoAmI() ? m_session->whoAmI()->spendTimezone : QString();
    m_summary->setText(
        current.summary(m_session->timeFormatter(), zone, QDateTime::currentDateTimeUtc()));
    m_json->setPlainText(QString::fromUtf8(current.jsonPreview()));
    m_curl->setPlainText(current.curlCommand(m_session->profile().url));
}

void IssueKeyDialog::clearFieldError(const QString &field)
{
    if (QLabel *label = m_errors.value(fieldKey(field)))
        label->hide();
    m_generalError->hide();
}

void IssueKeyDialog::clearErrors()
{
    for (QLabel *label : std::as_const(m_errors))
        label->hide();
    m_generalError->hide();
}

QLabel *IssueKeyDialog::errorLabel(const QString &field)
{
    QLabel *label = m_errors.value(fieldKey(field));
    return label ? label : m_generalError;
}

void IssueKeyDialog::showFieldError(const QString &field, const QString &message)
{
    QLabel *label = errorLabel(field);
    label->setText(message);
    label->show();
}

void IssueKeyDialog::setBusy(bool busy)
{
    m_issue->setEnabled(!busy);
    m_issue->setText(busy ? tr("Issuing…") : tr("Issue key"));
}

void IssueKeyDialog::submit()
{
    if (m_request)
        return;
    clearErrors();
    const QString blocked = m_session->blockedReason(client::AdminRole::Issuer);
    if (!blocked.isEmpty()) {
        m_generalError->setText(blocked);
        m_generalError->show();
        return;
    }
    const KeyPolicyDraft current = draft();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    client::VendorCatalog catalog = m_session->catalog();
    if (catalog.maxDailyUsdCap.micros() <= 0 && m_session->whoAmI())
        catalog.maxDailyUsdCap = m_session->whoAmI()->maxDailyUsdCap;
    const QList<KeyPolicyDraft::FieldError> errors = current.validate(catalog, now);
    if (!errors.isEmpty()) {
        for (const KeyPolicyDraft::FieldError &error : errors)
            showFieldError(error.field, error.message);
        return;
    }
    setBusy(true);
    m_request = m_session->client()->issueKey(
        current.toRequest(), this, [this](const client::Result<client::IssuedKey> &result) {
            m_request.clear(); // done, though the request object is deleted a moment later
            setBusy(false);
            if (result) {
                m_session->monitor()->reportSuccess();
                Q_EMIT keyIssued(*result);
                accept();
                return;
            }
            const client::ApiError &error = result.error();
            m_session->monitor()->reportFailure(error);
            if (!error.field.isEmpty())
                showFieldError(error.field,
                               error.serverMessage.isEmpty() ? error.message : error.serverMessage);
            else
                showFieldError(QString(), error.message);
        });
}

} // namespace keybrake
