// keybrake-loadgen: the HTTP load of the proxy benchmark (see loadoptions.cpp for the modes).

#include "loadoptions.h"
#include "loadrun.h"

#include <boost/json/serialize.hpp>

#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    using namespace keybrake::bench;
    const LoadArguments arguments = parseLoadArguments({argv + 1, argv + argc});
    if (arguments.help) {
        std::cout << loadUsage();
        return 0;
    }
    if (!arguments.error.empty()) {
        std::cerr << "keybrake-loadgen: " << arguments.error << "\n\n" << loadUsage();
        return 2;
    }
    try {
        std::cout << boost::json::serialize(runLoad(arguments.options)) << std::endl;
    } catch (const std::exception &error) {
        std::cerr << "keybrake-loadgen: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
