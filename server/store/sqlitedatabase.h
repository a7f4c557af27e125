#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace keybrake {

// A failed SQLite call. The message is SQLite's own text plus what we were doing; it never holds a
// bound value, so no secret can reach it.
class SqliteError : public std::runtime_error
{
public:
    SqliteError(int code, const std::string &message);
    int code() const { return m_code; } // the extended result code
    bool isConstraintViolation() const; // UNIQUE, FOREIGN KEY, CHECK, NOT NULL
    bool isBusy() const; // SQLITE_BUSY or SQLITE_LOCKED

private:
    int m_code;
};

class SqliteDatabase;

// A prepared statement borrowed from its connection's cache. Bind by 1-based index, step, read
// columns by 0-based index; the statement is reset and its bindings cleared when the handle dies,
// so the next user starts clean.
class SqliteStatement
{
public:
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&) = delete;
    SqliteStatement(const SqliteStatement &) = delete;
    ~SqliteStatement();

    SqliteStatement &bind(int index, std::int64_t value);
    SqliteStatement &bind(int index, int value);
    SqliteStatement &bind(int index, double value);
    SqliteStatement &bind(int index, std::string_view text);
    SqliteStatement &bindNull(int index);
    SqliteStatement &bindBlob(int index, std::string_view bytes);
    template<class T>
    SqliteStatement &bind(int index, const std::optional<T> &value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }

    bool step(); // true while a row is available
    void run(); // steps to the end, discarding rows

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    int integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::string blob(int column) const;
    std::optional<std::int64_t> optionalInt64(int column) const;

private:
    friend class SqliteDatabase;
    SqliteStatement(SqliteDatabase *db, sqlite3_stmt *statement, bool *inUse);
    void check(int rc, const char *what) const;

    SqliteDatabase *m_db;
    sqlite3_stmt *m_statement;
    bool *m_inUse; // the cache slot's flag, or null for a one-off statement that we finalize
};

// One SQLite connection, used by one thread at a time. Statements are prepared once per distinct
// SQL text and kept for the connection's life.
class SqliteDatabase
{
public:
    enum class Access {
        ReadWrite, // creates the file (mode 0600) when missing
        ReadOnly,
    };

    // Throws SqliteError with a message naming the path.
    SqliteDatabase(const std::string &path, Access access);
    ~SqliteDatabase();
    SqliteDatabase(const SqliteDatabase &) = delete;
    SqliteDatabase &operator=(const SqliteDatabase &) = delete;

    void exec(const char *sql); // one or more statements without parameters or results
    // One statement through the statement cache: for the transaction statements the writer runs
    // for every batch and every operation (BEGIN, SAVEPOINT, RELEASE, COMMIT), which
    // sqlite3_exec would parse again each time.
    void execCached(std::string_view sql);
    SqliteStatement prepare(std::string_view sql);
    void setBusyTimeout(std::chrono::milliseconds timeout);

    std::int64_t lastInsertRowId() const;
    int changes() const;
    bool inTransaction() const; // false once SQLite has rolled a transaction back on its own

    sqlite3 *handle() const { return m_db; }
    [[noreturn]] void raise(int rc, const char *what) const;

private:
    struct CachedStatement
    {
        sqlite3_stmt *statement = nullptr;
        bool inUse = false;
    };

    sqlite3 *m_db = nullptr;
    std::unordered_map<std::string, std::unique_ptr<CachedStatement>> m_cache;
};

// BEGIN (deferred, for reads) or BEGIN IMMEDIATE (takes the write lock up front, so a
// read-then-write transaction never fails half way with SQLITE_BUSY); rolls back unless
// committed.
class SqliteTransaction
{
public:
    enum class Kind {
        Deferred,
        Immediate,
    };
    SqliteTransaction(SqliteDatabase &db, Kind kind);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction &) = delete;
    SqliteTransaction &operator=(const SqliteTransaction &) = delete;

    void commit();

private:
    SqliteDatabase &m_db;
    bool m_open = true;
};

// A nested unit of work inside a transaction: rolls back to where it started unless released.
class SqliteSavepoint
{
public:
    explicit SqliteSavepoint(SqliteDatabase &db);
    ~SqliteSavepoint();
    SqliteSavepoint(const SqliteSavepoint &) = delete;
    SqliteSavepoint &operator=(const SqliteSavepoint &) = delete;

    void release();
    void rollback();

private:
    SqliteDatabase &m_db;
    bool m_open = true;
};

} // namespace keybrake
