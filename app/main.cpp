#include "app/application.h"
#include "app/consolelauncher.h"
#include "app/demolauncher.h"
#include "app/keychainsecretstore.h"
#include "app/memorysecretstore.h"
#include "app/settings.h"

#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    using namespace keybrake;
    if (Application::handleInformationalArguments(argc, argv))
        return 0;
    Application app(argc, argv);

    LaunchOptions options;
    QString error;
    if (!app.parseLaunchOptions(&options, &error)) {
        QTextStream(stderr) << error << '\n';
        return 2;
    }
    Settings settings;
    app.setThemePreference(settings.theme());
    KeychainSecretStore keychain(Application::keychainService());
    MemorySecretStore sessionOnly;
    ConsoleLauncher launcher(&settings, &keychain, &sessionOnly);
    if (options.demo) {
        // The demo quits once its children have stopped, not the moment its window closes.
        DemoLauncher demo(&launcher, &keychain, &sessionOnly);
        app.setQuitOnLastWindowClosed(false);
        QObject::connect(&demo, &DemoLauncher::stopped, &app, &QCoreApplication::quit,
                         Qt::QueuedConnection);
        demo.start();
        return app.exec();
    }
    app.setQuitOnLastWindowClosed(true);
    QObject::connect(&launcher, &ConsoleLauncher::abandoned, &app, &QCoreApplication::quit,
                     Qt::QueuedConnection);
    launcher.start(options);
    return app.exec();
}
