// The runs and report routes at 1,000,000 audit rows (issue 5): fills a store with thirty days of
// traffic, starts the real keybraked on it, and times every report route and the CSV export over
// HTTP, several times each, printing the median and the worst against the 500 ms target.
// Prints numbers; asserts nothing.
//
// Usage: bench_reports [--rows N] [--reps N] [--dir DIR] [--keybraked PATH] [--keep]
//   --rows       proxied calls in the store (default 1000000)
//   --reps       timed repetitions per route, after one untimed warm-up (default 5)
//   --dir        where the store goes (default: a new directory under /tmp); an existing
//                bench.db there with the same --rows is reused
//   --keybraked  the server binary (default: keybraked beside this program)
//   --keep       leave the store behind

#include "reportsfill.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Stopwatch = std::chrono::steady_clock;
using namespace keybrake;

constexpr const char *kAdminKey = "kb_benchReportsAdminKey0123456789abcdefghijklmnop";
constexpr double kTargetMs = 500.0;

struct Options
{
    std::int64_t rows = 1'000'000;
    int reps = 5;
    std::string dir;
    std::string keybraked;
    bool keep = false;
};

struct Timing
{
    unsigned status = 0;
    double firstByteMs = 0;
    double totalMs = 0;
    std::size_t bytes = 0;
    std::string body; // kept only when asked
};

double since(Stopwatch::time_point start)
{
    return std::chrono::duration<double, std::milli>(Stopwatch::now() - start).count();
}

// One GET on a fresh connection: time to the response header and to the last body byte. The body
// is read in 64 KiB pieces, so a 300 MB export is never held.
Timing get(unsigned short port, const std::string &target, bool keepBody)
{
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    bhttp::request<bhttp::empty_body> request {bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::authorization, std::string("Bearer ") + kAdminKey);
    request.set(bhttp::field::connection, "close");

    Timing timing;
    const auto start = Stopwatch::now();
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    bhttp::read_header(stream, buffer, parser);
    timing.firstByteMs = since(start);
    timing.status = parser.get().result_int();
    std::vector<char> chunk(64 * 1024);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        beast::error_code error;
        bhttp::read(stream, buffer, parser, error);
        if (error && error != bhttp::error::need_buffer)
            throw beast::system_error(error);
        const std::size_t got = chunk.size() - parser.get().body().size;
        timing.bytes += got;
        if (keepBody)
            timing.body.append(chunk.data(), got);
    }
    timing.totalMs = since(start);
    return timing;
}

std::string encode(std::string_view text)
{
    return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::optional<Options> parse(int argc, char **argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--rows")
            options.rows = std::stoll(value());
        else if (arg == "--reps")
            options.reps = std::max(1, std::stoi(value()));
        else if (arg == "--dir")
            options.dir = value();
        else if (arg == "--keybraked")
            options.keybraked = value();
        else if (arg == "--keep")
            options.keep = true;
        else
            return std::nullopt;
    }
    if (options.keybraked.empty())
        options.keybraked =
            (std::filesystem::canonical("/proc/self/exe").parent_path() / "keybraked").string();
    return options;
}

// keybraked on the store, on a free port; its pid and port.
std::pair<pid_t, unsigned short> startServer(const Options &options, const std::string &store,
                                             const std::string &dir)
{
    const std::string log = dir + "/keybraked.log";
    std::vector<std::string> env;
    for (char **e = environ; *e; ++e) {
        if (std::strncmp(*e, "KEYBRAKE_", 9) != 0)
            env.emplace_back(*e);
    }
    env.push_back("KEYBRAKE_STORE=sqlite:" + store);
    env.push_back("KEYBRAKE_LISTEN=127.0.0.1:0");
    env.push_back(std::string("KEYBRAKE_BOOTSTRAP_ADMIN_KEY=") + kAdminKey);
    env.push_back("KEYBRAKE_LOG_LEVEL=warn");
    std::vector<char *> envp;
    for (auto &entry : env)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string program = options.keybraked;
    char *argv[] = {program.data(), nullptr};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    if (posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data()) != 0)
        throw std::runtime_error("cannot start " + program);
    posix_spawn_file_actions_destroy(&actions);

    // It writes "keybraked listening on http://127.0.0.1:PORT" once it accepts connections.
    for (int i = 0; i < 600; ++i) {
        std::ifstream in(log);
        std::string line;
        while (std::getline(in, line)) {
            const auto at = line.find("keybraked listening on http://");
            if (at != std::string::npos)
                return {pid,
                        static_cast<unsigned short>(std::stoi(line.substr(line.rfind(':') + 1)))};
        }
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
            throw std::runtime_error("keybraked exited; see " + log);
        usleep(100'000);
    }
    kill(pid, SIGTERM);
    throw std::runtime_error("keybraked did not start within 60 s; see " + log);
}

struct Route
{
    std::string name;
    std::string target;
    int reps = 0; // 0: the --reps default
};

void printRow(const Route &route, std::vector<Timing> &runs)
{
    std::vector<double> total;
    std::vector<double> first;
    for (const Timing &t : runs) {
        total.push_back(t.totalMs);
        first.push_back(t.firstByteMs);
    }
    std::sort(total.begin(), total.end());
    std::sort(first.begin(), first.end());
    const double p50 = total[total.size() / 2];
    const double max = total.back();
    std::printf("%-40s %4u %9.1f %9.1f %9.1f %11zu  %s\n", route.name.c_str(), runs.front().status,
                first[first.size() / 2], p50, max, runs.front().bytes,
                runs.front().status != 200 ? "FAILED"
                    : max <= kTargetMs     ? "ok"
                    : p50 <= kTargetMs     ? "p50 ok, max over"
                                           : "OVER 500 ms");
}

} // namespace

int main(int argc, char **argv)
{
    std::optional<Options> options;
    try {
        options = parse(argc, argv);
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_reports: %s\n", error.what());
        return 2;
    }
    if (!options) {
        std::fprintf(stderr,
                     "usage: bench_reports [--rows N] [--reps N] [--dir DIR] "
                     "[--keybraked PATH] [--keep]\n");
        return 2;
    }
    std::string dir = options->dir;
    if (dir.empty()) {
        char pattern[] = "/tmp/bench-reports-XXXXXX";
        dir = mkdtemp(pattern);
    }
    std::filesystem::create_directories(dir);
    const std::string store = dir + "/bench.db";
    const std::string marker = dir + "/bench.rows";

    try {
        bench::FilledStore filled;
        std::ifstream previous(marker);
        std::int64_t previousRows = 0;
        std::string runaway, recent, prefix, search;
        if (previous >> previousRows >> runaway >> recent >> prefix >> search
            && previousRows == options->rows && std::filesystem::exists(store)) {
            filled.callRows = previousRows;
            filled.runawayLabel = runaway;
            filled.typicalLabel = recent;
            filled.busyPrefix = prefix;
            filled.searchText = search;
            std::printf("Reusing %s (%lld calls)\n", store.c_str(), (long long)previousRows);
        } else {
            std::filesystem::remove(store);
            std::filesystem::remove(store + "-wal");
            std::filesystem::remove(store + "-shm");
            const auto start = Stopwatch::now();
            filled =
                bench::fillReportsStore(store, options->rows, std::chrono::system_clock::now());
            std::printf("Filled %s in %.1f s: %lld calls + %lld admin rows, %lld runs, %lld keys, "
                        "%lld label prefixes, 30 days, %.0f MB\n",
                        store.c_str(), since(start) / 1000, (long long)filled.callRows,
                        (long long)filled.adminRows, (long long)filled.runs, (long long)filled.keys,
                        (long long)filled.prefixes, std::filesystem::file_size(store) / 1e6);
            std::ofstream(marker) << filled.callRows << ' ' << filled.runawayLabel << ' '
                                  << filled.typicalLabel << ' ' << filled.busyPrefix << ' '
                                  << filled.searchText << '\n';
        }

        const auto [pid, port] = startServer(*options, store, dir);
        const auto now = std::chrono::system_clock::now();
        const std::string today =
            formatRfc3339(fromUnixMillis(toUnixMillis(now) - toUnixMillis(now) % 86'400'000));
        const std::string hourAgo = formatRfc3339(now - std::chrono::hours(1));
        const std::string dayAndHalfAgo = formatRfc3339(now - std::chrono::hours(36));
        const std::string run = "/v1/runs/" + encode(filled.runawayLabel);
        const std::string typical = "/v1/runs/" + encode(filled.typicalLabel);

        // The second page of the runs list needs the first page's cursor.
        const Timing first = get(port, "/v1/runs", true);
        const std::string cursor =
            std::string(boost::json::parse(first.body).as_object().at("next_cursor").as_string());

        const std::vector<Route> routes {
            {"stats/today (reference)", "/v1/stats/today"},
            {"audit page of 1000 (reference)", "/v1/audit?limit=1000"},
            {"runs", "/v1/runs"},
            {"runs, page 2", "/v1/runs?cursor=" + cursor},
            {"runs, limit 1000", "/v1/runs?limit=1000"},
            {"runs ?label_prefix", "/v1/runs?label_prefix=" + encode(filled.busyPrefix)},
            {"runs ?q", "/v1/runs?q=" + encode(filled.searchText)},
            {"runs ?status=active", "/v1/runs?status=active"},
            {"runs ?status=ended&since=today", "/v1/runs?status=ended&since=" + today},
            {"runs ?since=1h ago", "/v1/runs?since=" + hourAgo},
            {"run (runaway)", run},
            {"run timeline 10s (runaway)", run + "/timeline?bucket=10s"},
            {"run (last hour)", typical},
            {"run timeline 1m (last hour)", typical + "/timeline"},
            {"reports/agents (30 days)", "/v1/reports/agents"},
            {"reports/agents ?days=1", "/v1/reports/agents?days=1"},
            {"reports/agents 36 h (cut days)",
             "/v1/reports/agents?since=" + dayAndHalfAgo + "&until=" + formatRfc3339(now)},
            {"reports/vendors/daily ?days=30", "/v1/reports/vendors/daily?days=30"},
            {"reports/anomalies", "/v1/reports/anomalies"},
            {"audit.csv ?label_prefix", "/v1/audit.csv?label_prefix=" + encode(filled.busyPrefix)},
            {"audit.csv ?since=today", "/v1/audit.csv?since=" + today},
            {"audit.csv, everything", "/v1/audit.csv", std::min(options->reps, 3)},
        };

        std::printf("\n%d timed runs per route after one warm-up (audit.csv, everything: at most "
                    "3), fresh connection each; target %.0f ms\n",
                    options->reps, kTargetMs);
        std::printf("%-40s %4s %9s %9s %9s %11s\n", "route", "http", "ttfb p50", "p50 ms", "max ms",
                    "bytes");
        for (const Route &route : routes) {
            get(port, route.target, false); // warm-up: page cache and statement caches
            std::vector<Timing> runs;
            const int reps = route.reps ? route.reps : options->reps;
            for (int i = 0; i < reps; ++i)
                runs.push_back(get(port, route.target, false));
            printRow(route, runs);
        }

        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_reports: %s\n", error.what());
        return 1;
    }
    if (!options->keep && options->dir.empty())
        std::filesystem::remove_all(dir);
    else
        std::printf("\nStore kept in %s\n", dir.c_str());
    return 0;
}
