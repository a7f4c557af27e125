#pragma once

#include "client/apierror.h"

#include <utility>
#include <variant>

namespace keybrake::client {

// The outcome of one admin API call: the decoded value, or why there is none. Every callback of
// KeybrakeClient receives one; check isOk() (or the bool conversion) before value().
template<typename T>
class Result
{
public:
    Result(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    {
    }
    Result(ApiError error)
        : m_state(std::in_place_index<1>, std::move(error))
    {
    }

    bool isOk() const { return m_state.index() == 0; }
    explicit operator bool() const { return isOk(); }

    // Precondition: isOk().
    const T &value() const { return std::get<0>(m_state); }
    const T &operator*() const { return value(); }
    const T *operator->() const { return &value(); }
    // Precondition: !isOk().
    const ApiError &error() const { return std::get<1>(m_state); }

    T valueOr(T fallback) const { return isOk() ? value() : std::move(fallback); }

private:
    std::variant<T, ApiError> m_state;
};

} // namespace keybrake::client
