// EventHub and EventSubscription: what GET /v1/events relies on between the store's writer and a
// client's connection. Publishing never blocks, a subscriber too far behind is marked overflowed
// instead of holding memory, and a waiting connection wakes for events and for shutdown.

#include "eventhub.h"

#include <QTest>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <thread>

using namespace keybrake;
using namespace std::chrono_literals;

namespace {

std::vector<StoredEvent> batch(std::int64_t first, std::int64_t count)
{
    std::vector<StoredEvent> events;
    for (std::int64_t id = first; id < first + count; ++id) {
        StoredEvent event;
        event.id = id;
        event.type = "call";
        events.push_back(event);
    }
    return events;
}

std::vector<std::int64_t> ids(const std::vector<EventSubscription::Batch> &batches)
{
    std::vector<std::int64_t> out;
    for (const auto &batch : batches) {
        for (const auto &event : *batch)
            out.push_back(event.id);
    }
    return out;
}

} // namespace

class TestEventHub : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void subscribersGetEveryBatchInOrder();
    void subscriberTooFarBehindOverflows();
    void waitWakesWhenAnotherThreadPublishes();
    void closeWakesWaitersAndLaterSubscribers();
    void droppedSubscriptionsArePruned();
};

void TestEventHub::subscribersGetEveryBatchInOrder()
{
    boost::asio::io_context io;
    EventHub hub;
    auto first = hub.subscribe(io.get_executor());
    hub.publish(batch(1, 3));
    auto second = hub.subscribe(io.get_executor());
    hub.publish(batch(4, 2));
    QCOMPARE(ids(first->take()), (std::vector<std::int64_t> {1, 2, 3, 4, 5}));
    QCOMPARE(ids(second->take()), (std::vector<std::int64_t> {4, 5}));
    QVERIFY(first->take().empty());
}

void TestEventHub::subscriberTooFarBehindOverflows()
{
    boost::asio::io_context io;
    EventHub hub(5);
    auto slow = hub.subscribe(io.get_executor());
    hub.publish(batch(1, 3));
    QVERIFY(!slow->overflowed());
    hub.publish(batch(4, 3)); // 6 > 5
    QVERIFY(slow->overflowed());
    hub.publish(batch(7, 1));
    // Nothing is kept for it any more: it must resume from the store.
    QVERIFY(slow->take().empty());
    QVERIFY(slow->overflowed());
}

void TestEventHub::waitWakesWhenAnotherThreadPublishes()
{
    boost::asio::io_context io;
    EventHub hub;
    auto strand = boost::asio::make_strand(io);
    auto subscription = hub.subscribe(strand);
    std::vector<std::int64_t> received;
    bool finished = false;
    boost::asio::co_spawn(
        strand,
        [&]() -> boost::asio::awaitable<void> {
            // The deadline is far away: only the publication can end the wait in time.
            while (received.size() < 4) {
                co_await subscription->wait(std::chrono::steady_clock::now() + 1h);
                for (auto id : ids(subscription->take()))
                    received.push_back(id);
            }
            finished = true;
        },
        boost::asio::detached);
    std::thread writer([&] {
        hub.publish(batch(1, 2));
        hub.publish(batch(3, 2));
    });
    io.run_for(30s);
    writer.join();
    QVERIFY(finished);
    QCOMPARE(received, (std::vector<std::int64_t> {1, 2, 3, 4}));
}

void TestEventHub::closeWakesWaitersAndLaterSubscribers()
{
    boost::asio::io_context io;
    EventHub hub;
    auto subscription = hub.subscribe(io.get_executor());
    bool woke = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            while (!subscription->closed())
                co_await subscription->wait(std::chrono::steady_clock::now() + 1h);
            woke = true;
        },
        boost::asio::detached);
    io.poll();
    QVERIFY(!woke);
    hub.close();
    io.run_for(30s);
    QVERIFY(woke);
    QVERIFY(hub.closed());
    QVERIFY(hub.subscribe(io.get_executor())->closed());
}

void TestEventHub::droppedSubscriptionsArePruned()
{
    boost::asio::io_context io;
    EventHub hub;
    auto kept = hub.subscribe(io.get_executor());
    hub.subscribe(io.get_executor()); // a connection that ended at once
    QCOMPARE(hub.subscriberCount(), std::size_t(1));
    hub.publish(batch(1, 1));
    QCOMPARE(ids(kept->take()), (std::vector<std::int64_t> {1}));
}

QTEST_APPLESS_MAIN(TestEventHub)
#include "tst_eventhub.moc"
