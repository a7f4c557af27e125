#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace keybrake {

// Boost.JSON 1.81 prints doubles in scientific notation ("1.234E1"). Money on the wire is a plain
// number with at most six decimals, so every response goes through this writer: doubles are
// printed in fixed notation, rounded to six decimals, trailing zeros trimmed ("12.34", "0.0004",
// "50"); everything else is as Boost.JSON prints it.
std::string toJsonText(const boost::json::value &value);

} // namespace keybrake
