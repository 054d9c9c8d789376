// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QChar>
#include <QStringView>

namespace WsPlug {

/*
 * Whether \a text holds a character that must not travel from one client's name or
 * topic to another client's screen: a control or format character (which could fake
 * a line break or reorder the text around it) or a line or paragraph separator.
 * The chat plugin's room names and nicks and the broadcast plugin's topics use it.
 *
 * It looks at UTF-16 code units, so a format character outside the Basic Multilingual
 * Plane (U+E0001 LANGUAGE TAG and the other tags) passes: each half of its surrogate
 * pair is category Surrogate. Changing that changes what both plugins accept.
 */
inline bool containsControlCharacter(QStringView text)
{
    for (const QChar c : text) {
        switch (c.category()) {
        case QChar::Other_Control:
        case QChar::Other_Format:
        case QChar::Separator_Line:
        case QChar::Separator_Paragraph:
            return true;
        default:
            break;
        }
    }
    return false;
}

} // namespace WsPlug
