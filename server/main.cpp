#include "admin/adminkeyroutes.h"
#include "config.h"
#include "keybrakeserver.h"

#include <future>
#include <iostream>
#include <malloc.h>

using namespace keybrake;

namespace {

// keybraked admin-keys create --role R --name N: opens the store directly (the server may be
// running; SQLite serialises the writers) and prints the new key once.
int createAdminKey(const ParsedCommandLine &parsed)
{
    const auto roleIt = parsed.subcommandFlags.find("role");
    const auto nameIt = parsed.subcommandFlags.find("name");
    const auto role =
        roleIt == parsed.subcommandFlags.end() ? std::nullopt : parseRole(roleIt->second);
    if (!role || nameIt == parsed.subcommandFlags.end() || nameIt->second.empty()) {
        std::cerr << "usage: keybraked admin-keys create --role viewer|issuer|operator|admin "
                     "--name NAME [--store URL]\n";
        return 2;
    }
    auto store = openStore(parsed.config.store);
    const std::string secret = newAdminKeySecret();
    const TimePoint now = std::chrono::system_clock::now();
    AdminKey key = makeAdminKey(secret, nameIt->second, *role, now, "cli");
    AuditEntry audit = adminKeyAudit(key, "admin_key.created", "cli", "", now);
    std::promise<bool> created;
    store->createAdminKey(key, std::move(audit),
                          [&created](StoreResult<Done> result) { created.set_value(result.ok()); });
    const bool ok = created.get_future().get();
    store->close();
    if (!ok) {
        std::cerr << "keybraked: the admin key could not be stored (is the store writable?)\n";
        return 1;
    }
    std::cerr << "Created admin key " << key.id << " (" << roleName(key.role)
              << "). It is shown once below and stored only as a hash.\n";
    std::cout << secret << std::endl;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    // Every proxied call allocates and frees its request, answer and JSON; glibc's default trim
    // threshold then hands memory back to the kernel (madvise, with TLB flushes) many times a
    // second, which profiling showed as ~13 % of the store writer's time. Keep up to 64 MiB.
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
    ParsedCommandLine parsed;
    try {
        parsed = parseCommandLine(argc, argv, currentEnvironment());
    } catch (const std::exception &error) {
        std::cerr << "keybraked: " << error.what() << "\n";
        return 2;
    }
    if (parsed.help) {
        std::cout << helpText();
        return 0;
    }
    if (parsed.version) {
        std::cout << "keybraked " << kServerVersion << "\n";
        return 0;
    }
    try {
        if (parsed.positional == std::vector<std::string> {"admin-keys", "create"})
            return createAdminKey(parsed);
        if (!parsed.positional.empty()) {
            std::cerr << "keybraked: unknown command \"" << parsed.positional.front()
                      << "\" (see keybraked --help)\n";
            return 2;
        }
        KeybrakeServer server(parsed.config);
        server.start();
        server.run();
    } catch (const std::exception &error) {
        std::cerr << "keybraked: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
