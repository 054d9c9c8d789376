// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "chartstyle.h"

#include <QAbstractBarSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QFontMetricsF>
#include <QHorizontalBarSeries>
#include <QLegend>
#include <QLogValueAxis>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <optional>

namespace WsPlug {

//! Bars of a few totals by category; one bar set per name in \a sets.
class BreakdownChart final : public QChartView
{
public:
    BreakdownChart(const QString &title, const QStringList &sets, bool horizontal, QWidget *parent)
        : QChartView(new QChart, parent), m_setNames(sets), m_horizontal(horizontal)
    {
        setRenderHint(QPainter::Antialiasing);
        setMinimumSize(280, 180);
        chart()->setTitle(title);
        chart()->legend()->setVisible(sets.size() > 1);
        chart()->legend()->setAlignment(Qt::AlignBottom);
        chart()->setMargins(QMargins(4, 4, 4, 4));
    }

    //! \a values holds one list per bar set, each with one value per category.
    void setValues(const QStringList &categories, const QList<QList<double>> &values)
    {
        // Every replaced value lays the bars out again: nothing to do for the same totals.
        if (categories == m_categories && values == m_values)
            return;
        m_values = values;
        if (categories != m_categories) {
            // Categories changed: rebuild. Otherwise only the values move.
            chart()->removeAllSeries();   // deletes the series
            for (QAbstractAxis *axis : chart()->axes()) {
                chart()->removeAxis(axis);    // only hands the axis back: delete it
                delete axis;
            }
            m_categories = categories;
            m_sets.clear();
            QAbstractBarSeries *series = m_horizontal ? static_cast<QAbstractBarSeries *>(new QHorizontalBarSeries)
                                                      : static_cast<QAbstractBarSeries *>(new QBarSeries);
            for (int i = 0; i < m_setNames.size(); ++i) {
                auto *set = new QBarSet(m_setNames.at(i));
                for (double v : values.value(i))
                    *set << v;
                // The count, also where it did not fit on its bar (see fitLabels()).
                connect(set, &QBarSet::hovered, this, [this, set](bool on, int index) {
                    if (!on)
                        return QToolTip::hideText();
                    QToolTip::showText(QCursor::pos(), QStringLiteral("%1, %2: %3").arg(m_categories.value(index), set->label())
                                                               .arg(qint64(set->at(index))));
                });
                series->append(set);
                m_sets.append(set);
            }
            series->setLabelsVisible(true);
            series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
            chart()->addSeries(series);
            auto *categoryAxis = new QBarCategoryAxis;
            categoryAxis->append(categories);
            chart()->addAxis(categoryAxis, m_horizontal ? Qt::AlignLeft : Qt::AlignBottom);
            series->attachAxis(categoryAxis);
            m_series = series;
            m_valueAxis = nullptr;
            m_logAxis = nullptr;
            if (m_font)
                applyChartFont(chart(), *m_font);   // the rebuilt axes and labels too
        } else {
            for (int i = 0; i < m_sets.size(); ++i) {
                const QList<double> row = values.value(i);
                for (int c = 0; c < row.size(); ++c) {
                    if (m_sets[i]->at(c) != row.at(c))
                        m_sets[i]->replace(c, row.at(c));
                }
            }
        }
        double maxValue = 0;
        double minNonZero = 0;
        for (const QList<double> &row : values) {
            for (double v : row) {
                maxValue = std::max(maxValue, v);
                if (v > 0 && (minNonZero == 0 || v < minNonZero))
                    minNonZero = v;
            }
        }
        // A few closes beside thousands of text frames would be bars of no height: past a
        // ratio of 100 the axis turns logarithmic, so that every count shows.
        setLogScale(minNonZero > 0 && maxValue / minNonZero >= 100);
        m_maxValue = maxValue;
        fitLabels();
    }

    bool isLogScale() const { return m_logAxis != nullptr; }
    //! The angle of the counts on the bars: 0, or -90 when they are wider than a bar.
    qreal labelsAngle() const { return m_series ? m_series->labelsAngle() : 0; }

protected:
    void resizeEvent(QResizeEvent *event) override
    {
        QChartView::resizeEvent(event);
        fitLabels();
    }

public:

    void setChartFont(const QFont &font)
    {
        m_font = font;
        applyChartFont(chart(), font);
        fitLabels();
    }
    double axisTop() const { return m_valueAxis ? m_valueAxis->max() : m_logAxis ? m_logAxis->max() : 0; }

private:
    std::optional<QFont> m_font;
    QStringList m_setNames;
    bool m_horizontal;
    QStringList m_categories;
    QList<QList<double>> m_values;
    QList<QBarSet *> m_sets;
    //! Puts a value axis of the kind asked for in place, if it is not already.
    void setLogScale(bool log)
    {
        if (!m_series || (log ? m_logAxis != nullptr : m_valueAxis != nullptr))
            return;
        QAbstractAxis *old = log ? static_cast<QAbstractAxis *>(m_valueAxis) : static_cast<QAbstractAxis *>(m_logAxis);
        if (old) {
            m_series->detachAxis(old);
            chart()->removeAxis(old);
            delete old;
        }
        QAbstractAxis *axis = nullptr;
        if (log) {
            m_logAxis = new QLogValueAxis;
            m_logAxis->setBase(10);
            m_logAxis->setLabelFormat(QStringLiteral("%g"));
            m_valueAxis = nullptr;
            axis = m_logAxis;
        } else {
            m_valueAxis = new QValueAxis;
            m_valueAxis->setLabelFormat(QStringLiteral("%.0f"));
            m_valueAxis->setTickCount(5);
            m_logAxis = nullptr;
            axis = m_valueAxis;
        }
        chart()->addAxis(axis, m_horizontal ? Qt::AlignBottom : Qt::AlignLeft);
        m_series->attachAxis(axis);
        if (m_font)
            applyChartFont(chart(), *m_font);
    }

    /*
     * Readable at any size (a projector's 1024x768 included): a count wider than its bar
     * turns upright instead of running into its neighbour's, or, where the plot is too
     * short for that too, gives way (hover a bar for it); the value axis leaves room
     * above the longest bar for its count; category names shrink (to 70% of the
     * window's font at least) rather than end in "…".
     */
    void fitLabels()
    {
        if (!m_series || m_sets.isEmpty())
            return;
        const QRectF plot = chart()->plotArea();
        const QFontMetricsF counts(m_sets.first()->labelFont());
        const qreal countLength = counts.horizontalAdvance(QString::number(qint64(m_maxValue))) + 6;
        const qsizetype slots = std::max<qsizetype>(1, m_categories.size());
        qreal room = 0.2;   // of the value axis, above the longest bar, before the plot is laid out
        bool upright = false;
        bool shown = true;
        if (plot.width() > 0 && plot.height() > 0) {
            if (m_horizontal) {
                room = countLength / plot.width();
            } else {
                const qreal bar = plot.width() / qreal(slots) * m_series->barWidth() / qreal(m_sets.size());
                upright = countLength > bar;
                shown = !upright || countLength <= 0.45 * plot.height();
                room = !shown ? 0.1 : (upright ? countLength : counts.height() + 4) / plot.height();
            }
        }
        room = std::clamp(room, 0.1, 0.45);
        m_series->setLabelsVisible(shown);
        m_series->setLabelsAngle(upright ? -90 : 0);
        if (m_logAxis) {
            // The top decade so that the longest bar ends `room` below it on the log scale.
            const double low = std::log10(0.5);
            const double top = (std::log10(std::max(m_maxValue, 1.0)) - room * low) / (1 - room);
            m_logAxis->setRange(0.5, std::pow(10.0, std::ceil(top)));
        } else if (m_valueAxis) {
            // Four intervals of a nice whole step.
            m_valueAxis->setRange(0, 4 * niceStep(m_maxValue / (1 - room) / 4, true));
        }
        auto *categories = qobject_cast<QBarCategoryAxis *>(chart()->axes(Qt::Horizontal).value(0));
        if (!m_font || !categories || plot.width() <= 0)
            return;
        QFont names = *m_font;
        names.setPointSizeF(m_font->pointSizeF() * 0.85);
        qreal widest = 0;
        for (const QString &c : std::as_const(m_categories))
            widest = std::max(widest, QFontMetricsF(names).horizontalAdvance(c));
        const qreal slot = plot.width() / qreal(slots) * 0.65;   // what Qt Charts leaves a name before it cuts it
        if (widest > slot && widest > 0)
            names.setPointSizeF(std::max(m_font->pointSizeF() * 0.7, names.pointSizeF() * slot / widest));
        if (categories->labelsFont() != names)
            categories->setLabelsFont(names);
    }

    double m_maxValue = 0;
    QAbstractBarSeries *m_series = nullptr;
    QValueAxis *m_valueAxis = nullptr;
    QLogValueAxis *m_logAxis = nullptr;
};

} // namespace WsPlug
