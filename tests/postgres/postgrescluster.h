#pragma once

#include <string>
#include <sys/types.h>

namespace keybrake::testing {

// A private PostgreSQL server for one test: initdb in a new temporary directory, a free port on
// 127.0.0.1 only, its unix socket in that directory, password (SCRAM) authentication over TCP.
// PostgreSQL refuses to run as root, so under root the server runs as `nobody` (setpriv); it is
// told to shut down (fast) if the test process dies, and the destructor stops it and removes the
// directory. The server binaries come from Debian's `postgresql` (scripts/install-deps test), or
// from KEYBRAKE_PG_BINDIR.
class PostgresCluster
{
public:
    // Starts the server and waits until it accepts connections. Throws std::runtime_error saying
    // what failed (no binaries, initdb, start-up with the end of the server's log).
    PostgresCluster();
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster &) = delete;
    PostgresCluster &operator=(const PostgresCluster &) = delete;

    int port() const { return m_port; }
    const std::string &directory() const { return m_dir; } // also the unix socket's directory
    const std::string &user() const { return m_user; }
    const std::string &password() const { return m_password; }
    // postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE
    std::string url(const std::string &database = "postgres") const;

    // A new, empty database; returns its URL.
    std::string createDatabase(const std::string &name);
    // Runs SQL with psql over the unix socket; returns the unaligned, tuples-only output without
    // the final newline. Throws std::runtime_error with psql's message when it fails.
    std::string query(const std::string &sql, const std::string &database = "postgres") const;

    // Fast shutdown (the data stays) and start again on the same port, as after a crash or an
    // operator's restart.
    void stop();
    void start();
    bool running() const { return m_pid > 0; }
    pid_t pid() const { return m_pid; }

    // The path of one of the server's tools (psql, pg_dump, ...), of the server's version.
    std::string tool(const char *name) const;

private:
    void initdb();
    std::string logTail() const;

    std::string m_binDir;
    std::string m_dir;
    std::string m_user = "keybrake";
    std::string m_password;
    int m_port = 0;
    pid_t m_pid = -1;
    uid_t m_runUid = 0; // the server's user (nobody when the test runs as root)
    gid_t m_runGid = 0;
    bool m_asOtherUser = false;
};

} // namespace keybrake::testing
