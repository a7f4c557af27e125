#include "app/application.h"

#include "client/serveraddress.h"
#include "resources/keybrakeresources.h"

#include <QCommandLineParser>
#include <QIcon>
#include <QLoggingCategory>
#include <QPalette>
#include <QStyleFactory>
#include <QTextStream>

#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>
#endif

#include <cstdio>

namespace keybrake {

Q_LOGGING_CATEGORY(lcApp, "keybrake.app")

namespace {

QCommandLineParser *buildParser(QCommandLineParser *parser)
{
    parser->setApplicationDescription(QCoreApplication::translate(
        "Application",
        "Keybrake Console: watch live vault keys, their spend against their caps, and revoke "
        "them.\nThe admin key comes from the system keychain, or from KEYBRAKE_API_KEY."));
    parser->addHelpOption();
    parser->addVersionOption();
    parser->addOption({QStringLiteral("profile"),
                       QCoreApplication::translate("Application", "Open the saved profile NAME."),
                       QCoreApplication::translate("Application", "NAME")});
    parser->addOption(
        {QStringLiteral("server"),
         QCoreApplication::translate("Application",
                                     "Open the server at URL (key from the keychain or "
                                     "KEYBRAKE_API_KEY)."),
         QCoreApplication::translate("Application", "URL")});
    parser->addOption(
        {QStringLiteral("demo"),
         QCoreApplication::translate(
             "Application",
             "Start a demo on this computer: keybraked with simulated vendors and simulated "
             "agents spending through it, signed in (data kept in the user's data folder).")});
    return parser;
}

QPalette lightPalette()
{
    QPalette p;
    const QColor window(0xf5, 0xf6, 0xf8);
    const QColor base(0xff, 0xff, 0xff);
    const QColor text(0x1b, 0x1f, 0x24);
    const QColor accent(0x1f, 0x6f, 0xeb);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0xf6, 0xf8, 0xfa));
    p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xf0));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x6e, 0x77, 0x81));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0xfb, 0xfb, 0xfc));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, Qt::white);
    p.setColor(QPalette::Midlight, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Mid, QColor(0xc4, 0xc9, 0xd0));
    p.setColor(QPalette::Dark, QColor(0x8c, 0x95, 0x9f));
    p.setColor(QPalette::Shadow, QColor(0x57, 0x60, 0x6a));
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, accent);
    p.setColor(QPalette::LinkVisited, accent.darker(120));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x8c, 0x95, 0x9f));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x8c, 0x95, 0x9f));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x8c, 0x95, 0x9f));
    p.setColor(QPalette::Inactive, QPalette::Highlight, QColor(0xd3, 0xe3, 0xfd));
    p.setColor(QPalette::Inactive, QPalette::HighlightedText, text);
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x1e, 0x21, 0x26);
    const QColor base(0x16, 0x19, 0x1d);
    const QColor text(0xe6, 0xe9, 0xed);
    const QColor accent(0x4c, 0x8d, 0xf6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x1c, 0x20, 0x25));
    p.setColor(QPalette::ToolTipBase, QColor(0x2d, 0x33, 0x3b));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8b, 0x94, 0x9e));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2a, 0x2f, 0x36));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x3a, 0x40, 0x48));
    p.setColor(QPalette::Midlight, QColor(0x32, 0x37, 0x3e));
    p.setColor(QPalette::Mid, QColor(0x44, 0x4c, 0x56));
    p.setColor(QPalette::Dark, QColor(0x10, 0x12, 0x15));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, accent.lighter(115));
    p.setColor(QPalette::LinkVisited, accent);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6e, 0x76, 0x81));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6e, 0x76, 0x81));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6e, 0x76, 0x81));
    p.setColor(QPalette::Inactive, QPalette::Highlight, QColor(0x2b, 0x3d, 0x5c));
    p.setColor(QPalette::Inactive, QPalette::HighlightedText, text);
    return p;
}

} // namespace

Application::Application(int &argc, char **argv)
    : QApplication(argc, argv)
{
    setIdentity();
    initResources();
    installTranslations();
    setWindowIcon(QIcon(QStringLiteral(":/icons/keybrake.svg")));
    setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    // Before our palette replaces it, the platform's palette is the best hint of the system's
    // scheme where no portal answers.
    m_systemDark = palette().color(QPalette::Window).lightness() < 128;
    const QByteArray gtkTheme = qgetenv("GTK_THEME");
    if (gtkTheme.endsWith(":dark"))
        m_systemDark = true;
    watchSystemColorScheme();
    applyPalette();
}

Application::~Application() = default;

void Application::setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Keybrake"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("keybrake.com"));
    QCoreApplication::setApplicationName(QStringLiteral("keybrake-console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(KEYBRAKE_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Keybrake Console"));
    QGuiApplication::setDesktopFileName(QStringLiteral("com.keybrake.Console"));
}

bool Application::handleInformationalArguments(int argc, char **argv)
{
    bool informational = false;
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "--version" || arg == "-v" || arg == "--help" || arg == "-h" || arg == "-?"
            || arg == "--help-all")
            informational = true;
    }
    if (!informational)
        return false;
    QCoreApplication core(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("keybrake-console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(KEYBRAKE_VERSION));
    QCommandLineParser parser;
    buildParser(&parser);
    // process() prints the version or help text and exits the process.
    parser.process(core);
    return true;
}

bool Application::parseLaunchOptions(LaunchOptions *options, QString *error) const
{
    QCommandLineParser parser;
    buildParser(&parser);
    if (!parser.parse(arguments())) {
        *error = parser.errorText();
        return false;
    }
    options->profileName = parser.value(QStringLiteral("profile"));
    options->demo = parser.isSet(QStringLiteral("demo"));
    if (options->demo
        && (parser.isSet(QStringLiteral("profile")) || parser.isSet(QStringLiteral("server")))) {
        *error = tr("--demo starts its own server: leave out --profile and --server.");
        return false;
    }
    if (parser.isSet(QStringLiteral("server"))) {
        // Plain HTTP across the network is judged later, by the profile that allows it or not.
        const client::ServerAddress::Parsed server =
            client::ServerAddress::parse(parser.value(QStringLiteral("server")), true);
        if (!server.problem.isEmpty()) {
            *error = tr("--server: %1").arg(server.problem);
            return false;
        }
        options->serverUrl = server.url;
    }
    return true;
}

void Application::setThemePreference(ThemePreference preference)
{
    m_preference = preference;
    applyPalette();
}

QString Application::keychainService()
{
    return QStringLiteral("com.keybrake.Console");
}

void Application::applyPalette()
{
    const bool dark = m_preference == ThemePreference::Dark
        || (m_preference == ThemePreference::System && m_systemDark);
    const bool changed = dark != m_dark;
    m_dark = dark;
    setPalette(dark ? darkPalette() : lightPalette());
    if (changed)
        Q_EMIT themeChanged(dark);
}

void Application::watchSystemColorScheme()
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    // Qt 6.4 has no QStyleHints::colorScheme() (6.5), so ask the XDG desktop portal, which GNOME
    // and KDE both answer: 0 no preference, 1 dark, 2 light. Asynchronously: a missing portal
    // must not delay the first window.
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return;
    const QString service = QStringLiteral("org.freedesktop.portal.Desktop");
    const QString path = QStringLiteral("/org/freedesktop/portal/desktop");
    const QString interface = QStringLiteral("org.freedesktop.portal.Settings");
    QDBusMessage call =
        QDBusMessage::createMethodCall(service, path, interface, QStringLiteral("Read"));
    call << QStringLiteral("org.freedesktop.appearance") << QStringLiteral("color-scheme");
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(call, 2000), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this](QDBusPendingCallWatcher *finished) {
                finished->deleteLater();
                QDBusPendingReply<QDBusVariant> reply = *finished;
                if (reply.isError())
                    return;
                // Read() wraps the value in a second variant.
                QVariant value = reply.value().variant();
                if (value.canConvert<QDBusVariant>())
                    value = value.value<QDBusVariant>().variant();
                onSystemColorScheme(value.toUInt());
            });
    bus.connect(service, path, interface, QStringLiteral("SettingChanged"), this,
                SLOT(onPortalSettingChanged(QString, QString, QDBusVariant)));
#endif
}

void Application::onPortalSettingChanged(const QString &group, const QString &key,
                                         const QDBusVariant &value)
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    if (group == QLatin1String("org.freedesktop.appearance")
        && key == QLatin1String("color-scheme"))
        onSystemColorScheme(value.variant().toUInt());
#else
    Q_UNUSED(group)
    Q_UNUSED(key)
    Q_UNUSED(value)
#endif
}

void Application::onSystemColorScheme(uint scheme)
{
    if (scheme == 0)
        return;
    m_systemDark = scheme == 1;
    applyPalette();
}

} // namespace keybrake
