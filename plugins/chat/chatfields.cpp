// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatfields.h"

#include "displaytext.h"

#include <QJsonDocument>

namespace WsPlug::ChatFields {

Problem badField(const QString &field, const QString &message)
{
    return {QStringLiteral("bad_field"), message, field, true};
}

Problem notInRoom(const QString &room)
{
    return {QStringLiteral("not_in_room"), QStringLiteral("you are not in room \"%1\"").arg(room),
            QStringLiteral("room"), false};
}

QString encode(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

std::optional<Problem> readString(const QJsonObject &object, const QString &key, QString *out)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull()) {
        return Problem{QStringLiteral("missing_field"),
                       QStringLiteral("field \"%1\" is required").arg(key), key, true};
    }
    if (!value.isString())
        return badField(key, QStringLiteral("field \"%1\" must be a string").arg(key));
    *out = value.toString();
    return std::nullopt;
}

// Room names and nicks end up in other clients' user interfaces: no control or
// format characters (which could fake line breaks or reorder text), no padding.
std::optional<Problem> checkName(const QString &key, const QString &value, int maxLength)
{
    if (value.isEmpty())
        return badField(key, QStringLiteral("field \"%1\" must not be empty").arg(key));
    if (value.size() > maxLength) {
        return badField(key, QStringLiteral("field \"%1\" is longer than %2 characters")
                                 .arg(key).arg(maxLength));
    }
    if (value.front().isSpace() || value.back().isSpace()) {
        return badField(key, QStringLiteral("field \"%1\" must not start or end with a space")
                                 .arg(key));
    }
    if (containsControlCharacter(value))
        return badField(key, QStringLiteral("field \"%1\" contains a control or format character").arg(key));
    return std::nullopt;
}

// Nicks are unique per room regardless of case and of compatibility forms, so
// "Bob", "bob" and "ｂｏｂ" cannot pose as one another.
QString nickKey(const QString &nick)
{
    return nick.normalized(QString::NormalizationForm_KC).toCaseFolded();
}

QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}

} // namespace WsPlug::ChatFields
