#include "app/application.h"

int main(int argc, char *argv[])
{
    if (keybrake::Application::handleInformationalArguments(argc, argv))
        return 0;
    keybrake::Application app(argc, argv);
    return app.exec();
}
