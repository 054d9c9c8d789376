// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/protocol/adminprotocol.h>

#include <QJsonDocument>

namespace WsPlug::Protocol {

namespace {

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime fromIso(const QJsonValue &v)
{
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
}

QJsonObject toJson(const TrafficCounters &c)
{
    return {{QStringLiteral("messages"), double(c.messages)},
            {QStringLiteral("text"), double(c.textMessages)},
            {QStringLiteral("binary"), double(c.binaryMessages)},
            {QStringLiteral("frames"), double(c.frames)},
            {QStringLiteral("bytes"), double(c.bytes)}};
}

TrafficCounters countersFromJson(const QJsonObject &o)
{
    TrafficCounters c;
    c.messages = quint64(o.value(QStringLiteral("messages")).toDouble());
    c.textMessages = quint64(o.value(QStringLiteral("text")).toDouble());
    c.binaryMessages = quint64(o.value(QStringLiteral("binary")).toDouble());
    c.frames = quint64(o.value(QStringLiteral("frames")).toDouble());
    c.bytes = quint64(o.value(QStringLiteral("bytes")).toDouble());
    return c;
}

struct KindName
{
    Command::Kind kind;
    const char *name;
};
constexpr KindName kindNames[] = {
    {Command::Kind::Close, "close"},         {Command::Kind::Kick, "kick"},
    {Command::Kind::CloseRoute, "closeRoute"}, {Command::Kind::Send, "send"},
    {Command::Kind::List, "list"},           {Command::Kind::Get, "get"},
    {Command::Kind::Handshake, "handshake"}, {Command::Kind::Snapshot, "snapshot"},
};

// Raw heads may hold any byte; latin-1 keeps every byte as one code point, so the
// bytes survive JSON exactly (base64 would hide them from a reader of the wire).
QString bytesToJson(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes);
}

QByteArray bytesFromJson(const QJsonValue &v)
{
    return v.toString().toLatin1();
}


} // namespace

QString oneLine(const QString &text)
{
    QString out;
    for (const QChar c : text.left(64)) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += QStringLiteral("\\u%1").arg(int(c.unicode()), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return text.size() > 64 ? out + QStringLiteral("...") : out;
}

QString stateName(SessionSnapshot::State state)
{
    switch (state) {
    case SessionSnapshot::State::Open: return QStringLiteral("open");
    case SessionSnapshot::State::Closing: return QStringLiteral("closing");
    case SessionSnapshot::State::Closed: return QStringLiteral("closed");
    }
    return QStringLiteral("open");
}

SessionSnapshot::State stateFromName(const QString &name)
{
    if (name == QLatin1String("closing"))
        return SessionSnapshot::State::Closing;
    if (name == QLatin1String("closed"))
        return SessionSnapshot::State::Closed;
    return SessionSnapshot::State::Open;
}

CloseCause causeFromName(const QString &name)
{
    for (CloseCause c : {CloseCause::None, CloseCause::Client, CloseCause::Server, CloseCause::Kick,
                         CloseCause::Timeout, CloseCause::Backlog, CloseCause::Protocol, CloseCause::Error,
                         CloseCause::Shutdown}) {
        if (closeCauseName(c) == name)
            return c;
    }
    return CloseCause::None;
}

HandshakeRecord::Outcome outcomeFromName(const QString &name)
{
    for (auto o : {HandshakeRecord::Outcome::Upgraded, HandshakeRecord::Outcome::Refused,
                   HandshakeRecord::Outcome::Timeout, HandshakeRecord::Outcome::Dropped}) {
        if (outcomeName(o) == name)
            return o;
    }
    return HandshakeRecord::Outcome::Dropped;
}

QJsonObject toJson(const SessionSnapshot &s)
{
    QJsonObject o{{QStringLiteral("id"), double(s.info.id)},
                  {QStringLiteral("path"), s.info.path},
                  {QStringLiteral("query"), s.info.query},
                  {QStringLiteral("route"), s.info.route},
                  {QStringLiteral("plugin"), s.pluginId},
                  {QStringLiteral("peerAddress"), s.info.peerAddress},
                  {QStringLiteral("peerPort"), int(s.info.peerPort)},
                  {QStringLiteral("subprotocol"), s.info.subprotocol},
                  {QStringLiteral("connectedAt"), iso(s.info.connectedAt)},
                  {QStringLiteral("lastActivity"), iso(s.lastActivity)},
                  {QStringLiteral("state"), stateName(s.state)},
                  {QStringLiteral("in"), toJson(s.in)},
                  {QStringLiteral("out"), toJson(s.out)},
                  {QStringLiteral("pingRttMs"), double(s.pingRttMs)}};
    if (s.state == SessionSnapshot::State::Closed || s.closeCause != CloseCause::None) {
        o.insert(QStringLiteral("closeCode"), int(s.closeCode));
        o.insert(QStringLiteral("closeReason"), s.closeReason);
        o.insert(QStringLiteral("closeCause"), closeCauseName(s.closeCause));
    }
    return o;
}

SessionSnapshot sessionFromJson(const QJsonObject &o)
{
    SessionSnapshot s;
    s.info.id = SessionId(o.value(QStringLiteral("id")).toDouble());
    s.info.path = o.value(QStringLiteral("path")).toString();
    s.info.query = o.value(QStringLiteral("query")).toString();
    s.info.route = o.value(QStringLiteral("route")).toString();
    s.pluginId = o.value(QStringLiteral("plugin")).toString();
    s.info.peerAddress = o.value(QStringLiteral("peerAddress")).toString();
    s.info.peerPort = quint16(o.value(QStringLiteral("peerPort")).toInt());
    s.info.subprotocol = o.value(QStringLiteral("subprotocol")).toString();
    s.info.connectedAt = fromIso(o.value(QStringLiteral("connectedAt")));
    s.lastActivity = fromIso(o.value(QStringLiteral("lastActivity")));
    s.state = stateFromName(o.value(QStringLiteral("state")).toString());
    s.in = countersFromJson(o.value(QStringLiteral("in")).toObject());
    s.out = countersFromJson(o.value(QStringLiteral("out")).toObject());
    s.pingRttMs = qint64(o.value(QStringLiteral("pingRttMs")).toDouble(-1));
    s.closeCode = quint16(o.value(QStringLiteral("closeCode")).toInt());
    s.closeReason = o.value(QStringLiteral("closeReason")).toString();
    s.closeCause = causeFromName(o.value(QStringLiteral("closeCause")).toString());
    return s;
}

QJsonArray toCounterUpdate(const SessionSnapshot &s)
{
    return {double(s.info.id), stateName(s.state), double(s.in.messages), double(s.out.messages),
            double(s.in.frames), double(s.out.frames), double(s.in.bytes), double(s.out.bytes),
            double(s.lastActivity.toMSecsSinceEpoch()), double(s.pingRttMs)};
}

SessionId counterUpdateId(const QJsonArray &update)
{
    return update.isEmpty() ? 0 : SessionId(update.at(0).toDouble());
}

bool applyCounterUpdate(const QJsonArray &u, SessionSnapshot *s)
{
    if (u.size() != 10 || counterUpdateId(u) != s->info.id)
        return false;
    s->state = stateFromName(u.at(1).toString());
    s->in.messages = quint64(u.at(2).toDouble());
    s->out.messages = quint64(u.at(3).toDouble());
    s->in.frames = quint64(u.at(4).toDouble());
    s->out.frames = quint64(u.at(5).toDouble());
    s->in.bytes = quint64(u.at(6).toDouble());
    s->out.bytes = quint64(u.at(7).toDouble());
    s->lastActivity = QDateTime::fromMSecsSinceEpoch(qint64(u.at(8).toDouble()), Qt::UTC);
    s->pingRttMs = qint64(u.at(9).toDouble());
    return true;
}

QJsonObject toJson(const HandshakeRecord &r)
{
    return QJsonObject{{QStringLiteral("id"), double(r.id)},
                  {QStringLiteral("time"), iso(r.time)},
                  {QStringLiteral("peerAddress"), r.peerAddress},
                  {QStringLiteral("peerPort"), int(r.peerPort)},
                  {QStringLiteral("status"), r.status},
                  {QStringLiteral("outcome"), outcomeName(r.outcome)},
                  {QStringLiteral("reason"), r.reason},
                  {QStringLiteral("durationMs"), double(r.durationMs)},
                  {QStringLiteral("path"), r.path},
                  {QStringLiteral("plugin"), r.pluginId},
                  {QStringLiteral("session"), double(r.sessionId)},
                  {QStringLiteral("admin"), r.admin},
                  {QStringLiteral("request"), bytesToJson(r.request)},
                  {QStringLiteral("response"), bytesToJson(r.response)}};
}

HandshakeRecord handshakeFromJson(const QJsonObject &o)
{
    HandshakeRecord r;
    r.id = quint64(o.value(QStringLiteral("id")).toDouble());
    r.time = fromIso(o.value(QStringLiteral("time")));
    r.peerAddress = o.value(QStringLiteral("peerAddress")).toString();
    r.peerPort = quint16(o.value(QStringLiteral("peerPort")).toInt());
    r.request = bytesFromJson(o.value(QStringLiteral("request")));
    r.response = bytesFromJson(o.value(QStringLiteral("response")));
    r.status = o.value(QStringLiteral("status")).toInt();
    r.outcome = outcomeFromName(o.value(QStringLiteral("outcome")).toString());
    r.reason = o.value(QStringLiteral("reason")).toString();
    r.durationMs = qint64(o.value(QStringLiteral("durationMs")).toDouble());
    r.path = o.value(QStringLiteral("path")).toString();
    r.pluginId = o.value(QStringLiteral("plugin")).toString();
    r.sessionId = SessionId(o.value(QStringLiteral("session")).toDouble());
    r.admin = o.value(QStringLiteral("admin")).toBool();
    return r;
}

QJsonObject toJson(const RateSample &s)
{
    QJsonObject routes;
    for (auto it = s.routes.cbegin(); it != s.routes.cend(); ++it) {
        routes.insert(it.key(), QJsonArray{it->connections, it->messagesIn, it->messagesOut});
    }
    return {{QStringLiteral("t"), double(s.timeMs)},
            {QStringLiteral("connections"), s.connections},
            {QStringLiteral("messagesIn"), s.messagesIn},
            {QStringLiteral("messagesOut"), s.messagesOut},
            {QStringLiteral("framesIn"), s.framesIn},
            {QStringLiteral("framesOut"), s.framesOut},
            {QStringLiteral("bytesIn"), s.bytesIn},
            {QStringLiteral("bytesOut"), s.bytesOut},
            {QStringLiteral("routes"), routes}};
}

RateSample rateSampleFromJson(const QJsonObject &o)
{
    RateSample s;
    s.timeMs = qint64(o.value(QStringLiteral("t")).toDouble());
    s.connections = o.value(QStringLiteral("connections")).toInt();
    s.messagesIn = o.value(QStringLiteral("messagesIn")).toDouble();
    s.messagesOut = o.value(QStringLiteral("messagesOut")).toDouble();
    s.framesIn = o.value(QStringLiteral("framesIn")).toDouble();
    s.framesOut = o.value(QStringLiteral("framesOut")).toDouble();
    s.bytesIn = o.value(QStringLiteral("bytesIn")).toDouble();
    s.bytesOut = o.value(QStringLiteral("bytesOut")).toDouble();
    const QJsonObject routes = o.value(QStringLiteral("routes")).toObject();
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
    QJsonArray routes;
    for (const RouteStats &r : st.routes) {
        routes.append(QJsonObject{{QStringLiteral("route"), r.route},
                                  {QStringLiteral("plugin"), r.pluginId},
                                  {QStringLiteral("current"), r.current},
                                  {QStringLiteral("opened"), double(r.opened)},
                                  {QStringLiteral("closed"), double(r.closed)},
                                  {QStringLiteral("in"), toJson(r.in)},
                                  {QStringLiteral("out"), toJson(r.out)}});
    }
    return {{QStringLiteral("startedAt"), iso(st.startedAt)},
            {QStringLiteral("currentSessions"), st.currentSessions},
            {QStringLiteral("pendingHandshakes"), st.pendingHandshakes},
            {QStringLiteral("adminClients"), st.adminClients},
            {QStringLiteral("opened"), double(st.opened)},
            {QStringLiteral("closed"), double(st.closed)},
            {QStringLiteral("in"), toJson(st.in)},
            {QStringLiteral("out"), toJson(st.out)},
            {QStringLiteral("pingsSent"), double(st.pingsSent)},
            {QStringLiteral("pongsReceived"), double(st.pongsReceived)},
            {QStringLiteral("closeFramesSent"), double(st.closeFramesSent)},
            {QStringLiteral("closeFramesReceived"), double(st.closeFramesReceived)},
            {QStringLiteral("handshakesByStatus"), handshakes},
            {QStringLiteral("closes"), closes},
            {QStringLiteral("pingRttBuckets"), buckets},
            {QStringLiteral("pingRttCount"), double(st.pingRttCount)},
            {QStringLiteral("pingRttSumMs"), st.pingRttSumMs},
            {QStringLiteral("httpRequests"), double(st.httpRequests)},
            {QStringLiteral("routes"), routes}};
}

HostStats statsFromJson(const QJsonObject &o)
{
    HostStats st;
    st.startedAt = fromIso(o.value(QStringLiteral("startedAt")));
    st.currentSessions = o.value(QStringLiteral("currentSessions")).toInt();
    st.pendingHandshakes = o.value(QStringLiteral("pendingHandshakes")).toInt();
    st.adminClients = o.value(QStringLiteral("adminClients")).toInt();
    st.opened = quint64(o.value(QStringLiteral("opened")).toDouble());
    st.closed = quint64(o.value(QStringLiteral("closed")).toDouble());
    st.in = countersFromJson(o.value(QStringLiteral("in")).toObject());
    st.out = countersFromJson(o.value(QStringLiteral("out")).toObject());
    st.pingsSent = quint64(o.value(QStringLiteral("pingsSent")).toDouble());
    st.pongsReceived = quint64(o.value(QStringLiteral("pongsReceived")).toDouble());
    st.closeFramesSent = quint64(o.value(QStringLiteral("closeFramesSent")).toDouble());
    st.closeFramesReceived = quint64(o.value(QStringLiteral("closeFramesReceived")).toDouble());
    const QJsonObject handshakes = o.value(QStringLiteral("handshakesByStatus")).toObject();
    for (auto it = handshakes.begin(); it != handshakes.end(); ++it)
        st.handshakesByStatus.insert(it.key().toInt(), quint64(it.value().toDouble()));
    const QJsonObject closes = o.value(QStringLiteral("closes")).toObject();
    for (auto it = closes.begin(); it != closes.end(); ++it)
        st.closesByCodeAndCause.insert(it.key(), quint64(it.value().toDouble()));
    const QJsonArray buckets = o.value(QStringLiteral("pingRttBuckets")).toArray();
    for (int i = 0; i < PingRttBucketCount && i < buckets.size(); ++i)
        st.pingRttBuckets[i] = quint64(buckets.at(i).toDouble());
    st.pingRttCount = quint64(o.value(QStringLiteral("pingRttCount")).toDouble());
    st.pingRttSumMs = o.value(QStringLiteral("pingRttSumMs")).toDouble();
    st.httpRequests = quint64(o.value(QStringLiteral("httpRequests")).toDouble());
    for (const QJsonValue &v : o.value(QStringLiteral("routes")).toArray()) {
        const QJsonObject r = v.toObject();
        RouteStats rs;
        rs.route = r.value(QStringLiteral("route")).toString();
        rs.pluginId = r.value(QStringLiteral("plugin")).toString();
        rs.current = r.value(QStringLiteral("current")).toInt();
        rs.opened = quint64(r.value(QStringLiteral("opened")).toDouble());
        rs.closed = quint64(r.value(QStringLiteral("closed")).toDouble());
        rs.in = countersFromJson(r.value(QStringLiteral("in")).toObject());
        rs.out = countersFromJson(r.value(QStringLiteral("out")).toObject());
        st.routes.append(rs);
    }
    return st;
}

QJsonObject toJson(const PluginMetadata &p, int sessionCount)
{
    return {{QStringLiteral("id"), p.id},
            {QStringLiteral("name"), p.name},
            {QStringLiteral("version"), p.version},
            {QStringLiteral("apiVersion"), p.apiVersion},
            {QStringLiteral("description"), p.description},
            {QStringLiteral("routes"), QJsonArray::fromStringList(p.routes)},
            {QStringLiteral("file"), p.fileName},
            {QStringLiteral("sessions"), sessionCount}};
}

QJsonObject toJson(const RefusedPlugin &p)
{
    return {{QStringLiteral("file"), p.fileName}, {QStringLiteral("reason"), p.reason}};
}

bool isSendableCloseCode(int code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

QString commandName(Command::Kind kind)
{
    for (const KindName &k : kindNames) {
        if (k.kind == kind)
            return QLatin1String(k.name);
    }
    return {};
}

bool parseCommand(const QByteArray &json, Command *command, QString *errorString)
{
    auto fail = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return false;
    };
    *command = Command();
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not JSON: %1").arg(parseError.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("a command must be a JSON object"));
    const QJsonObject o = doc.object();

    const QJsonValue id = o.value(QStringLiteral("id"));
    if (id.isDouble() && id.toDouble() == double(qint64(id.toDouble())))
        command->id = qint64(id.toDouble());
    else if (!id.isUndefined())
        return fail(QStringLiteral("\"id\" must be an integer"));

    const QString name = o.value(QStringLiteral("cmd")).toString();
    bool known = false;
    for (const KindName &k : kindNames) {
        if (name == QLatin1String(k.name)) {
            command->kind = k.kind;
            known = true;
        }
    }
    if (!known)
        return fail(name.isEmpty() ? QStringLiteral("missing \"cmd\"") : QStringLiteral("unknown command \"%1\"").arg(oneLine(name)));

    auto requireSession = [&]() {
        const QJsonValue v = o.value(QStringLiteral("session"));
        if (!v.isDouble() || v.toDouble() < 1 || v.toDouble() != double(quint64(v.toDouble())))
            return fail(QStringLiteral("\"%1\" needs \"session\": a session id").arg(name));
        command->session = SessionId(v.toDouble());
        return true;
    };
    auto readClose = [&]() {
        const QJsonValue code = o.value(QStringLiteral("code"));
        if (!code.isUndefined()) {
            if (!code.isDouble() || !isSendableCloseCode(code.toInt()) || code.toDouble() != double(code.toInt()))
                return fail(QStringLiteral("\"code\" must be a close code a server may send (1000-1003, 1007-1014, 3000-4999)"));
            command->code = quint16(code.toInt());
        }
        const QJsonValue reason = o.value(QStringLiteral("reason"));
        if (!reason.isUndefined() && !reason.isString())
            return fail(QStringLiteral("\"reason\" must be a string"));
        command->reason = reason.toString();
        if (command->reason.toUtf8().size() > MaxCloseReasonBytes)
            return fail(QStringLiteral("\"reason\" is longer than %1 bytes of UTF-8").arg(MaxCloseReasonBytes));
        return true;
    };

    switch (command->kind) {
    case Command::Kind::Close:
        return requireSession() && readClose();
    case Command::Kind::Kick:
    case Command::Kind::Get:
        return requireSession();
    case Command::Kind::CloseRoute: {
        const QJsonValue route = o.value(QStringLiteral("route"));
        if (!route.isString() || route.toString().isEmpty())
            return fail(QStringLiteral("\"closeRoute\" needs \"route\": a route string"));
        command->route = route.toString();
        return readClose();
    }
    case Command::Kind::Send: {
        if (!requireSession())
            return false;
        const QJsonValue text = o.value(QStringLiteral("text"));
        if (!text.isString())
            return fail(QStringLiteral("\"send\" needs \"text\": a string"));
        command->text = text.toString();
        return true;
    }
    case Command::Kind::Handshake: {
        const QJsonValue v = o.value(QStringLiteral("handshake"));
        if (!v.isDouble() || v.toDouble() < 1)
            return fail(QStringLiteral("\"handshake\" needs \"handshake\": a handshake id"));
        command->handshake = quint64(v.toDouble());
        return true;
    }
    case Command::Kind::List:
    case Command::Kind::Snapshot:
        return true;
    }
    return true;
}

QByteArray serialize(const Command &c)
{
    QJsonObject o{{QStringLiteral("id"), double(c.id)}, {QStringLiteral("cmd"), commandName(c.kind)}};
    switch (c.kind) {
    case Command::Kind::Close:
        o.insert(QStringLiteral("session"), double(c.session));
        o.insert(QStringLiteral("code"), int(c.code));
        o.insert(QStringLiteral("reason"), c.reason);
        break;
    case Command::Kind::Kick:
    case Command::Kind::Get:
        o.insert(QStringLiteral("session"), double(c.session));
        break;
    case Command::Kind::CloseRoute:
        o.insert(QStringLiteral("route"), c.route);
        o.insert(QStringLiteral("code"), int(c.code));
        o.insert(QStringLiteral("reason"), c.reason);
        break;
    case Command::Kind::Send:
        o.insert(QStringLiteral("session"), double(c.session));
        o.insert(QStringLiteral("text"), c.text);
        break;
    case Command::Kind::Handshake:
        o.insert(QStringLiteral("handshake"), double(c.handshake));
        break;
    case Command::Kind::List:
    case Command::Kind::Snapshot:
        break;
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray replyOk(qint64 id, const QJsonValue &result)
{
    QJsonObject o{{QStringLiteral("type"), QLatin1String(TypeReply)},
                  {QStringLiteral("id"), double(id)},
                  {QStringLiteral("ok"), true}};
    if (!result.isUndefined() && !result.isNull())
        o.insert(QStringLiteral("result"), result);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray replyError(qint64 id, const QString &error)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("type"), QLatin1String(TypeReply)},
                                     {QStringLiteral("id"), double(id)},
                                     {QStringLiteral("ok"), false},
                                     {QStringLiteral("error"), error}})
        .toJson(QJsonDocument::Compact);
}

} // namespace WsPlug::Protocol
