// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chartspanel.h"

#include "breakdownchart.h"
#include "chartstyle.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QAction>
#include <QFileDialog>
#include <QFontMetrics>
#include <QMessageBox>
#include <QGridLayout>
#include <QBarSeries>
#include <QHorizontalBarSeries>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <optional>

namespace WsPlug {

namespace {
// Beyond this many routes the connections chart would be unreadable: the rest are summed.
constexpr int MaxRouteSeries = 6;
// Bounded memory: a series never holds more than the 10-minute window at 20 samples/s.
constexpr int MaxPointsPerSeries = 600 * 20;
// The charts redraw at most once a second: each redraw lays out every title and axis.
constexpr int RedrawIntervalMs = 1000;

QString humanRate(double v)
{
    if (v >= 1e9) return QString::number(v / 1e9, 'f', 1) + QLatin1Char('G');
    if (v >= 1e6) return QString::number(v / 1e6, 'f', 1) + QLatin1Char('M');
    if (v >= 1e3) return QString::number(v / 1e3, 'f', 1) + QLatin1Char('k');
    return QString::number(v, 'f', v < 10 ? 1 : 0);
}
} // namespace

//! A scrolling line chart of one or more rates against wall-clock time.
class RateChart final : public QChartView
{
public:
    RateChart(const QString &title, bool integerValues, QWidget *parent)
        : QChartView(new QChart, parent), m_integerValues(integerValues)
    {
        setRenderHint(QPainter::Antialiasing);
        setMinimumSize(280, 180);
        chart()->setTitle(title);
        chart()->legend()->setAlignment(Qt::AlignBottom);
        chart()->setMargins(QMargins(4, 4, 4, 4));
        m_x = new QDateTimeAxis;
        m_x->setFormat(QStringLiteral("HH:mm:ss"));
        m_x->setTickCount(4);
        m_y = new QValueAxis;
        m_y->setLabelFormat(QStringLiteral("%.0f"));
        m_y->setRange(0, 1);
        chart()->addAxis(m_x, Qt::AlignBottom);
        chart()->addAxis(m_y, Qt::AlignLeft);
    }

    QLineSeries *series(const QString &name)
    {
        if (QLineSeries *s = m_series.value(name))
            return s;
        auto *s = new QLineSeries;
        s->setName(name);
        chart()->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        m_series.insert(name, s);
        return s;
    }
    //! Keeps a point for the next commit(): Qt Charts lays a series out again on every
    //! change, so the points of a whole redraw go in with one replace() per series.
    void stage(const QString &name, qint64 timeMs, double value)
    {
        series(name);
        m_staged[name].append(QPointF(double(timeMs), value));
    }
    //! Adds the staged points, drops those older than the window, then fits the axes.
    void commit(qint64 nowMs, int windowSeconds)
    {
        const double from = double(nowMs - qint64(windowSeconds) * 1000);
        double maxY = 1;
        for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
            QLineSeries *s = it.value();
            const QList<QPointF> staged = m_staged.take(it.key());
            QList<QPointF> points = s->points();
            points += staged;
            // Keep one point left of the window so the line enters from the edge.
            qsizetype old = 0;
            while (old + 1 < points.size() && points.at(old + 1).x() < from)
                ++old;
            old = std::max(old, points.size() - MaxPointsPerSeries);
            if (old > 0)
                points.remove(0, old);
            for (const QPointF &p : std::as_const(points))
                maxY = std::max(maxY, p.y());
            if (old > 0 || !staged.isEmpty())
                s->replace(points);
        }
        m_staged.clear();
        const QDateTime left = QDateTime::fromMSecsSinceEpoch(qint64(from));
        const QDateTime right = QDateTime::fromMSecsSinceEpoch(nowMs);
        if (m_x->min() != left || m_x->max() != right)
            m_x->setRange(left, right);
        // Up to four intervals of a nice step: ticks at 0, 25, 50, 75, 100 rather than 0,
        // 63, 126... Fewer when the plot is too short for five labels of this font (a
        // projector at 768 lines in presentation mode): Qt would elide them all to "…".
        const qreal plotHeight = chart()->plotArea().height();
        const int labelHeight = QFontMetrics(m_y->labelsFont()).height();
        m_intervals = plotHeight <= 0 ? 4 : std::clamp(int(plotHeight / (labelHeight * 1.4)), 1, 4);
        const double top = m_intervals * niceStep(maxY * 1.1 / m_intervals, m_integerValues);
        // Each of these lays the chart out again, even to the same value: only on a change.
        if (m_y->tickCount() != m_intervals + 1)
            m_y->setTickCount(m_intervals + 1);
        if (m_y->min() != 0 || m_y->max() != top)
            m_y->setRange(0, top);
        const QString format = m_integerValues || top >= 20 ? QStringLiteral("%.0f") : QStringLiteral("%.1f");
        if (m_y->labelFormat() != format)
            m_y->setLabelFormat(format);
    }
    void clearPoints()
    {
        m_staged.clear();
        for (QLineSeries *s : std::as_const(m_series))
            s->clear();
    }
    int pointCount() const
    {
        int n = 0;
        for (const QLineSeries *s : m_series)
            n += s->count();
        return n;
    }
    void setLatestInTitle(const QString &base, const QString &latest)
    {
        // A new title lays the whole chart out again.
        const QString title = base + QStringLiteral(" — ") + latest;
        if (chart()->title() != title)
            chart()->setTitle(title);
    }

    void setChartFont(const QFont &font) { applyChartFont(chart(), font); }
    double axisTop() const { return m_y->max(); }
    int intervals() const { return m_intervals; }

private:
    const bool m_integerValues;
    int m_intervals = 4;
    QDateTimeAxis *m_x;
    QValueAxis *m_y;
    QMap<QString, QLineSeries *> m_series;
    QHash<QString, QList<QPointF>> m_staged;   // points for the next commit()
};


ChartsPanel::ChartsPanel(QWidget *parent)
    : QWidget(parent),
      m_connections(new RateChart(tr("Open connections"), true, this)),
      m_frames(new RateChart(tr("Frames/s"), false, this)),
      m_messages(new RateChart(tr("Messages/s"), false, this)),
      m_bytes(new RateChart(tr("Bytes/s"), false, this)),
      m_kinds(new BreakdownChart(tr("Frames by kind"), {tr("in"), tr("out")}, false, this)),
      m_closes(new BreakdownChart(tr("Closes"), {tr("closes")}, true, this)),
      m_handshakes(new BreakdownChart(tr("Handshakes"), {tr("handshakes")}, false, this))
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(m_connections, 0, 0);
    grid->addWidget(m_messages, 0, 1);
    grid->addWidget(m_frames, 1, 0);
    grid->addWidget(m_bytes, 1, 1);
    auto *breakdowns = new QWidget(this);
    auto *row = new QGridLayout(breakdowns);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_kinds, 0, 0);
    row->addWidget(m_closes, 0, 1);
    row->addWidget(m_handshakes, 0, 2);
    // Five kinds of two bars each need the room: their names stay whole on a projector.
    row->setColumnStretch(0, 2);
    row->setColumnStretch(1, 1);
    row->setColumnStretch(2, 1);
    grid->addWidget(breakdowns, 2, 0, 1, 2);
    // The bars as tall as the rates: a projector at 768 lines leaves them little else.
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 1);
    grid->setRowStretch(2, 1);
    m_connections->series(tr("total"));
    for (auto *c : {m_frames, m_messages, m_bytes}) {
        c->series(tr("in"));
        c->series(tr("out"));
    }
    applyTotals(HostStats());
    m_redrawTimer.setSingleShot(true);
    connect(&m_redrawTimer, &QTimer::timeout, this, &ChartsPanel::redraw);
    for (const QString &name : chartNames()) {
        QChartView *view = chartView(name);
        view->setObjectName(name + QStringLiteral("Chart"));
        auto *save = new QAction(tr("Save chart as PNG…"), view);
        connect(save, &QAction::triggered, this, [this, name] { saveChartAs(name); });
        view->addAction(save);
        view->setContextMenuPolicy(Qt::ActionsContextMenu);
    }
}

ChartsPanel::~ChartsPanel() = default;

QStringList ChartsPanel::chartNames() const
{
    return {QStringLiteral("connections"), QStringLiteral("messages"), QStringLiteral("frames"), QStringLiteral("bytes"),
            QStringLiteral("kinds"), QStringLiteral("closes"), QStringLiteral("handshakes")};
}

void ChartsPanel::setGreyed(bool greyed)
{
    m_greyed = greyed;
    for (const QString &name : chartNames())
        chartView(name)->chart()->setOpacity(greyed ? 0.35 : 1.0);
}

QChartView *ChartsPanel::chartView(const QString &name) const
{
    const QList<QChartView *> views = {m_connections, m_messages, m_frames, m_bytes, m_kinds, m_closes, m_handshakes};
    const qsizetype i = chartNames().indexOf(name);
    return i < 0 ? nullptr : views.at(i);
}

/*!
    Renders the chart called \a name to \a path as PNG, at its size on screen (at
    least 640×400 when it has none yet).
*/
bool ChartsPanel::saveChart(const QString &name, const QString &path)
{
    QChartView *view = chartView(name);
    if (!view)
        return false;
    redraw();
    // A chart on a tab never shown has no useful size yet; grab() sends it the resize.
    const QSize onScreen = view->size();
    const bool tooSmall = onScreen.width() < 320 || onScreen.height() < 200;
    if (tooSmall)
        view->resize(onScreen.expandedTo(QSize(640, 400)));
    const QPixmap pixmap = view->grab();
    if (tooSmall)
        view->resize(onScreen);
    return pixmap.save(path, "PNG");
}

void ChartsPanel::saveChartAs(const QString &name)
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save chart as PNG"), name + QStringLiteral(".png"),
                                                      tr("PNG image (*.png)"));
    if (!path.isEmpty() && !saveChart(name, path))
        QMessageBox::warning(this, tr("Save chart"), tr("Could not write %1.").arg(path));
}

void ChartsPanel::addSample(const RateSample &s)
{
    m_pending.push_back(s);
    scheduleRedraw();
}

/*!
    Redraws when the last redraw is RedrawIntervalMs old, or when the newest sample would
    move the plot by a pixel if that takes longer (a long window on a narrow chart): each
    redraw lays out the titles and axes of every chart, whatever moved.
*/
void ChartsPanel::scheduleRedraw()
{
    if (m_redrawTimer.isActive())
        return;
    const qreal plotWidth = std::max<qreal>(1, m_connections->chart()->plotArea().width());
    const int perPixelMs = int(qreal(m_windowSeconds) * 1000 / plotWidth);
    const int interval = std::max(RedrawIntervalMs, perPixelMs);
    const qint64 since = m_sinceRedraw.isValid() ? m_sinceRedraw.elapsed() : interval;
    m_redrawTimer.start(int(std::max<qint64>(0, interval - since)));
}

/*!
    Draws what arrived since the last redraw: called by the redraw timer, and before
    anything reads the charts, so that they are never read behind.
*/
void ChartsPanel::redraw()
{
    m_redrawTimer.stop();
    if (m_pending.empty() && !m_pendingTotals)
        return;
    m_sinceRedraw.start();
    if (!m_pending.empty()) {
        for (const RateSample &s : m_pending)
            appendPoints(s);
        showLatest(m_pending.back());
        m_pending.clear();
    }
    if (m_pendingTotals)
        applyTotals(*std::exchange(m_pendingTotals, std::nullopt));
}

void ChartsPanel::appendPoints(const RateSample &s)
{
    m_connections->stage(tr("total"), s.timeMs, s.connections);
    int shown = 0;
    double others = 0;
    bool haveOthers = false;
    for (auto it = s.routes.cbegin(); it != s.routes.cend(); ++it) {
        if (shown < MaxRouteSeries) {
            m_connections->stage(it.key(), s.timeMs, it->connections);
            ++shown;
        } else {
            others += it->connections;
            haveOthers = true;
        }
    }
    if (haveOthers)
        m_connections->stage(tr("other routes"), s.timeMs, others);
    m_frames->stage(tr("in"), s.timeMs, s.framesIn);
    m_frames->stage(tr("out"), s.timeMs, s.framesOut);
    m_messages->stage(tr("in"), s.timeMs, s.messagesIn);
    m_messages->stage(tr("out"), s.timeMs, s.messagesOut);
    m_bytes->stage(tr("in"), s.timeMs, s.bytesIn);
    m_bytes->stage(tr("out"), s.timeMs, s.bytesOut);
}

void ChartsPanel::showLatest(const RateSample &s)
{
    for (auto *c : {m_connections, m_frames, m_messages, m_bytes})
        c->commit(s.timeMs, m_windowSeconds);
    m_connections->setLatestInTitle(tr("Open connections"), QString::number(s.connections));
    m_messages->setLatestInTitle(tr("Messages/s"), tr("in %1, out %2").arg(humanRate(s.messagesIn), humanRate(s.messagesOut)));
    m_frames->setLatestInTitle(tr("Frames/s"), tr("in %1, out %2").arg(humanRate(s.framesIn), humanRate(s.framesOut)));
    m_bytes->setLatestInTitle(tr("Bytes/s"), tr("in %1, out %2").arg(humanRate(s.bytesIn), humanRate(s.bytesOut)));
}

void ChartsPanel::setHistory(const std::deque<RateSample> &history)
{
    clear();
    // Trimming and fitting once, for the newest sample, ends where fitting after every
    // sample would: each trim only drops what a later one would drop too.
    m_pending.assign(history.cbegin(), history.cend());
    redraw();
}

void ChartsPanel::setTotals(const HostStats &stats)
{
    m_pendingTotals = stats;
    scheduleRedraw();
}

void ChartsPanel::applyTotals(const HostStats &st)
{
    // Data messages stand for their frames here: Qt shows the host whole messages and
    // only its own pings and their pongs among the control frames.
    m_kinds->setValues({tr("text"), tr("binary"), tr("ping"), tr("pong"), tr("close")},
                       {{double(st.in.textMessages), double(st.in.binaryMessages), 0, double(st.pongsReceived),
                         double(st.closeFramesReceived)},
                        {double(st.out.textMessages), double(st.out.binaryMessages), double(st.pingsSent), 0,
                         double(st.closeFramesSent)}});
    QList<std::pair<QString, double>> closes;
    for (auto it = st.closesByCodeAndCause.cbegin(); it != st.closesByCodeAndCause.cend(); ++it)
        closes.append({it.key(), double(it.value())});
    std::sort(closes.begin(), closes.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
    if (closes.size() > 6)
        closes.resize(6);
    if (closes.isEmpty())
        closes.append({tr("none yet"), 0});
    QStringList closeNames;
    QList<double> closeCounts;
    for (const auto &c : closes) {
        closeNames << c.first;
        closeCounts << c.second;
    }
    m_closes->setValues(closeNames, {closeCounts});
    QStringList statuses;
    QList<double> counts;
    for (auto it = st.handshakesByStatus.cbegin(); it != st.handshakesByStatus.cend(); ++it) {
        statuses << (it.key() == 0 ? tr("dropped") : QString::number(it.key()));
        counts << double(it.value());
    }
    if (statuses.isEmpty()) {
        statuses << tr("none yet");
        counts << 0;
    }
    m_handshakes->setValues(statuses, {counts});
}

void ChartsPanel::setWindowSeconds(int seconds)
{
    m_windowSeconds = seconds;
}

void ChartsPanel::clear()
{
    m_pending.clear();
    for (auto *c : {m_connections, m_frames, m_messages, m_bytes})
        c->clearPoints();
}

int ChartsPanel::pointCount(const QString &chart)
{
    redraw();
    if (chart == QLatin1String("connections"))
        return m_connections->pointCount();
    if (chart == QLatin1String("frames"))
        return m_frames->pointCount();
    if (chart == QLatin1String("messages"))
        return m_messages->pointCount();
    if (chart == QLatin1String("bytes"))
        return m_bytes->pointCount();
    return -1;
}

void ChartsPanel::followFont(const QFont &font)
{
    for (RateChart *c : {m_connections, m_frames, m_messages, m_bytes})
        c->setChartFont(font);
    for (BreakdownChart *c : {m_kinds, m_closes, m_handshakes})
        c->setChartFont(font);
}

QList<bool> ChartsPanel::breakdownLogScales()
{
    redraw();
    return {m_kinds->isLogScale(), m_closes->isLogScale(), m_handshakes->isLogScale()};
}

QList<int> ChartsPanel::axisIntervals()
{
    redraw();
    return {m_connections->intervals(), m_frames->intervals(), m_messages->intervals(), m_bytes->intervals(), 4, 4, 4};
}

QList<double> ChartsPanel::axisTops()
{
    redraw();
    return {m_connections->axisTop(), m_frames->axisTop(), m_messages->axisTop(), m_bytes->axisTop(),
            m_kinds->axisTop(), m_closes->axisTop(), m_handshakes->axisTop()};
}

} // namespace WsPlug
