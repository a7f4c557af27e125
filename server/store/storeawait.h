#pragma once

#include "store/store.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace keybrake {

// Awaits one Store call from a coroutine: `co_await awaitStore<T>([&](auto done) {
// store.listKeys(filter, window, now, std::move(done)); })`. The store's callback runs on one of
// its threads; the coroutine resumes on its own executor (its connection's strand).
template<class T, class Start>
boost::asio::awaitable<StoreResult<T>> awaitStore(Start start)
{
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<> &,
                                       void(StoreResult<T>)>(
        [start = std::move(start)](auto handler) mutable {
            using Handler = decltype(handler);
            // StoreCallback is a std::function, which needs a copyable target; the
            // coroutine's handler is move-only, so it travels in a shared_ptr.
            auto shared = std::make_shared<Handler>(std::move(handler));
            start(StoreCallback<T>([shared](StoreResult<T> result) {
                auto executor = boost::asio::get_associated_executor(*shared);
                boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
                    std::move (*shared)(std::move(result));
                });
            }));
        },
        boost::asio::use_awaitable);
}

} // namespace keybrake
