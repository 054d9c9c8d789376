// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/protocol/adminprotocol.h>

#include "jsonfields_p.h"

#include <QJsonDocument>

// JSON of every value the admin protocol carries (sessions, handshakes, rates, stats,
// plugins, the host); the messages that carry them are in messages.cpp.
namespace WsPlug::Protocol {

using namespace Json;

namespace {

void write(JsonWriter &w, const TrafficCounters &c)
{
    w.beginObject();
    w.key("messages").value(c.messages);
    w.key("text").value(c.textMessages);
    w.key("binary").value(c.binaryMessages);
    w.key("frames").value(c.frames);
    w.key("bytes").value(c.bytes);
    w.endObject();
}

QJsonObject parsed(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

QJsonObject toJson(const TrafficCounters &c)
{
    JsonWriter w(96);
    write(w, c);
    return parsed(w.take());
}

TrafficCounters countersFromJson(const QJsonObject &o)
{
    TrafficCounters c;
    c.messages = u64(o, "messages");
    c.textMessages = u64(o, "text");
    c.binaryMessages = u64(o, "binary");
    c.frames = u64(o, "frames");
    c.bytes = u64(o, "bytes");
    return c;
}

} // namespace

void write(JsonWriter &w, const SessionSnapshot &s)
{
    w.beginObject();
    w.key("id").value(s.id);
    w.key("path").value(s.path);
    w.key("query").value(s.query);
    w.key("route").value(s.route);
    w.key("plugin").value(s.pluginId);
    w.key("peerAddress").value(s.peerAddress);
    w.key("peerPort").value(int(s.peerPort));
    w.key("subprotocol").value(s.subprotocol);
    w.key("connectedAt").time(s.connectedAt);
    w.key("lastActivity").time(s.lastActivity);
    w.key("state").value(stateName(s.state));
    w.key("in");
    write(w, s.in);
    w.key("out");
    write(w, s.out);
    w.key("pingRttMs").value(s.pingRttMs);
    if (s.state == SessionSnapshot::State::Closed || s.closeCause != CloseCause::None) {
        w.key("closeCode").value(int(s.closeCode));
        w.key("closeReason").value(s.closeReason);
        w.key("closeCause").value(closeCauseName(s.closeCause));
        auto frame = [&w](const SessionSnapshot::CloseFrame &f) {
            if (f.code < 0)
                return w.null();
            w.beginObject();
            w.key("code").value(f.code);
            w.key("reason").value(f.reason);
            w.endObject();
        };
        w.key("closeFrames");
        w.beginObject();
        w.key("client");
        frame(s.clientClose);
        w.key("host");
        frame(s.hostClose);
        w.key("first").value(s.firstClose);
        w.key("apartMs").value(s.closeFramesApartMs);
        w.endObject();
    }
    if (!s.subject.isEmpty())
        w.key("subject").value(s.subject);
    if (s.tokenExpiresAt.isValid())
        w.key("tokenExpiresAt").time(s.tokenExpiresAt);
    w.key("transport").value(s.transport);
    if (s.upgradedAt.isValid())
        w.key("upgradedAt").time(s.upgradedAt);
    w.endObject();
}

QJsonObject toJson(const SessionSnapshot &s)
{
    JsonWriter w;
    write(w, s);
    return parsed(w.take());
}

SessionSnapshot sessionFromJson(const QJsonObject &o)
{
    SessionSnapshot s;
    s.id = SessionId(o.value(key("id")).toDouble());
    s.path = o.value(key("path")).toString();
    s.query = o.value(key("query")).toString();
    s.route = o.value(key("route")).toString();
    s.pluginId = o.value(key("plugin")).toString();
    s.peerAddress = o.value(key("peerAddress")).toString();
    s.peerPort = quint16(o.value(key("peerPort")).toInt());
    s.subprotocol = o.value(key("subprotocol")).toString();
    s.connectedAt = fromIso(o.value(key("connectedAt")));
    s.lastActivity = fromIso(o.value(key("lastActivity")));
    s.state = stateFromName(o.value(key("state")).toString());
    s.in = countersFromJson(o.value(key("in")).toObject());
    s.out = countersFromJson(o.value(key("out")).toObject());
    s.pingRttMs = qint64(o.value(key("pingRttMs")).toDouble(-1));
    s.closeCode = quint16(o.value(key("closeCode")).toInt());
    s.closeReason = o.value(key("closeReason")).toString();
    s.closeCause = closeCauseFromName(o.value(key("closeCause")).toString());
    const QJsonObject frames = o.value(key("closeFrames")).toObject();
    auto frame = [](const QJsonValue &v) {
        const QJsonObject f = v.toObject();
        return f.isEmpty() ? SessionSnapshot::CloseFrame()
                           : SessionSnapshot::CloseFrame{f.value(key("code")).toInt(-1), f.value(key("reason")).toString()};
    };
    s.clientClose = frame(frames.value(key("client")));
    s.hostClose = frame(frames.value(key("host")));
    s.firstClose = frames.value(key("first")).toString();
    s.closeFramesApartMs = qint64(frames.value(key("apartMs")).toDouble(-1));
    s.subject = o.value(key("subject")).toString();
    s.tokenExpiresAt = fromIso(o.value(key("tokenExpiresAt")));
    // Hosts before Engine.IO send no transport: theirs are all WebSockets.
    s.transport = o.value(key("transport")).toString(QStringLiteral("websocket"));
    s.upgradedAt = fromIso(o.value(key("upgradedAt")));
    return s;
}

QList<SessionSnapshot> sessionsFromJson(const QJsonValue &array)
{
    return listOf<SessionSnapshot>(array, sessionFromJson);
}

void write(JsonWriter &w, const CounterUpdate &u)
{
    w.beginArray();
    w.value(u.id);
    w.value(stateName(u.state));
    for (const quint64 n : {u.messagesIn, u.messagesOut, u.framesIn, u.framesOut, u.bytesIn, u.bytesOut})
        w.value(n);
    w.value(u.lastActivityMs);
    w.value(u.pingRttMs);
    w.value(u.textIn);
    w.value(u.textOut);
    w.endArray();
}

QJsonArray toJson(const CounterUpdate &u)
{
    JsonWriter w;
    write(w, u);
    return QJsonDocument::fromJson(w.take()).array();
}

bool counterUpdateFromJson(const QJsonArray &a, CounterUpdate *u)
{
    // Ten fields at first, twelve since the text counts: both are read.
    if ((a.size() != 10 && a.size() != 12) || !a.at(0).isDouble())
        return false;
    u->id = SessionId(a.at(0).toDouble());
    u->state = stateFromName(a.at(1).toString());
    u->messagesIn = quint64(a.at(2).toDouble());
    u->messagesOut = quint64(a.at(3).toDouble());
    u->framesIn = quint64(a.at(4).toDouble());
    u->framesOut = quint64(a.at(5).toDouble());
    u->bytesIn = quint64(a.at(6).toDouble());
    u->bytesOut = quint64(a.at(7).toDouble());
    u->lastActivityMs = qint64(a.at(8).toDouble());
    u->pingRttMs = qint64(a.at(9).toDouble());
    u->hasTextCounts = a.size() == 12;
    if (u->hasTextCounts) {
        u->textIn = quint64(a.at(10).toDouble());
        u->textOut = quint64(a.at(11).toDouble());
    }
    return true;
}

void write(JsonWriter &w, const HandshakeRecord &r)
{
    w.beginObject();
    w.key("id").value(r.id);
    w.key("time").time(r.time);
    w.key("peerAddress").value(r.peerAddress);
    w.key("peerPort").value(int(r.peerPort));
    w.key("status").value(r.status);
    w.key("outcome").value(outcomeName(r.outcome));
    w.key("reason").value(r.reason);
    w.key("durationMs").value(r.durationMs);
    w.key("path").value(r.path);
    w.key("plugin").value(r.pluginId);
    w.key("session").value(r.sessionId);
    w.key("admin").value(r.admin);
    w.key("viaProxy").value(r.viaProxy);
    w.key("request").latin1(r.request);
    w.key("response").latin1(r.response);
    w.endObject();
}

QJsonObject toJson(const HandshakeRecord &r)
{
    JsonWriter w;
    write(w, r);
    return parsed(w.take());
}

HandshakeRecord handshakeFromJson(const QJsonObject &o)
{
    HandshakeRecord r;
    r.id = u64(o, "id");
    r.time = fromIso(o.value(key("time")));
    r.peerAddress = o.value(key("peerAddress")).toString();
    r.peerPort = quint16(o.value(key("peerPort")).toInt());
    r.request = bytesFromJson(o.value(key("request")));
    r.response = bytesFromJson(o.value(key("response")));
    r.status = o.value(key("status")).toInt();
    r.outcome = outcomeFromName(o.value(key("outcome")).toString());
    r.reason = o.value(key("reason")).toString();
    r.durationMs = qint64(o.value(key("durationMs")).toDouble());
    r.path = o.value(key("path")).toString();
    r.pluginId = o.value(key("plugin")).toString();
    r.sessionId = SessionId(o.value(key("session")).toDouble());
    r.viaProxy = o.value(key("viaProxy")).toString();
    r.admin = o.value(key("admin")).toBool();
    return r;
}

QJsonObject toJson(const RateSample &s)
{
    QJsonObject routes;
    for (auto it = s.routes.cbegin(); it != s.routes.cend(); ++it)
        routes.insert(it.key(), QJsonArray{it->connections, it->messagesIn, it->messagesOut});
    return {{key("t"), double(s.timeMs)},
            {key("connections"), s.connections},
            {key("messagesIn"), s.messagesIn},
            {key("messagesOut"), s.messagesOut},
            {key("framesIn"), s.framesIn},
            {key("framesOut"), s.framesOut},
            {key("bytesIn"), s.bytesIn},
            {key("bytesOut"), s.bytesOut},
            {key("routes"), routes}};
}

RateSample rateSampleFromJson(const QJsonObject &o)
{
    RateSample s;
    s.timeMs = qint64(o.value(key("t")).toDouble());
    s.connections = o.value(key("connections")).toInt();
    s.messagesIn = o.value(key("messagesIn")).toDouble();
    s.messagesOut = o.value(key("messagesOut")).toDouble();
    s.framesIn = o.value(key("framesIn")).toDouble();
    s.framesOut = o.value(key("framesOut")).toDouble();
    s.bytesIn = o.value(key("bytesIn")).toDouble();
    s.bytesOut = o.value(key("bytesOut")).toDouble();
    const QJsonObject routes = o.value(key("routes")).toObject();
    for (auto it = routes.begin(); it != routes.end(); ++it) {
        const QJsonArray a = it.value().toArray();
        s.routes.insert(it.key(), {a.at(0).toInt(), a.at(1).toDouble(), a.at(2).toDouble()});
    }
    return s;
}

QJsonObject toJson(const HostStats &st)
{
    QJsonObject handshakes;
    for (auto it = st.handshakesByStatus.cbegin(); it != st.handshakesByStatus.cend(); ++it)
        handshakes.insert(QString::number(it.key()), double(it.value()));
    QJsonObject closes;
    for (auto it = st.closesByCodeAndCause.cbegin(); it != st.closesByCodeAndCause.cend(); ++it)
        closes.insert(it.key(), double(it.value()));
    QJsonArray buckets;
    for (quint64 b : st.pingRttBuckets)
        buckets.append(double(b));
    const QJsonArray routes = arrayOf(st.routes, [](const RouteStats &r) {
        return QJsonObject{{key("route"), r.route},
                           {key("plugin"), r.pluginId},
                           {key("current"), r.current},
                           {key("opened"), double(r.opened)},
                           {key("closed"), double(r.closed)},
                           {key("in"), toJson(r.in)},
                           {key("out"), toJson(r.out)}};
    });
    return {{key("startedAt"), iso(st.startedAt)},
            {key("currentSessions"), st.currentSessions},
            {key("pendingHandshakes"), st.pendingHandshakes},
            {key("adminClients"), st.adminClients},
            {key("opened"), double(st.opened)},
            {key("closed"), double(st.closed)},
            {key("in"), toJson(st.in)},
            {key("out"), toJson(st.out)},
            {key("pingsSent"), double(st.pingsSent)},
            {key("pongsReceived"), double(st.pongsReceived)},
            {key("closeFramesSent"), double(st.closeFramesSent)},
            {key("closeFramesReceived"), double(st.closeFramesReceived)},
            {key("handshakesByStatus"), handshakes},
            {key("closes"), closes},
            {key("pingRttBuckets"), buckets},
            {key("pingRttCount"), double(st.pingRttCount)},
            {key("pingRttSumMs"), st.pingRttSumMs},
            {key("httpRequests"), double(st.httpRequests)},
            {key("tlsHandshakeFailures"), double(st.tlsHandshakeFailures)},
            {key("routes"), routes}};
}

HostStats statsFromJson(const QJsonObject &o)
{
    HostStats st;
    st.startedAt = fromIso(o.value(key("startedAt")));
    st.currentSessions = o.value(key("currentSessions")).toInt();
    st.pendingHandshakes = o.value(key("pendingHandshakes")).toInt();
    st.adminClients = o.value(key("adminClients")).toInt();
    st.opened = u64(o, "opened");
    st.closed = u64(o, "closed");
    st.in = countersFromJson(o.value(key("in")).toObject());
    st.out = countersFromJson(o.value(key("out")).toObject());
    st.pingsSent = u64(o, "pingsSent");
    st.pongsReceived = u64(o, "pongsReceived");
    st.closeFramesSent = u64(o, "closeFramesSent");
    st.closeFramesReceived = u64(o, "closeFramesReceived");
    const QJsonObject handshakes = o.value(key("handshakesByStatus")).toObject();
    for (auto it = handshakes.begin(); it != handshakes.end(); ++it)
        st.handshakesByStatus.insert(it.key().toInt(), quint64(it.value().toDouble()));
    const QJsonObject closes = o.value(key("closes")).toObject();
    for (auto it = closes.begin(); it != closes.end(); ++it)
        st.closesByCodeAndCause.insert(it.key(), quint64(it.value().toDouble()));
    const QJsonArray buckets = o.value(key("pingRttBuckets")).toArray();
    for (int i = 0; i < PingRttBucketCount && i < buckets.size(); ++i)
        st.pingRttBuckets[i] = quint64(buckets.at(i).toDouble());
    st.pingRttCount = u64(o, "pingRttCount");
    st.pingRttSumMs = o.value(key("pingRttSumMs")).toDouble();
    st.httpRequests = u64(o, "httpRequests");
    st.tlsHandshakeFailures = u64(o, "tlsHandshakeFailures");
    st.routes = listOf<RouteStats>(o.value(key("routes")), [](const QJsonObject &r) {
        RouteStats rs;
        rs.route = r.value(key("route")).toString();
        rs.pluginId = r.value(key("plugin")).toString();
        rs.current = r.value(key("current")).toInt();
        rs.opened = u64(r, "opened");
        rs.closed = u64(r, "closed");
        rs.in = countersFromJson(r.value(key("in")).toObject());
        rs.out = countersFromJson(r.value(key("out")).toObject());
        return rs;
    });
    return st;
}

QJsonObject toJson(const PluginInfo &p)
{
    return {{key("id"), p.id},
            {key("name"), p.name},
            {key("version"), p.version},
            {key("apiVersion"), p.apiVersion},
            {key("description"), p.description},
            {key("routes"), QJsonArray::fromStringList(p.routes)},
            {key("file"), p.fileName},
            {key("sessions"), p.sessions},
            {key("settings"), p.settings}};
}

PluginInfo pluginFromJson(const QJsonObject &o)
{
    PluginInfo p;
    p.id = o.value(key("id")).toString();
    p.name = o.value(key("name")).toString();
    p.version = o.value(key("version")).toString();
    p.apiVersion = o.value(key("apiVersion")).toString();
    p.description = o.value(key("description")).toString();
    for (const QJsonValue &route : o.value(key("routes")).toArray())
        p.routes.append(route.toString());
    p.fileName = o.value(key("file")).toString();
    p.sessions = o.value(key("sessions")).toInt();
    p.settings = o.value(key("settings")).toObject();
    return p;
}

QJsonObject toJson(const PluginEvent &e)
{
    return {{key("time"), iso(e.time)}, {key("kind"), e.kind},     {key("plugin"), e.plugin},
            {key("version"), e.version}, {key("file"), e.fileName}, {key("detail"), e.detail}};
}

PluginEvent pluginEventFromJson(const QJsonObject &o)
{
    return {fromIso(o.value(key("time"))), o.value(key("kind")).toString(), o.value(key("plugin")).toString(),
            o.value(key("version")).toString(), o.value(key("file")).toString(), o.value(key("detail")).toString()};
}

QJsonObject toJson(const PluginRefusal &r)
{
    return {{key("file"), r.fileName}, {key("reason"), r.reason}};
}

PluginRefusal refusalFromJson(const QJsonObject &o)
{
    return {o.value(key("file")).toString(), o.value(key("reason")).toString()};
}

QJsonObject toJson(const HostInfo &h)
{
    QJsonObject limits;
    for (auto it = h.limits.cbegin(); it != h.limits.cend(); ++it)
        limits.insert(it.key(), double(it.value()));
    return {{key("version"), h.version},
            {key("address"), h.address},
            {key("port"), int(h.port)},
            {key("startedAt"), iso(h.startedAt)},
            {key("limits"), limits}};
}

HostInfo hostInfoFromJson(const QJsonObject &o)
{
    HostInfo h;
    h.version = o.value(key("version")).toString();
    h.address = o.value(key("address")).toString();
    h.port = quint16(o.value(key("port")).toInt());
    h.startedAt = fromIso(o.value(key("startedAt")));
    const QJsonObject limits = o.value(key("limits")).toObject();
    for (auto it = limits.begin(); it != limits.end(); ++it)
        h.limits.insert(it.key(), qint64(it.value().toDouble()));
    return h;
}

} // namespace WsPlug::Protocol
