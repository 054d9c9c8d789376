// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chartstyle.h"

#include <QAbstractBarSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QLegend>

#include <algorithm>
#include <cmath>

namespace WsPlug {

double niceStep(double raw, bool integers)
{
    raw = std::max(raw, integers ? 1.0 : 1e-9);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        const double step = m * magnitude;
        if (integers && step != std::floor(step))
            continue;
        if (step >= raw * (1 - 1e-9))
            return step;
    }
    return 10 * magnitude;
}

void applyChartFont(QChart *chart, const QFont &font)
{
    QFont title = font;
    title.setPointSizeF(font.pointSizeF() * 1.1);
    title.setBold(true);
    chart->setTitleFont(title);
    chart->legend()->setFont(font);
    // Category names and the counts on bars a little smaller: whole words in narrow
    // slots beat large ones cut to "bin…".
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsFont(qobject_cast<QBarCategoryAxis *>(axis) ? small : font);
        axis->setTitleFont(font);
    }
    for (QAbstractSeries *series : chart->series()) {
        if (auto *bars = qobject_cast<QAbstractBarSeries *>(series)) {
            for (QBarSet *set : bars->barSets())
                set->setLabelFont(small);
        }
    }
}

} // namespace WsPlug
