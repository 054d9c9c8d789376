// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tickermodel.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace WsPlug {

/*!
    Starts a walk at \a startPrice. The \a seed makes the walk reproducible in tests.
*/
TickerModel::TickerModel(const QString &topic, const QString &symbol, double startPrice,
                         quint32 seed)
    : m_topic(topic), m_symbol(symbol), m_price(startPrice), m_floor(startPrice / 100.0),
      m_random(seed)
{
}

QString TickerModel::next(qint64 nowMs)
{
    // Steps of up to +-0.5 % look like a real quote at one sample per second; the floor
    // keeps a long unlucky run from reaching zero.
    const double step = (m_random.generateDouble() - 0.5) * 0.01;
    const double previous = m_price;
    m_price = std::max(m_floor, m_price * (1.0 + step));
    ++m_seq;
    const auto cents = [](double value) { return std::round(value * 100.0) / 100.0; };
    const QJsonObject sample{
        {QStringLiteral("type"), QStringLiteral("tick")},
        {QStringLiteral("topic"), m_topic},
        {QStringLiteral("symbol"), m_symbol},
        {QStringLiteral("seq"), double(m_seq)},
        {QStringLiteral("ts"), double(nowMs)},
        {QStringLiteral("price"), cents(m_price)},
        {QStringLiteral("change"), cents(m_price - previous)},
    };
    return QString::fromUtf8(QJsonDocument(sample).toJson(QJsonDocument::Compact));
}

} // namespace WsPlug
