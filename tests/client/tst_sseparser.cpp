// SseParser: the text/event-stream format as the WHATWG HTML standard defines it, fed in any
// pieces the network may deliver.

#include "client/sseparser.h"

#include <QTest>

using namespace keybrake::client;
using namespace Qt::StringLiterals;

namespace {

// "type|id|data" per event, for compact comparisons.
QStringList describe(const QList<ServerSentEvent> &events)
{
    QStringList out;
    for (const auto &event : events)
        out << event.type + u'|' + event.lastEventId + u'|' + QString::fromUtf8(event.data);
    return out;
}

QStringList parseWhole(const QByteArray &stream)
{
    SseParser parser;
    return describe(parser.feed(stream));
}

} // namespace

class TestSseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keybrakedEvent();
    void everySplitGivesTheSameEvents();
    void lineEndsCrLfCrAndLf();
    void multiLineDataIsJoinedWithLf();
    void commentsAndUnknownFieldsAreIgnored();
    void idWithoutDataStillMovesTheLastEventId();
    void idWithNulIsIgnored();
    void onlyOneSpaceAfterTheColonIsDropped();
    void retryTakesDigitsOnly();
    void unfinishedEventIsNeverDispatched();
    void byteOrderMarkOnlyAtTheStart();
    void typeDefaultsToMessageAndResets();
    void overlongLineStopsTheParser();
};

void TestSseParser::keybrakedEvent()
{
    SseParser parser;
    const auto events =
        parser.feed("retry: 3000\n\nid: 41\nevent: call\ndata: {\"id\":\"7\"}\n\n"
                    "id: 41\nevent: ping\ndata: {\"ts\":\"2026-11-28T12:00:00.000Z\"}\n\n");
    QCOMPARE(describe(events),
             (QStringList {u"call|41|{\"id\":\"7\"}"_s,
                           u"ping|41|{\"ts\":\"2026-11-28T12:00:00.000Z\"}"_s}));
    QCOMPARE(parser.retryMs(), std::optional<int>(3000));
    QCOMPARE(parser.lastEventId(), u"41"_s);
}

void TestSseParser::everySplitGivesTheSameEvents()
{
    const QByteArray stream = "\xEF\xBB\xBF: hello\r\n"
                              "id: 1\r\nevent: key.issued\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
                              "id: 2\revent: call\rdata: caf\xC3\xA9\r\r"
                              "id: 3\ndata\n\n"
                              "retry: 10\r\ndata: last\r\n\r\n";
    const QStringList expected {u"key.issued|1|{\"a\":\n1}"_s, u"call|2|café"_s, u"message|3|"_s,
                                u"message|3|last"_s};
    QCOMPARE(parseWhole(stream), expected);
    for (qsizetype split = 0; split <= stream.size(); ++split) {
        SseParser parser;
        QList<ServerSentEvent> events = parser.feed(QByteArrayView(stream).first(split));
        events += parser.feed(QByteArrayView(stream).sliced(split));
        QCOMPARE(describe(events), expected);
        QCOMPARE(parser.retryMs(), std::optional<int>(10));
    }
    SseParser byteByByte;
    QList<ServerSentEvent> events;
    for (char c : stream)
        events += byteByByte.feed(QByteArrayView(&c, 1));
    QCOMPARE(describe(events), expected);
}

void TestSseParser::lineEndsCrLfCrAndLf()
{
    QCOMPARE(parseWhole("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n"),
             (QStringList {u"message||a"_s, u"message||b"_s, u"message||c"_s, u"message||d"_s}));
    // CR then LF in the next read is one line end, not two (no empty event line in between).
    SseParser parser;
    QVERIFY(parser.feed("data: a\r").isEmpty());
    QVERIFY(parser.feed("\ndata: b\r").isEmpty());
    QCOMPARE(describe(parser.feed("\n\r\n")), (QStringList {u"message||a\nb"_s}));
}

void TestSseParser::multiLineDataIsJoinedWithLf()
{
    QCOMPARE(parseWhole("data: one\ndata: two\ndata:\ndata: four\n\n"),
             (QStringList {u"message||one\ntwo\n\nfour"_s}));
}

void TestSseParser::commentsAndUnknownFieldsAreIgnored()
{
    QCOMPARE(parseWhole(": keep-alive\nfoo: bar\n:data: no\ndata: yes\nEvent: no\n\n"),
             (QStringList {u"message||yes"_s}));
    QVERIFY(parseWhole(": only a comment\n\n").isEmpty());
}

void TestSseParser::idWithoutDataStillMovesTheLastEventId()
{
    SseParser parser;
    QVERIFY(parser.feed("id: 7\n\n").isEmpty());
    QCOMPARE(parser.lastEventId(), u"7"_s);
    QCOMPARE(describe(parser.feed("data: x\n\n")), (QStringList {u"message|7|x"_s}));
    QVERIFY(parser.feed("id\n\n").isEmpty()); // an empty id clears it
    QCOMPARE(parser.lastEventId(), QString());
}

void TestSseParser::idWithNulIsIgnored()
{
    SseParser parser;
    parser.feed("id: 5\n\n");
    parser.feed(QByteArray("id: 6\0x\ndata: y\n\n", 17));
    QCOMPARE(parser.lastEventId(), u"5"_s);
}

void TestSseParser::onlyOneSpaceAfterTheColonIsDropped()
{
    QCOMPARE(parseWhole("data:x\n\ndata:  x\n\nevent:  t\ndata: y\n\n"),
             (QStringList {u"message||x"_s, u"message|| x"_s, u" t||y"_s}));
}

void TestSseParser::retryTakesDigitsOnly()
{
    SseParser parser;
    parser.feed("retry: 2500\n");
    QCOMPARE(parser.retryMs(), std::optional<int>(2500));
    parser.feed("retry: 25a\nretry: -1\nretry:\n");
    QCOMPARE(parser.retryMs(), std::optional<int>(2500));
}

void TestSseParser::unfinishedEventIsNeverDispatched()
{
    SseParser parser;
    parser.feed("id: 3\n\nid: 4\nevent: call\ndata: half");
    // The connection drops; the next one starts clean but remembers where it stood.
    parser.restart();
    QCOMPARE(parser.lastEventId(), u"3"_s);
    QCOMPARE(describe(parser.feed("data: whole\n\n")), (QStringList {u"message|3|whole"_s}));
}

void TestSseParser::byteOrderMarkOnlyAtTheStart()
{
    SseParser parser;
    QVERIFY(parser.feed("\xEF").isEmpty());
    QVERIFY(parser.feed("\xBB").isEmpty());
    QCOMPARE(describe(parser.feed("\xBF"
                                  "data: x\n\n\xEF\xBB\xBF"
                                  "data: y\n\n")),
             (QStringList {u"message||x"_s}));
    // Not at the start, the mark is part of a field name, so the line is an unknown field.
    QCOMPARE(parseWhole("data: a\n\n\xEF\xBB\xBF"
                        "data: b\n\n"),
             (QStringList {u"message||a"_s}));
    QCOMPARE(parseWhole("da"), QStringList());
}

void TestSseParser::typeDefaultsToMessageAndResets()
{
    QCOMPARE(parseWhole("event: call\ndata: 1\n\ndata: 2\n\nevent: x\n\ndata: 3\n\n"),
             (QStringList {u"call||1"_s, u"message||2"_s, u"message||3"_s}));
}

void TestSseParser::overlongLineStopsTheParser()
{
    SseParser parser;
    const QByteArray chunk(1024 * 1024, 'x');
    QByteArray first = "data: ";
    parser.feed(first);
    for (int i = 0; i < 9 && !parser.overflowed(); ++i)
        parser.feed(chunk);
    QVERIFY(parser.overflowed());
    QVERIFY(parser.feed("\n\ndata: later\n\n").isEmpty());
}

QTEST_APPLESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
