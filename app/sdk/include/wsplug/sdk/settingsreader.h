// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QVariantMap>

#include <cmath>

namespace WsPlug {

/*
 * Reads a plugin's settings object (HostContext::settings()) strictly: unknown keys,
 * values of the wrong type and values out of range are errors, reported as one line
 * that names the key ("setting \"ticker.intervalMs\" must be between 50 and ...").
 * A misspelt key would otherwise silently keep its default.
 *
 *     SettingsReader top(settings, QString(), &error);
 *     top.onlyKeys({QStringLiteral("echo"), QStringLiteral("limits")});
 *     top.readBool(QStringLiteral("echo"), &echo);
 *     QVariantMap limits;
 *     top.readObject(QStringLiteral("limits"), &limits);
 *     SettingsReader nested(limits, QStringLiteral("limits."), &error);
 *     nested.readInt(QStringLiteral("max"), 1, 1000, &max);
 *     if (!top.ok() || !nested.ok())
 *         return false;   // error holds the first problem
 *
 * After the first error every later read is skipped, and missing keys leave their
 * defaults alone. Header-only, QtCore only, like the rest of the SDK.
 */
class SettingsReader
{
public:
    //! \a prefix is put in front of every key in messages ("ticker.").
    SettingsReader(const QVariantMap &map, const QString &prefix, QString *errorString)
        : m_map(map), m_prefix(prefix), m_error(errorString)
    {
    }

    bool ok() const { return m_ok; }

    void onlyKeys(const QSet<QString> &known)
    {
        for (auto it = m_map.cbegin(); m_ok && it != m_map.cend(); ++it) {
            // "rights" is the host's (SDK 2.1): the plugin's rights, read by wsplug/sdk/rights.h.
            if (!known.contains(it.key()) && it.key() != QLatin1String("rights"))
                fail(QStringLiteral("unknown setting \"%1%2\"").arg(m_prefix, it.key()));
        }
    }

    void readBool(const QString &key, bool *out)
    {
        const auto it = find(key);
        if (it == m_map.cend())
            return;
        if (it->typeId() != QMetaType::Bool)
            return fail(QStringLiteral("setting \"%1%2\" must be true or false").arg(m_prefix, key));
        *out = it->toBool();
    }

    void readInt(const QString &key, int min, int max, int *out)
    {
        const auto it = find(key);
        if (it == m_map.cend())
            return;
        const double value = it->toDouble();
        if (!isNumber(*it) || std::trunc(value) != value)
            return fail(QStringLiteral("setting \"%1%2\" must be an integer").arg(m_prefix, key));
        if (value < min || value > max) {
            return fail(QStringLiteral("setting \"%1%2\" must be between %3 and %4")
                            .arg(m_prefix, key).arg(min).arg(max));
        }
        *out = int(value);
    }

    void readDouble(const QString &key, double min, double max, double *out)
    {
        const auto it = find(key);
        if (it == m_map.cend())
            return;
        const double value = it->toDouble();
        if (!isNumber(*it) || !std::isfinite(value) || value < min || value > max) {
            return fail(QStringLiteral("setting \"%1%2\" must be a number between %3 and %4")
                            .arg(m_prefix, key).arg(min).arg(max));
        }
        *out = value;
    }

    void readString(const QString &key, QString *out)
    {
        const auto it = find(key);
        if (it == m_map.cend())
            return;
        if (it->typeId() != QMetaType::QString)
            return fail(QStringLiteral("setting \"%1%2\" must be a string").arg(m_prefix, key));
        *out = it->toString();
    }

    //! A nested object arrives as QVariantMap from a JSON config file, but an
    //! embedding program may just as well hand over a QJsonObject: both are taken.
    void readObject(const QString &key, QVariantMap *out)
    {
        const auto it = find(key);
        if (it == m_map.cend())
            return;
        if (it->typeId() == QMetaType::QVariantMap)
            *out = it->toMap();
        else if (it->typeId() == QMetaType::QJsonObject)
            *out = it->toJsonObject().toVariantMap();
        else
            fail(QStringLiteral("setting \"%1%2\" must be an object").arg(m_prefix, key));
    }

    //! Records \a message as the error unless there is one already.
    void fail(const QString &message)
    {
        if (m_ok && m_error)
            *m_error = message;
        m_ok = false;
    }

private:
    QVariantMap::const_iterator find(const QString &key) const
    {
        return m_ok ? m_map.constFind(key) : m_map.cend();
    }

    static bool isNumber(const QVariant &value)
    {
        switch (value.typeId()) {
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
        case QMetaType::Double:
            return true;
        default:
            return false;
        }
    }

    const QVariantMap m_map;   // a copy (implicitly shared): a temporary may be passed
    QString m_prefix;
    QString *m_error;
    bool m_ok = true;
};

} // namespace WsPlug
