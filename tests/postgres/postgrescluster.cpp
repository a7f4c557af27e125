#include "postgrescluster.h"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace keybrake::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A port that was free on 127.0.0.1 a moment ago (the server may still lose it to a race; the
// start is retried then).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw std::runtime_error("cannot open a socket");
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string randomHex(int bytes)
{
    std::random_device random;
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    for (int i = 0; i < bytes; ++i) {
        const auto byte = static_cast<unsigned>(random()) & 0xffU;
        text += kDigits[byte >> 4];
        text += kDigits[byte & 0xfU];
    }
    return text;
}

// The newest /usr/lib/postgresql/N/bin with the server in it, or KEYBRAKE_PG_BINDIR.
std::string findBinDir()
{
    if (const char *dir = std::getenv("KEYBRAKE_PG_BINDIR"); dir && *dir)
        return dir;
    std::string best;
    int bestVersion = -1;
    std::error_code error;
    for (const auto &entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
        const std::string name = entry.path().filename().string();
        char *end = nullptr;
        const long version = std::strtol(name.c_str(), &end, 10);
        if (end == name.c_str() || *end != '\0')
            continue;
        const fs::path bin = entry.path() / "bin";
        if (fs::exists(bin / "postgres") && fs::exists(bin / "initdb") && version > bestVersion) {
            bestVersion = static_cast<int>(version);
            best = bin.string();
        }
    }
    if (best.empty())
        throw std::runtime_error("no PostgreSQL server found under /usr/lib/postgresql: install "
                                 "Debian's postgresql (scripts/install-deps test) or set "
                                 "KEYBRAKE_PG_BINDIR");
    return best;
}

struct Identity
{
    bool change = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

// In a forked child, before exec: become the server's user, forget the caller's PG* settings,
// which would point the tools elsewhere, and leave the caller's working directory, which that
// user may not enter (a clone in a 0700 temporary directory): psql then warns on stderr, and
// the warning would read as the query's answer.
void prepareChild(const Identity &identity)
{
    for (const char *name : {"PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGPASSFILE",
                             "PGSERVICE", "PGSERVICEFILE", "PGDATA", "PGOPTIONS"})
        ::unsetenv(name);
    if (identity.change) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(identity.gid) != 0
            || ::setuid(identity.uid) != 0)
            ::_exit(126);
    }
    if (::chdir("/") != 0)
        ::_exit(126);
}

std::vector<char *> argvOf(std::vector<std::string> &args)
{
    std::vector<char *> argv;
    for (auto &arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    return argv;
}

struct Ran
{
    int status = -1; // the exit status, or -1 when it did not exit normally
    std::string output; // standard output and standard error
};

// Runs a tool to completion as `identity`, collecting what it printed.
Ran run(std::vector<std::string> args, const Identity &identity)
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    auto argv = argvOf(args);
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(pipeFds[1], STDOUT_FILENO);
        ::dup2(pipeFds[1], STDERR_FILENO);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, STDIN_FILENO);
        prepareChild(identity);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(pipeFds[1]);
    Ran ran;
    std::array<char, 4096> buffer {};
    for (;;) {
        const ssize_t n = ::read(pipeFds[0], buffer.data(), buffer.size());
        if (n > 0)
            ran.output.append(buffer.data(), static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return ran;
}

} // namespace

PostgresCluster::PostgresCluster()
    : m_binDir(findBinDir())
    , m_password(randomHex(16))
{
    // PostgreSQL will not run as root: the server and its tools run as nobody then.
    if (::geteuid() == 0) {
        const passwd *nobody = ::getpwnam("nobody");
        if (!nobody)
            throw std::runtime_error("running as root and there is no user nobody to run "
                                     "PostgreSQL as");
        m_asOtherUser = true;
        m_runUid = nobody->pw_uid;
        m_runGid = nobody->pw_gid;
    }
    const std::string pattern = (fs::temp_directory_path() / "keybrake-pg.XXXXXX").string();
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back('\0');
    if (!::mkdtemp(path.data()))
        throw std::runtime_error("cannot create a directory under " + pattern);
    m_dir = path.data();
    if (m_asOtherUser && ::chown(m_dir.c_str(), m_runUid, m_runGid) != 0) {
        fs::remove_all(m_dir);
        throw std::runtime_error("cannot hand " + m_dir + " to nobody");
    }
    try {
        initdb();
        start();
    } catch (...) {
        if (running())
            stop();
        fs::remove_all(m_dir);
        throw;
    }
}

PostgresCluster::~PostgresCluster()
{
    if (running())
        stop();
    std::error_code ignored;
    fs::remove_all(m_dir, ignored);
}

std::string PostgresCluster::tool(const char *name) const
{
    return m_binDir + "/" + name;
}

void PostgresCluster::initdb()
{
    const std::string pwfile = m_dir + "/pwfile";
    {
        std::ofstream out(pwfile);
        out << m_password << '\n';
    }
    if (m_asOtherUser && ::chown(pwfile.c_str(), m_runUid, m_runGid) != 0)
        throw std::runtime_error("cannot hand the password file to nobody");
    const Ran ran = run({tool("initdb"), "--pgdata=" + m_dir + "/data", "--username=" + m_user,
                         "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
                         "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                        {m_asOtherUser, m_runUid, m_runGid});
    fs::remove(pwfile);
    if (ran.status != 0)
        throw std::runtime_error("initdb failed: " + ran.output);
}

std::string PostgresCluster::logTail() const
{
    std::ifstream in(m_dir + "/server.log");
    std::stringstream text;
    text << in.rdbuf();
    const std::string log = text.str();
    return log.size() > 2000 ? log.substr(log.size() - 2000) : log;
}

void PostgresCluster::start()
{
    if (running())
        return;
    const Identity identity {m_asOtherUser, m_runUid, m_runGid};
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (m_port == 0 || attempt > 0)
            m_port = freePort();
        std::vector<std::string> args {
            tool("postgres"), "-D", m_dir + "/data", "-c", "listen_addresses=127.0.0.1", "-c",
            "port=" + std::to_string(m_port), "-c", "unix_socket_directories=" + m_dir, "-c",
            "max_connections=200",
            // The tests kill processes, never the machine: a process crash loses nothing
            // without fsync, and the shared machine is spared the flushes.
            "-c", "fsync=off"};
        auto argv = argvOf(args);
        const std::string log = m_dir + "/server.log";
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid < 0)
            throw std::runtime_error("fork failed");
        if (pid == 0) {
            const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
            const int null = ::open("/dev/null", O_RDONLY);
            ::dup2(null, STDIN_FILENO);
            ::setsid();
            prepareChild(identity);
            // A fast shutdown when the test dies (or the thread that started the server ends):
            // no server outlives its test. After the change of user, which clears it.
            ::prctl(PR_SET_PDEATHSIG, SIGINT);
            if (::getppid() != parent)
                ::_exit(1);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        m_pid = pid;

        const auto deadline = std::chrono::steady_clock::now() + 60s;
        bool exited = false;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                exited = true;
                break;
            }
            const Ran ready =
                run({tool("pg_isready"), "--host=" + m_dir, "--port=" + std::to_string(m_port),
                     "--username=" + m_user, "--dbname=postgres", "--quiet"},
                    identity);
            if (ready.status == 0)
                return;
            std::this_thread::sleep_for(100ms);
        }
        if (!exited) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
            m_pid = -1;
            throw std::runtime_error("PostgreSQL did not accept connections within 60 s:\n"
                                     + logTail());
        }
        m_pid = -1;
        if (logTail().find("could not bind") == std::string::npos)
            break;
    }
    throw std::runtime_error("PostgreSQL did not start:\n" + logTail());
}

void PostgresCluster::stop()
{
    if (!running())
        return;
    ::kill(m_pid, SIGINT); // fast shutdown: clients are disconnected, the data is kept
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    m_pid = -1;
}

std::string PostgresCluster::url(const std::string &database) const
{
    return "postgres://" + m_user + ":" + m_password + "@127.0.0.1:" + std::to_string(m_port) + "/"
        + database;
}

std::string PostgresCluster::query(const std::string &sql, const std::string &database) const
{
    const Ran ran =
        run({tool("psql"), "--host=" + m_dir, "--port=" + std::to_string(m_port),
             "--username=" + m_user, "--dbname=" + database, "--no-psqlrc", "--no-align",
             "--tuples-only", "--set=ON_ERROR_STOP=1", "--command=" + sql},
            {m_asOtherUser, m_runUid, m_runGid});
    if (ran.status != 0)
        throw std::runtime_error("psql failed: " + ran.output);
    std::string output = ran.output;
    while (!output.empty() && output.back() == '\n')
        output.pop_back();
    return output;
}

std::string PostgresCluster::createDatabase(const std::string &name)
{
    // Identifiers in the tests are plain; quote anyway.
    query("CREATE DATABASE \"" + name + "\"");
    return url(name);
}

} // namespace keybrake::testing
