// Prices: the FX table, currency minor units, rounding up, and SMS segment counting.

#include "vendors/pricing.h"
#include "vendors/smssegments.h"

#include <QtTest>

using namespace keybrake;
using namespace Qt::StringLiterals;

namespace {

Pricing pricingWith(const char *rates)
{
    Pricing pricing;
    pricing.usdPerUnit = *parseFxRates(rates);
    return pricing;
}

} // namespace

class TestPricing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void parseFxRates_data();
    void parseFxRates();
    void minorUnitsToUsd_data();
    void minorUnitsToUsd();
    void decimalToUsd_data();
    void decimalToUsd();
    void smsSegments_data();
    void smsSegments();
    void invalidUtf8_data();
    void invalidUtf8();
};

void TestPricing::defaults()
{
    // The contract's defaults: $0.0004 per email, $0.015 per segment, calls unpriced.
    const Pricing pricing;
    QCOMPARE(pricing.resendEmail.micros(), 400);
    QCOMPARE(pricing.twilioSegmentCeiling.micros(), 15'000);
    QVERIFY(!pricing.twilioCallCeiling);
    QVERIFY(pricing.usdPerUnit.empty());
    QVERIFY(isCurrencySupported(pricing, "usd"));
    QVERIFY(isCurrencySupported(pricing, "USD"));
    QVERIFY(!isCurrencySupported(pricing, "eur"));
}

void TestPricing::parseFxRates_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("expected"); // "code=micros" joined by ','

    QTest::newRow("two rates") << "eur=1.08,gbp=1.27"_ba << true << "eur=1080000,gbp=1270000"_ba;
    QTest::newRow("upper case and blanks")
        << " EUR = 1.08 , jpy=0.0067"_ba << true << "eur=1080000,jpy=6700"_ba;
    QTest::newRow("empty") << ""_ba << true << ""_ba;
    QTest::newRow("integer rate") << "kwd=3"_ba << true << "kwd=3000000"_ba;
    QTest::newRow("seventh decimal rounds up") << "vnd=0.0000391"_ba << true << "vnd=40"_ba;
    QTest::newRow("tiny rate rounds up to one micro") << "idr=0.0000001"_ba << true << "idr=1"_ba;
    QTest::newRow("missing rate") << "eur="_ba << false << ""_ba;
    QTest::newRow("missing equals") << "eur"_ba << false << ""_ba;
    QTest::newRow("zero rate") << "eur=0"_ba << false << ""_ba;
    QTest::newRow("negative rate") << "eur=-1.08"_ba << false << ""_ba;
    QTest::newRow("not a number") << "eur=abc"_ba << false << ""_ba;
    QTest::newRow("exponent") << "eur=1e2"_ba << false << ""_ba;
    QTest::newRow("duplicate") << "eur=1.08,EUR=1.1"_ba << false << ""_ba;
    QTest::newRow("usd is implicit") << "usd=1"_ba << false << ""_ba;
    QTest::newRow("bad code") << "euro=1.08"_ba << false << ""_ba;
    QTest::newRow("trailing comma") << "eur=1.08,"_ba << false << ""_ba;
}

void TestPricing::parseFxRates()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QFETCH(QByteArray, expected);

    const auto rates = keybrake::parseFxRates(text.toStdString());
    QCOMPARE(rates.has_value(), valid);
    if (!rates)
        return;
    QByteArrayList entries;
    for (const auto &[code, rate] : *rates)
        entries << QByteArray::fromStdString(code) + '=' + QByteArray::number(rate.micros());
    QCOMPARE(entries.join(','), expected);
}

void TestPricing::minorUnitsToUsd_data()
{
    QTest::addColumn<QByteArray>("rates");
    QTest::addColumn<QByteArray>("currency");
    QTest::addColumn<qint64>("minor");
    QTest::addColumn<qint64>("expected"); // micro-dollars; -1 for nullopt

    QTest::newRow("usd cents") << ""_ba
                               << "usd"_ba << qint64(2500) << qint64(25'000'000);
    QTest::newRow("usd upper case") << ""_ba
                                    << "USD"_ba << qint64(1) << qint64(10'000);
    QTest::newRow("eur") << "eur=1.08"_ba
                         << "eur"_ba << qint64(999) << qint64(10'789'200);
    QTest::newRow("fx rounds up to the micro") << "eur=1.333333"_ba
                                               << "eur"_ba << qint64(1) << qint64(13'334);
    QTest::newRow("jpy is zero-decimal") << "jpy=0.0067"_ba
                                         << "jpy"_ba << qint64(1000) << qint64(6'700'000);
    QTest::newRow("krw is zero-decimal") << "krw=0.00075"_ba
                                         << "KRW"_ba << qint64(10'000) << qint64(7'500'000);
    QTest::newRow("kwd is three-decimal") << "kwd=3.25"_ba
                                          << "kwd"_ba << qint64(1000) << qint64(3'250'000);
    QTest::newRow("zero") << ""_ba
                          << "usd"_ba << qint64(0) << qint64(0);
    QTest::newRow("unsupported currency") << "eur=1.08"_ba
                                          << "gbp"_ba << qint64(100) << qint64(-1);
    QTest::newRow("negative amount") << ""_ba
                                     << "usd"_ba << qint64(-100) << qint64(-1);
    QTest::newRow("huge amount saturates above any cap")
        << "kwd=3.25"_ba
        << "kwd"_ba << qint64(999'999'999'999'999'999) << qint64(9'000'000'000'000'000);
}

void TestPricing::minorUnitsToUsd()
{
    QFETCH(QByteArray, rates);
    QFETCH(QByteArray, currency);
    QFETCH(qint64, minor);
    QFETCH(qint64, expected);

    const auto usd =
        keybrake::minorUnitsToUsd(pricingWith(rates.constData()), currency.toStdString(), minor);
    QCOMPARE(usd ? usd->micros() : -1, expected);
}

void TestPricing::decimalToUsd_data()
{
    QTest::addColumn<QByteArray>("rates");
    QTest::addColumn<QByteArray>("currency");
    QTest::addColumn<QByteArray>("decimal");
    QTest::addColumn<qint64>("expected"); // micro-dollars; -1 for nullopt

    QTest::newRow("twilio price") << ""_ba
                                  << "usd"_ba
                                  << "-0.00750"_ba << qint64(7'500);
    QTest::newRow("positive") << ""_ba
                              << "USD"_ba
                              << "0.0079"_ba << qint64(7'900);
    QTest::newRow("seventh decimal rounds up") << ""_ba
                                               << "usd"_ba
                                               << "-0.0075001"_ba << qint64(7'501);
    QTest::newRow("trailing zeros beyond micro") << ""_ba
                                                 << "usd"_ba
                                                 << "0.007500000"_ba << qint64(7'500);
    QTest::newRow("converted") << "eur=1.08"_ba
                               << "eur"_ba
                               << "-0.5"_ba << qint64(540'000);
    QTest::newRow("unsupported") << ""_ba
                                 << "eur"_ba
                                 << "-0.5"_ba << qint64(-1);
    QTest::newRow("exponent") << ""_ba
                              << "usd"_ba
                              << "1e30"_ba << qint64(-1);
    QTest::newRow("too many digits") << ""_ba
                                     << "usd"_ba
                                     << "12345678901234"_ba << qint64(-1);
    QTest::newRow("not a number") << ""_ba
                                  << "usd"_ba
                                  << "abc"_ba << qint64(-1);
    QTest::newRow("empty") << ""_ba
                           << "usd"_ba
                           << ""_ba << qint64(-1);
    QTest::newRow("bare dot") << ""_ba
                              << "usd"_ba
                              << "1."_ba << qint64(-1);
}

void TestPricing::decimalToUsd()
{
    QFETCH(QByteArray, rates);
    QFETCH(QByteArray, currency);
    QFETCH(QByteArray, decimal);
    QFETCH(qint64, expected);

    const auto usd = keybrake::decimalToUsd(pricingWith(rates.constData()), currency.toStdString(),
                                            decimal.toStdString());
    QCOMPARE(usd ? usd->micros() : -1, expected);
}

void TestPricing::smsSegments_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("gsm7");
    QTest::addColumn<qint64>("units");
    QTest::addColumn<qint64>("segments");

    const QString a = u"a"_s;
    QTest::newRow("empty") << QString() << true << qint64(0) << qint64(0);
    QTest::newRow("gsm 1") << a << true << qint64(1) << qint64(1);
    QTest::newRow("gsm 160") << a.repeated(160) << true << qint64(160) << qint64(1);
    QTest::newRow("gsm 161") << a.repeated(161) << true << qint64(161) << qint64(2);
    QTest::newRow("gsm 153x2") << a.repeated(306) << true << qint64(306) << qint64(2);
    QTest::newRow("gsm 153x2+1") << a.repeated(307) << true << qint64(307) << qint64(3);
    QTest::newRow("gsm basic non-ascii")
        << u"@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r"_s << true << qint64(44) << qint64(1);
    QTest::newRow("extension chars count 2") << u"{}[]~|^\\€"_s << true << qint64(18) << qint64(1);
    QTest::newRow("80 extension chars fit one")
        << u"€"_s.repeated(80) << true << qint64(160) << qint64(1);
    QTest::newRow("81 extension chars") << u"["_s.repeated(81) << true << qint64(162) << qint64(2);
    QTest::newRow("escape pair not split across segments")
        << a.repeated(152) + u"€"_s + a.repeated(152) << true << qint64(306) << qint64(3);
    QTest::newRow("backtick is not gsm") << u"`"_s << false << qint64(1) << qint64(1);
    QTest::newRow("ucs2 70") << u"ж"_s.repeated(70) << false << qint64(70) << qint64(1);
    QTest::newRow("ucs2 71") << u"ж"_s.repeated(71) << false << qint64(71) << qint64(2);
    QTest::newRow("ucs2 67x2") << u"ж"_s.repeated(134) << false << qint64(134) << qint64(2);
    QTest::newRow("ucs2 67x2+1") << u"ж"_s.repeated(135) << false << qint64(135) << qint64(3);
    QTest::newRow("one non-gsm char makes it ucs2")
        << a.repeated(69) + u"ж"_s << false << qint64(70) << qint64(1);
    QTest::newRow("ucs2 at 71 from gsm text")
        << a.repeated(70) + u"😀"_s << false << qint64(72) << qint64(2);
    QTest::newRow("emoji count 2 units") << u"😀"_s.repeated(35) << false << qint64(70) << qint64(1);
    QTest::newRow("surrogate pair not split")
        << u"😀"_s.repeated(36) << false << qint64(72) << qint64(2);
    QTest::newRow("curly quote is ucs2") << u"it’s"_s << false << qint64(4) << qint64(1);
}

void TestPricing::smsSegments()
{
    QFETCH(QString, text);
    QFETCH(bool, gsm7);
    QFETCH(qint64, units);
    QFETCH(qint64, segments);

    const auto counted = countSmsSegments(text.toUtf8().toStdString());
    QVERIFY(counted);
    QCOMPARE(counted->encoding == SmsSegments::Encoding::Gsm7, gsm7);
    QCOMPARE(counted->units, units);
    QCOMPARE(counted->segments, segments);
}

void TestPricing::invalidUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("lone continuation") << "a\x80"_ba;
    QTest::newRow("invalid lead") << "\xff"_ba;
    QTest::newRow("truncated") << "\xe2\x82"_ba;
    QTest::newRow("overlong slash") << "\xc0\xaf"_ba;
    QTest::newRow("overlong three-byte") << "\xe0\x80\xaf"_ba;
    QTest::newRow("surrogate") << "\xed\xa0\x80"_ba;
    QTest::newRow("beyond U+10FFFF") << "\xf4\x90\x80\x80"_ba;
}

void TestPricing::invalidUtf8()
{
    QFETCH(QByteArray, bytes);
    QVERIFY(!countSmsSegments(bytes.toStdString()));
}

QTEST_APPLESS_MAIN(TestPricing)
#include "tst_pricing.moc"
