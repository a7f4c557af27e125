#include "sqlitedatabase.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace keybrake {

SqliteError::SqliteError(int code, const std::string &message)
    : std::runtime_error(message)
    , m_code(code)
{
}

bool SqliteError::isConstraintViolation() const
{
    return (m_code & 0xff) == SQLITE_CONSTRAINT;
}

bool SqliteError::isBusy() const
{
    return (m_code & 0xff) == SQLITE_BUSY || (m_code & 0xff) == SQLITE_LOCKED;
}

// --- SqliteStatement

SqliteStatement::SqliteStatement(SqliteDatabase *db, sqlite3_stmt *statement, bool *inUse)
    : m_db(db)
    , m_statement(statement)
    , m_inUse(inUse)
{
}

SqliteStatement::SqliteStatement(SqliteStatement &&other) noexcept
    : m_db(other.m_db)
    , m_statement(other.m_statement)
    , m_inUse(other.m_inUse)
{
    other.m_statement = nullptr;
    other.m_inUse = nullptr;
}

SqliteStatement::~SqliteStatement()
{
    if (!m_statement)
        return;
    if (m_inUse) {
        sqlite3_reset(m_statement);
        sqlite3_clear_bindings(m_statement);
        *m_inUse = false;
    } else {
        sqlite3_finalize(m_statement);
    }
}

void SqliteStatement::check(int rc, const char *what) const
{
    if (rc != SQLITE_OK)
        m_db->raise(rc, what);
}

SqliteStatement &SqliteStatement::bind(int index, std::int64_t value)
{
    check(sqlite3_bind_int64(m_statement, index, value), "bind");
    return *this;
}

SqliteStatement &SqliteStatement::bind(int index, int value)
{
    check(sqlite3_bind_int(m_statement, index, value), "bind");
    return *this;
}

SqliteStatement &SqliteStatement::bind(int index, double value)
{
    check(sqlite3_bind_double(m_statement, index, value), "bind");
    return *this;
}

SqliteStatement &SqliteStatement::bind(int index, std::string_view text)
{
    check(sqlite3_bind_text64(m_statement, index, text.data(), text.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8),
          "bind");
    return *this;
}

SqliteStatement &SqliteStatement::bindNull(int index)
{
    check(sqlite3_bind_null(m_statement, index), "bind");
    return *this;
}

SqliteStatement &SqliteStatement::bindBlob(int index, std::string_view bytes)
{
    // A zero-length blob bound from a null pointer would read back as NULL.
    static const char empty = 0;
    check(sqlite3_bind_blob64(m_statement, index, bytes.empty() ? &empty : bytes.data(),
                              bytes.size(), SQLITE_TRANSIENT),
          "bind");
    return *this;
}

bool SqliteStatement::step()
{
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    m_db->raise(rc, "step");
}

void SqliteStatement::run()
{
    while (step()) { }
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

std::int64_t SqliteStatement::int64(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

int SqliteStatement::integer(int column) const
{
    return sqlite3_column_int(m_statement, column);
}

double SqliteStatement::real(int column) const
{
    return sqlite3_column_double(m_statement, column);
}

std::string SqliteStatement::text(int column) const
{
    const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_statement, column));
    if (!data)
        return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column)));
}

std::string SqliteStatement::blob(int column) const
{
    const auto *data = static_cast<const char *>(sqlite3_column_blob(m_statement, column));
    if (!data)
        return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column)));
}

std::optional<std::int64_t> SqliteStatement::optionalInt64(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return int64(column);
}

// --- SqliteDatabase

namespace {

// SQLite creates a missing database file with the process umask (usually 0644), and its -wal and
// -shm files copy the database's mode. The ledger and audit log are nobody else's business, so
// the file is created 0600 before SQLite sees it.
void createPrivateFile(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw SqliteError(SQLITE_CANTOPEN,
                          "cannot open database file " + path + ": " + std::strerror(errno));
    }
    ::close(fd);
}

} // namespace

SqliteDatabase::SqliteDatabase(const std::string &path, Access access)
{
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (access == Access::ReadWrite) {
        if (path != ":memory:")
            createPrivateFile(path);
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    } else {
        flags |= SQLITE_OPEN_READONLY;
    }
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "cannot open database file " + path + ": "
            + (m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc));
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw SqliteError(rc, message);
    }
    sqlite3_extended_result_codes(m_db, 1);
}

SqliteDatabase::~SqliteDatabase()
{
    for (auto &[sql, cached] : m_cache)
        sqlite3_finalize(cached->statement);
    sqlite3_close_v2(m_db);
}

void SqliteDatabase::raise(int rc, const char *what) const
{
    throw SqliteError(rc, std::string("sqlite ") + what + ": " + sqlite3_errmsg(m_db));
}

void SqliteDatabase::exec(const char *sql)
{
    char *error = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = std::string("sqlite exec: ") + (error ? error : sqlite3_errstr(rc));
        sqlite3_free(error);
        throw SqliteError(sqlite3_extended_errcode(m_db), message);
    }
}

void SqliteDatabase::execCached(std::string_view sql)
{
    prepare(sql).run();
}

SqliteStatement SqliteDatabase::prepare(std::string_view sql)
{
    auto &cached = m_cache[std::string(sql)];
    if (!cached)
        cached = std::make_unique<CachedStatement>();
    if (!cached->statement) {
        const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &cached->statement, nullptr);
        if (rc != SQLITE_OK)
            raise(rc, "prepare");
    }
    if (cached->inUse) {
        // The same text is already being stepped further up the stack: use a one-off copy.
        sqlite3_stmt *statement = nullptr;
        const int rc =
            sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
        if (rc != SQLITE_OK)
            raise(rc, "prepare");
        return SqliteStatement(this, statement, nullptr);
    }
    cached->inUse = true;
    return SqliteStatement(this, cached->statement, &cached->inUse);
}

void SqliteDatabase::setBusyTimeout(std::chrono::milliseconds timeout)
{
    sqlite3_busy_timeout(m_db, static_cast<int>(timeout.count()));
}

std::int64_t SqliteDatabase::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

int SqliteDatabase::changes() const
{
    return sqlite3_changes(m_db);
}

bool SqliteDatabase::inTransaction() const
{
    return sqlite3_get_autocommit(m_db) == 0;
}

// --- SqliteTransaction

SqliteTransaction::SqliteTransaction(SqliteDatabase &db, Kind kind)
    : m_db(db)
{
    m_db.execCached(kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

SqliteTransaction::~SqliteTransaction()
{
    if (m_open && m_db.inTransaction()) {
        try {
            m_db.exec("ROLLBACK");
        } catch (const SqliteError &) {
            // Nothing more to do: SQLite rolls back a failed transaction on close at the latest.
        }
    }
}

void SqliteTransaction::commit()
{
    m_db.execCached("COMMIT");
    m_open = false;
}

// --- SqliteSavepoint

SqliteSavepoint::SqliteSavepoint(SqliteDatabase &db)
    : m_db(db)
{
    m_db.execCached("SAVEPOINT op");
}

SqliteSavepoint::~SqliteSavepoint()
{
    if (m_open) {
        try {
            rollback();
        } catch (const SqliteError &) {
        }
    }
}

void SqliteSavepoint::release()
{
    m_db.execCached("RELEASE op");
    m_open = false;
}

void SqliteSavepoint::rollback()
{
    m_open = false;
    if (!m_db.inTransaction())
        return; // SQLite already rolled the whole transaction back
    m_db.exec("ROLLBACK TO op");
    m_db.exec("RELEASE op");
}

} // namespace keybrake
