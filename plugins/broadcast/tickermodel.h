// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QRandomGenerator>
#include <QString>

namespace WsPlug {

/*
 * The built-in ticker's data: a random-walk price. Each sample is a JSON text with a
 * sequence number and a timestamp, so a dashboard can plot it and spot gaps. No I/O;
 * the plugin calls next() from a timer.
 */
class TickerModel
{
public:
    TickerModel(const QString &topic, const QString &symbol, double startPrice, quint32 seed);

    //! Advances the walk one step and returns the sample as compact JSON.
    QString next(qint64 nowMs);


private:
    QString m_topic;
    QString m_symbol;
    double m_price;
    double m_floor;
    quint64 m_seq = 0;
    QRandomGenerator m_random;
};

} // namespace WsPlug
