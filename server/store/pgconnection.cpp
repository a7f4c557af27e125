#include "pgconnection.h"

#include <charconv>
#include <libpq-fe.h>

namespace keybrake {

namespace {

std::string trimmed(const char *text)
{
    std::string message = text ? text : "";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    return message;
}

} // namespace

PgError::PgError(std::string sqlState, const std::string &message, bool connectionLost)
    : std::runtime_error(message)
    , m_sqlState(std::move(sqlState))
    , m_connectionLost(connectionLost)
{
}

// --- PgParam

PgParam::PgParam(std::int64_t value)
    : m_value(std::to_string(value))
{
}

PgParam::PgParam(int value)
    : m_value(std::to_string(value))
{
}

PgParam::PgParam(std::string_view text)
    : m_value(std::string(text))
{
}

PgParam::PgParam(const char *text)
    : m_value(std::string(text))
{
}

PgParam::PgParam(const std::string &text)
    : m_value(text)
{
}

PgParam PgParam::null()
{
    return PgParam();
}

PgParam PgParam::bytes(std::string_view bytes)
{
    PgParam param;
    param.m_value = std::string(bytes);
    param.m_binary = true;
    return param;
}

// --- PgResult

PgResult::PgResult(pg_result *result)
    : m_result(result)
{
}

PgResult::PgResult(PgResult &&other) noexcept
    : m_result(other.m_result)
{
    other.m_result = nullptr;
}

PgResult::~PgResult()
{
    if (m_result)
        PQclear(m_result);
}

int PgResult::rows() const
{
    return PQntuples(m_result);
}

std::int64_t PgResult::affected() const
{
    const char *count = PQcmdTuples(m_result);
    std::int64_t value = 0;
    if (count && *count)
        std::from_chars(count, count + std::char_traits<char>::length(count), value);
    return value;
}

std::string PgResult::commandTag() const
{
    return PQcmdStatus(m_result);
}

bool PgResult::isNull(int row, int column) const
{
    return PQgetisnull(m_result, row, column) == 1;
}

std::string PgResult::text(int row, int column) const
{
    return std::string(PQgetvalue(m_result, row, column),
                       static_cast<std::size_t>(PQgetlength(m_result, row, column)));
}

std::int64_t PgResult::int64(int row, int column) const
{
    const char *value = PQgetvalue(m_result, row, column);
    const int length = PQgetlength(m_result, row, column);
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value, value + length, number);
    if (error != std::errc() || end != value + length)
        throw PgError("", "PostgreSQL returned a non-integer where an integer was expected", false);
    return number;
}

std::optional<std::int64_t> PgResult::optionalInt64(int row, int column) const
{
    if (isNull(row, column))
        return std::nullopt;
    return int64(row, column);
}

std::string PgResult::bytes(int row, int column) const
{
    // libpq decodes bytea's text output (hex or the older escape format) itself.
    const std::string escaped = text(row, column);
    std::size_t length = 0;
    unsigned char *decoded =
        PQunescapeBytea(reinterpret_cast<const unsigned char *>(escaped.c_str()), &length);
    if (!decoded)
        throw PgError("", "PostgreSQL returned a bytea value that could not be decoded", false);
    std::string bytes(reinterpret_cast<const char *>(decoded), length);
    PQfreemem(decoded);
    return bytes;
}

// --- PgConnection

std::unique_ptr<PgConnection> PgConnection::connect(const std::string &url)
{
    pg_conn *connection = PQconnectdb(url.c_str());
    if (!connection)
        throw PgError("", "cannot connect to PostgreSQL: out of memory", true);
    if (PQstatus(connection) != CONNECTION_OK) {
        // libpq's message names the host and user, never the password.
        const std::string message =
            "cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(connection));
        PQfinish(connection);
        throw PgError("", message, true);
    }
    return std::unique_ptr<PgConnection>(new PgConnection(connection));
}

PgConnection::PgConnection(pg_conn *connection)
    : m_connection(connection)
{
}

PgConnection::~PgConnection()
{
    PQfinish(m_connection);
}

bool PgConnection::healthy() const
{
    return PQstatus(m_connection) == CONNECTION_OK;
}

void PgConnection::raise(pg_result *result, std::string_view what) const
{
    std::string sqlState;
    std::string message;
    if (result) {
        if (const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE))
            sqlState = state;
        // The primary message only: the detail may quote a row's values.
        message = trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
        PQclear(result);
    }
    if (message.empty())
        message = trimmed(PQerrorMessage(m_connection));
    // 08xxx: connection exceptions; 57P01-57P03: the server is shutting down or starting.
    const bool lost = !healthy() || sqlState.rfind("08", 0) == 0 || sqlState == "57P01"
        || sqlState == "57P02" || sqlState == "57P03";
    throw PgError(sqlState, std::string(what) + ": " + message, lost);
}

PgResult PgConnection::exec(std::string_view sql, std::initializer_list<PgParam> params)
{
    return exec(sql, std::vector<PgParam>(params));
}

PgResult PgConnection::exec(std::string_view sql, const std::vector<PgParam> &params)
{
    std::vector<const char *> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const PgParam &param : params) {
        values.push_back(param.m_value ? param.m_value->data() : nullptr);
        lengths.push_back(param.m_value ? static_cast<int>(param.m_value->size()) : 0);
        formats.push_back(param.m_binary ? 1 : 0);
    }
    const std::string statement(sql);
    pg_result *result =
        PQexecParams(m_connection, statement.c_str(), static_cast<int>(params.size()), nullptr,
                     values.data(), lengths.data(), formats.data(), 0);
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        raise(result, "PostgreSQL statement failed");
    return PgResult(result);
}

void PgConnection::execScript(const std::string &sql)
{
    pg_result *result = PQexec(m_connection, sql.c_str());
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        raise(result, "PostgreSQL script failed");
    PQclear(result);
}

// --- PgTransaction

PgTransaction::PgTransaction(PgConnection &connection, std::string_view isolation)
    : m_connection(connection)
{
    m_connection.exec(isolation.empty() ? std::string("BEGIN") : "BEGIN " + std::string(isolation));
}

PgTransaction::~PgTransaction()
{
    if (!m_open || !m_connection.healthy())
        return;
    try {
        m_connection.exec("ROLLBACK");
    } catch (const PgError &) {
        // The connection broke meanwhile: the server has rolled back.
    }
}

void PgTransaction::commit()
{
    m_open = false;
    // COMMIT of a transaction in which a statement failed succeeds as a ROLLBACK.
    if (m_connection.exec("COMMIT").commandTag() != "COMMIT")
        throw PgError("25P02", "PostgreSQL rolled the transaction back instead of committing it",
                      false);
}

} // namespace keybrake
