#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace keybrake {

// A failed PostgreSQL call. The message is the server's or libpq's text plus what we were doing;
// it never holds a bound value or the connection URL (which carries the password).
class PgError : public std::runtime_error
{
public:
    PgError(std::string sqlState, const std::string &message, bool connectionLost);
    const std::string &sqlState() const { return m_sqlState; } // "" when libpq failed itself
    bool isUniqueViolation() const { return m_sqlState == "23505"; }
    // A serialization failure or a deadlock: the transaction may be retried as a whole.
    bool isRetryable() const { return m_sqlState == "40001" || m_sqlState == "40P01"; }
    // The connection is gone (server stopped or restarted, network): reconnect.
    bool isConnectionLost() const { return m_connectionLost; }

private:
    std::string m_sqlState;
    bool m_connectionLost;
};

// One parameter of a statement, sent as text (or, for bytes, as binary): never spliced into
// the SQL.
class PgParam
{
public:
    PgParam(std::int64_t value);
    PgParam(int value);
    PgParam(std::string_view text);
    PgParam(const char *text);
    PgParam(const std::string &text);
    template<class T>
    PgParam(const std::optional<T> &value)
        : PgParam(value ? PgParam(*value) : null())
    {
    }
    static PgParam null();
    static PgParam bytes(std::string_view bytes); // bytea

private:
    friend class PgConnection;
    PgParam() = default;
    std::optional<std::string> m_value;
    bool m_binary = false;
};

// The rows of one statement, in text format, read by 0-based row and column.
class PgResult
{
public:
    explicit PgResult(pg_result *result);
    PgResult(PgResult &&other) noexcept;
    PgResult &operator=(PgResult &&) = delete;
    PgResult(const PgResult &) = delete;
    ~PgResult();

    int rows() const;
    std::int64_t affected() const; // rows an INSERT, UPDATE or DELETE touched
    std::string commandTag() const; // "INSERT 0 1", "COMMIT", "ROLLBACK", ...
    bool isNull(int row, int column) const;
    std::string text(int row, int column) const;
    std::int64_t int64(int row, int column) const;
    std::optional<std::int64_t> optionalInt64(int row, int column) const;
    std::string bytes(int row, int column) const; // a bytea column

private:
    pg_result *m_result;
};

// One libpq connection, used by one thread at a time.
class PgConnection
{
public:
    // Connects to a postgres:// or postgresql:// URL; throws PgError saying why, without the
    // URL.
    static std::unique_ptr<PgConnection> connect(const std::string &url);
    ~PgConnection();
    PgConnection(const PgConnection &) = delete;
    PgConnection &operator=(const PgConnection &) = delete;

    // One statement with $1, $2, ... parameters. Throws PgError.
    PgResult exec(std::string_view sql, std::initializer_list<PgParam> params = {});
    PgResult exec(std::string_view sql, const std::vector<PgParam> &params);
    // One or more statements without parameters (schema scripts).
    void execScript(const std::string &sql);
    // False once libpq has seen the connection break.
    bool healthy() const;

private:
    explicit PgConnection(pg_conn *connection);
    [[noreturn]] void raise(pg_result *result, std::string_view what) const;

    pg_conn *m_connection;
};

// BEGIN ... COMMIT; rolls back unless committed (a lost connection has rolled back already).
class PgTransaction
{
public:
    // `isolation`, e.g. "ISOLATION LEVEL SERIALIZABLE", is appended to BEGIN.
    explicit PgTransaction(PgConnection &connection, std::string_view isolation = {});
    ~PgTransaction();
    PgTransaction(const PgTransaction &) = delete;
    PgTransaction &operator=(const PgTransaction &) = delete;

    // Throws PgError when the server rolled back instead (an earlier statement had failed).
    void commit();

private:
    PgConnection &m_connection;
    bool m_open = true;
};

} // namespace keybrake
