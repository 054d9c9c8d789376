// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The control-character rule the chat plugin's names and the broadcast plugin's
// topics share.

#include "displaytext.h"

#include <QTest>

using namespace WsPlug;

class tst_DisplayText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void containsControlCharacter_data();
    void containsControlCharacter();
};

void tst_DisplayText::containsControlCharacter_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("refused");
    // "a", the code point \a c, "b". (Not QString::fromUcs4(): it drops a leading U+FEFF.)
    auto one = [](char32_t c) -> QString {
        QString text = QStringLiteral("a");
        if (QChar::requiresSurrogates(c))
            text += QChar(QChar::highSurrogate(c)) + QChar(QChar::lowSurrogate(c));
        else
            text += QChar(c);
        return text + QLatin1Char('b');
    };

    QTest::addRow("empty") << QString() << false;
    QTest::addRow("plain") << QStringLiteral("room-1_x.y/z") << false;
    QTest::addRow("space inside") << QStringLiteral("a b") << false;
    QTest::addRow("no-break space") << one(0x00a0) << false;
    QTest::addRow("accented") << QStringLiteral("caf\u00e9") << false;
    QTest::addRow("CJK") << QStringLiteral("\u623f\u95f4") << false;
    QTest::addRow("right-to-left letters") << QStringLiteral("\u05e9\u05dc\u05d5\u05dd") << false;
    QTest::addRow("emoji") << one(0x1f600) << false;
    // Other_Control (Cc): C0, DEL, C1.
    QTest::addRow("NUL") << one(0x0000) << true;
    QTest::addRow("tab") << one(0x0009) << true;
    QTest::addRow("line feed") << one(0x000a) << true;
    QTest::addRow("carriage return") << one(0x000d) << true;
    QTest::addRow("escape") << one(0x001b) << true;
    QTest::addRow("DEL") << one(0x007f) << true;
    QTest::addRow("NEL") << one(0x0085) << true;
    // Other_Format (Cf): invisible, or reorders what follows.
    QTest::addRow("soft hyphen") << one(0x00ad) << true;
    QTest::addRow("zero width space") << one(0x200b) << true;
    QTest::addRow("left-to-right mark") << one(0x200e) << true;
    QTest::addRow("right-to-left override") << one(0x202e) << true;
    QTest::addRow("right-to-left isolate") << one(0x2067) << true;
    QTest::addRow("byte order mark") << one(0xfeff) << true;
    // Separator_Line (Zl), Separator_Paragraph (Zp).
    QTest::addRow("line separator") << one(0x2028) << true;
    QTest::addRow("paragraph separator") << one(0x2029) << true;
    QTest::addRow("at the start") << QStringLiteral("\u202eab") << true;
    QTest::addRow("at the end") << QStringLiteral("ab\n") << true;
    // What the rule has always done (see displaytext.h): astral format characters pass.
    QTest::addRow("language tag passes") << one(0xe0001) << false;
}

void tst_DisplayText::containsControlCharacter()
{
    QFETCH(QString, text);
    QFETCH(bool, refused);
    QCOMPARE(WsPlug::containsControlCharacter(text), refused);
}

QTEST_GUILESS_MAIN(tst_DisplayText)
#include "tst_displaytext.moc"
