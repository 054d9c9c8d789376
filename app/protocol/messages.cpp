// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/protocol/adminprotocol.h>

#include "jsonfields_p.h"

#include <QJsonDocument>

// The server's messages (snapshot, tick, reply) and the cluster and plugin states they
// carry; the values inside them are in json.cpp.
namespace WsPlug::Protocol {

using namespace Json;

MessageType messageType(const QJsonObject &message)
{
    const QString type = message.value(key("type")).toString();
    if (type == QLatin1String(TypeSnapshot))
        return MessageType::Snapshot;
    if (type == QLatin1String(TypeTick))
        return MessageType::Tick;
    if (type == QLatin1String(TypeReply))
        return MessageType::Reply;
    if (type == QLatin1String(TypeFrames))
        return MessageType::Frames;
    return MessageType::Unknown;
}

namespace {

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

template <typename T>
void writeArray(JsonWriter &w, const QList<T> &list)
{
    w.beginArray();
    for (const T &item : list)
        write(w, item);
    w.endArray();
}

QJsonObject pluginsJson(const PluginsState &p)
{
    return {{key("loaded"), arrayOf(p.loaded, [](const PluginInfo &i) { return toJson(i); })},
            {key("draining"), arrayOf(p.draining, [](const PluginInfo &i) { return toJson(i); })},
            {key("refused"), arrayOf(p.refused, [](const PluginRefusal &r) { return toJson(r); })},
            {key("events"), arrayOf(p.events, [](const PluginEvent &e) { return toJson(e); })}};
}

PluginsState pluginsFromJson(const QJsonObject &o)
{
    PluginsState p;
    p.loaded = listOf<PluginInfo>(o.value(key("loaded")), pluginFromJson);
    p.draining = listOf<PluginInfo>(o.value(key("draining")), pluginFromJson);
    p.refused = listOf<PluginRefusal>(o.value(key("refused")), refusalFromJson);
    p.events = listOf<PluginEvent>(o.value(key("events")), pluginEventFromJson);
    return p;
}

} // namespace

QJsonObject toJson(const ClusterInfo &c)
{
    return {{key("enabled"), c.enabled}, {key("up"), c.up}, {key("node"), c.node}, {key("redis"), c.redis},
            {key("lastError"), c.lastError}, {key("queued"), c.queued},
            {key("nodes"), QJsonArray::fromStringList(c.nodes)},
            {key("sessions"), double(c.sessions)},
            {key("traffic"), QJsonObject{{key("messagesIn"), double(c.traffic.messagesIn)},
                                         {key("messagesOut"), double(c.traffic.messagesOut)},
                                         {key("bytesIn"), double(c.traffic.bytesIn)},
                                         {key("bytesOut"), double(c.traffic.bytesOut)},
                                         {key("messagesInPerSecond"), c.traffic.messagesInPerSecond},
                                         {key("messagesOutPerSecond"), c.traffic.messagesOutPerSecond},
                                         {key("bytesInPerSecond"), c.traffic.bytesInPerSecond},
                                         {key("bytesOutPerSecond"), c.traffic.bytesOutPerSecond}}}};
}

ClusterInfo clusterInfoFromJson(const QJsonObject &o)
{
    ClusterInfo c;
    c.enabled = o.value(key("enabled")).toBool();
    c.up = o.value(key("up")).toBool();
    c.node = o.value(key("node")).toString();
    c.redis = o.value(key("redis")).toString();
    c.lastError = o.value(key("lastError")).toString();
    c.queued = o.value(key("queued")).toInt();
    for (const QJsonValue &v : o.value(key("nodes")).toArray())
        c.nodes.append(v.toString());
    c.sessions = qint64(o.value(key("sessions")).toDouble(-1));
    const QJsonObject t = o.value(key("traffic")).toObject();
    c.traffic.messagesIn = quint64(t.value(key("messagesIn")).toDouble());
    c.traffic.messagesOut = quint64(t.value(key("messagesOut")).toDouble());
    c.traffic.bytesIn = quint64(t.value(key("bytesIn")).toDouble());
    c.traffic.bytesOut = quint64(t.value(key("bytesOut")).toDouble());
    c.traffic.messagesInPerSecond = t.value(key("messagesInPerSecond")).toDouble();
    c.traffic.messagesOutPerSecond = t.value(key("messagesOutPerSecond")).toDouble();
    c.traffic.bytesInPerSecond = t.value(key("bytesInPerSecond")).toDouble();
    c.traffic.bytesOutPerSecond = t.value(key("bytesOutPerSecond")).toDouble();
    return c;
}

QByteArray encode(const Snapshot &s)
{
    // Per session and handshake straight to text (JsonWriter); the parts of which
    // there is one go through QJsonObject.
    JsonWriter w(4096 + 640 * (s.sessions.size() + s.handshakes.size()));
    w.beginObject();
    w.key("type").value(key(TypeSnapshot));
    w.key("protocol").value(s.protocol);
    w.key("host").raw(compact(toJson(s.host)));
    w.key("plugins").raw(compact(pluginsJson({s.plugins, s.drainingPlugins, s.refusedPlugins, s.pluginEvents})));
    w.key("sessions");
    writeArray(w, s.sessions);
    w.key("handshakes");
    writeArray(w, s.handshakes);
    w.key("rates").raw(compact(QJsonObject{
            {key("tickMs"), s.tickMs},
            {key("samples"), arrayOf(s.samples, [](const RateSample &r) { return toJson(r); })}}));
    w.key("stats").raw(compact(toJson(s.stats)));
    w.key("cluster").raw(compact(toJson(s.cluster)));
    w.endObject();
    return w.take();
}

QJsonObject toJson(const Snapshot &s)
{
    return decode(encode(s));
}

Snapshot snapshotFromJson(const QJsonObject &o)
{
    Snapshot s;
    s.cluster = clusterInfoFromJson(o.value(key("cluster")).toObject());
    s.protocol = o.value(key("protocol")).toInt();
    s.host = hostInfoFromJson(o.value(key("host")).toObject());
    const PluginsState plugins = pluginsFromJson(o.value(key("plugins")).toObject());
    s.plugins = plugins.loaded;
    s.drainingPlugins = plugins.draining;
    s.refusedPlugins = plugins.refused;
    s.pluginEvents = plugins.events;
    s.sessions = sessionsFromJson(o.value(key("sessions")));
    s.handshakes = listOf<HandshakeRecord>(o.value(key("handshakes")), handshakeFromJson);
    const QJsonObject rates = o.value(key("rates")).toObject();
    s.tickMs = rates.value(key("tickMs")).toInt(250);
    s.samples = listOf<RateSample>(rates.value(key("samples")), rateSampleFromJson);
    s.stats = statsFromJson(o.value(key("stats")).toObject());
    return s;
}

QByteArray encode(const Tick &t)
{
    JsonWriter w(2048 + 640 * (t.opened.size() + t.closed.size() + t.handshakes.size()) + 96 * t.updated.size());
    w.beginObject();
    w.key("type").value(key(TypeTick));
    w.key("sample").raw(compact(toJson(t.sample)));
    w.key("stats").raw(compact(toJson(t.stats)));
    w.key("cluster").raw(compact(toJson(t.cluster)));
    if (!t.opened.isEmpty()) {
        w.key("opened");
        writeArray(w, t.opened);
    }
    if (!t.closed.isEmpty()) {
        w.key("closed");
        writeArray(w, t.closed);
    }
    if (!t.handshakes.isEmpty()) {
        w.key("handshakes");
        writeArray(w, t.handshakes);
    }
    if (t.omittedOpened || t.omittedClosed || t.omittedHandshakes) {
        w.key("omitted");
        w.beginObject();
        w.key("opened").value(t.omittedOpened);
        w.key("closed").value(t.omittedClosed);
        w.key("handshakes").value(t.omittedHandshakes);
        w.endObject();
    }
    if (!t.updated.isEmpty()) {
        w.key("updated");
        writeArray(w, t.updated);
    }
    if (t.pluginsChanged)
        w.key("plugins").raw(compact(pluginsJson(t.plugins)));
    w.endObject();
    return w.take();
}

QJsonObject toJson(const Tick &t)
{
    return decode(encode(t));
}

Tick tickFromJson(const QJsonObject &o)
{
    Tick t;
    t.cluster = clusterInfoFromJson(o.value(key("cluster")).toObject());
    t.sample = rateSampleFromJson(o.value(key("sample")).toObject());
    t.stats = statsFromJson(o.value(key("stats")).toObject());
    t.opened = sessionsFromJson(o.value(key("opened")));
    t.closed = sessionsFromJson(o.value(key("closed")));
    t.handshakes = listOf<HandshakeRecord>(o.value(key("handshakes")), handshakeFromJson);
    for (const QJsonValue &v : o.value(key("updated")).toArray()) {
        CounterUpdate u;
        if (counterUpdateFromJson(v.toArray(), &u))
            t.updated.append(u);
    }
    const QJsonObject omitted = o.value(key("omitted")).toObject();
    t.omittedOpened = omitted.value(key("opened")).toInt();
    t.omittedClosed = omitted.value(key("closed")).toInt();
    t.omittedHandshakes = omitted.value(key("handshakes")).toInt();
    t.pluginsChanged = o.contains(key("plugins"));
    if (t.pluginsChanged)
        t.plugins = pluginsFromJson(o.value(key("plugins")).toObject());
    return t;
}

QByteArray replyOk(qint64 id, const QJsonValue &result)
{
    QJsonObject o{{key("type"), key(TypeReply)}, {key("id"), double(id)}, {key("ok"), true}};
    if (!result.isUndefined() && !result.isNull())
        o.insert(key("result"), result);
    return encode(o);
}

namespace {

// A reply whose result is written by \a result (the per-session values, straight to text).
template <typename WriteResult>
QByteArray replyOkWith(qint64 id, qsizetype reserve, WriteResult result)
{
    JsonWriter w(reserve);
    w.beginObject();
    w.key("type").value(key(TypeReply));
    w.key("id").value(id);
    w.key("ok").value(true);
    w.key("result");
    result(w);
    w.endObject();
    return w.take();
}

} // namespace

QByteArray replyOk(qint64 id, const QList<SessionSnapshot> &sessions)
{
    return replyOkWith(id, 256 + 640 * sessions.size(), [&sessions](JsonWriter &w) { writeArray(w, sessions); });
}

QByteArray replyOk(qint64 id, const SessionSnapshot &session)
{
    return replyOkWith(id, 1024, [&session](JsonWriter &w) { write(w, session); });
}

QByteArray replyOk(qint64 id, const Snapshot &snapshot)
{
    const QByteArray result = encode(snapshot);
    return replyOkWith(id, result.size() + 64, [&result](JsonWriter &w) { w.raw(result); });
}

QByteArray replyError(qint64 id, const QString &error)
{
    return encode({{key("type"), key(TypeReply)},
                   {key("id"), double(id)},
                   {key("ok"), false},
                   {key("error"), error}});
}

Reply replyFromJson(const QJsonObject &o)
{
    Reply r;
    r.id = qint64(o.value(key("id")).toDouble());
    r.ok = o.value(key("ok")).toBool();
    r.result = o.value(key("result"));
    r.error = o.value(key("error")).toString();
    return r;
}

QByteArray encode(const QJsonObject &message)
{
    return QJsonDocument(message).toJson(QJsonDocument::Compact);
}

QJsonObject decode(const QByteArray &message)
{
    return QJsonDocument::fromJson(message).object();
}

} // namespace WsPlug::Protocol
