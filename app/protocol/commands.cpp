// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/protocol/adminprotocol.h>

#include <QJsonDocument>

// Commands (client -> server) and the rules both ends of the channel share.
namespace WsPlug::Protocol {

namespace {

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
    {Command::Kind::Watch, "watch"},         {Command::Kind::Unwatch, "unwatch"},
    {Command::Kind::Ping, "ping"},           {Command::Kind::Hold, "hold"},
    {Command::Kind::Fault, "fault"},         {Command::Kind::LoadPlugin, "loadPlugin"},
    {Command::Kind::ReloadPlugin, "reloadPlugin"}, {Command::Kind::UnloadPlugin, "unloadPlugin"},
    {Command::Kind::Record, "record"},       {Command::Kind::RecordStop, "recordStop"},
    {Command::Kind::RecordFetch, "recordFetch"}, {Command::Kind::Drain, "drain"},
};

struct FaultName
{
    Fault fault;
    const char *name;
};
constexpr FaultName faultNames[] = {
    {Fault::OversizedControl, "oversizedControl"}, {Fault::FragmentedControl, "fragmentedControl"},
    {Fault::InvalidUtf8, "invalidUtf8"},           {Fault::ReservedOpcode, "reservedOpcode"},
    {Fault::ReservedBits, "reservedBits"},         {Fault::NonMinimalLength, "nonMinimalLength"},
};

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

bool isSendableCloseCode(int code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

QString truncatedCloseReason(const QString &reason)
{
    QByteArray utf8 = reason.toUtf8();
    if (utf8.size() <= MaxCloseReasonBytes)
        return reason;
    utf8.truncate(MaxCloseReasonBytes);
    // Do not cut a character in half: find where the last one starts and drop it if
    // fewer bytes are left of it than its lead byte announces.
    qsizetype lead = utf8.size() - 1;
    while (lead > 0 && utf8.size() - lead < 4 && (static_cast<unsigned char>(utf8.at(lead)) & 0xC0) == 0x80)
        --lead;
    const auto first = static_cast<unsigned char>(utf8.at(lead));
    const qsizetype length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1;
    if (utf8.size() - lead < length)
        utf8.truncate(lead);
    return QString::fromUtf8(utf8);
}

QString holdName(HoldKind kind)
{
    return kind == HoldKind::HostPongs ? QStringLiteral("hostPongs") : QStringLiteral("clientPongs");
}

QString faultName(Fault fault)
{
    for (const FaultName &f : faultNames) {
        if (f.fault == fault)
            return QLatin1String(f.name);
    }
    return {};
}

QList<Fault> allFaults()
{
    QList<Fault> all;
    for (const FaultName &f : faultNames)
        all.append(f.fault);
    return all;
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
                return fail(QStringLiteral("\"code\" must be a close code a server may send (%1)").arg(QLatin1String(SendableCloseCodes)));
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
        const QJsonValue binary = o.value(QStringLiteral("binary"));
        if (text.isUndefined() == binary.isUndefined())
            return fail(QStringLiteral("\"send\" needs \"text\": a string, or \"binary\": base64 (one of them)"));
        if (!text.isUndefined()) {
            if (!text.isString())
                return fail(QStringLiteral("\"text\" must be a string"));
            command->text = text.toString();
        } else {
            const auto decoded = QByteArray::fromBase64Encoding(binary.toString().toLatin1(),
                                                                QByteArray::AbortOnBase64DecodingErrors);
            if (!binary.isString() || !decoded)
                return fail(QStringLiteral("\"binary\" must be base64"));
            command->binary = true;
            command->data = *decoded;
        }
        const QJsonValue frames = o.value(QStringLiteral("frames"));
        if (!frames.isUndefined()) {
            if (!frames.isDouble() || frames.toDouble() != double(frames.toInt()) || frames.toInt() < 1
                || frames.toInt() > MaxSendFrames)
                return fail(QStringLiteral("\"frames\" must be a whole number from 1 to %1").arg(MaxSendFrames));
            command->frames = frames.toInt();
        }
        return true;
    }
    case Command::Kind::Ping: {
        if (!requireSession())
            return false;
        const QJsonValue payload = o.value(QStringLiteral("payload"));
        if (!payload.isUndefined() && !payload.isString())
            return fail(QStringLiteral("\"payload\" must be a string"));
        command->data = payload.toString().toUtf8();
        if (command->data.size() > MaxPingPayload)
            return fail(QStringLiteral("\"payload\" is longer than %1 bytes of UTF-8 (a control frame's limit)").arg(MaxPingPayload));
        return true;
    }
    case Command::Kind::Hold: {
        if (!requireSession())
            return false;
        const QString what = o.value(QStringLiteral("what")).toString();
        if (what == holdName(HoldKind::HostPongs))
            command->hold = HoldKind::HostPongs;
        else if (what == holdName(HoldKind::ClientPongs))
            command->hold = HoldKind::ClientPongs;
        else
            return fail(QStringLiteral("\"what\" must be \"hostPongs\" or \"clientPongs\""));
        const QJsonValue on = o.value(QStringLiteral("on"));
        if (!on.isUndefined() && !on.isBool())
            return fail(QStringLiteral("\"on\" must be true or false"));
        command->on = on.toBool(true);
        return true;
    }
    case Command::Kind::Fault: {
        if (!requireSession())
            return false;
        const QString kind = o.value(QStringLiteral("kind")).toString();
        for (const FaultName &f : faultNames) {
            if (kind == QLatin1String(f.name)) {
                command->fault = f.fault;
                return true;
            }
        }
        QStringList names;
        for (const FaultName &f : faultNames)
            names += QLatin1String(f.name);
        return fail(QStringLiteral("\"kind\" must be one of %1").arg(names.join(QStringLiteral(", "))));
    }
    case Command::Kind::Handshake: {
        const QJsonValue v = o.value(QStringLiteral("handshake"));
        if (!v.isDouble() || v.toDouble() < 1)
            return fail(QStringLiteral("\"handshake\" needs \"handshake\": a handshake id"));
        command->handshake = quint64(v.toDouble());
        return true;
    }
    case Command::Kind::Watch:
    case Command::Kind::Unwatch: {
        // One session or one route; "unwatch" with neither stops every watch of the client.
        const QJsonValue route = o.value(QStringLiteral("route"));
        const bool hasSession = o.contains(QStringLiteral("session"));
        if (hasSession && !route.isUndefined())
            return fail(QStringLiteral("\"%1\" takes \"session\" or \"route\", not both").arg(name));
        if (hasSession)
            return requireSession();
        if (!route.isUndefined()) {
            if (!route.isString() || !route.toString().startsWith(QLatin1Char('/')))
                return fail(QStringLiteral("\"route\" must be a route string starting with /"));
            command->route = route.toString();
            return true;
        }
        if (command->kind == Command::Kind::Watch)
            return fail(QStringLiteral("\"watch\" needs \"session\": a session id, or \"route\": a route"));
        return true;
    }
    case Command::Kind::LoadPlugin:
    case Command::Kind::ReloadPlugin:
    case Command::Kind::UnloadPlugin: {
        const char *field = command->kind == Command::Kind::LoadPlugin ? "file" : "plugin";
        const QJsonValue v = o.value(QLatin1String(field));
        if (!v.isString() || v.toString().isEmpty())
            return fail(QStringLiteral("\"%1\" needs \"%2\": a string").arg(name, QLatin1String(field)));
        command->plugin = v.toString();
        return true;
    }
    case Command::Kind::Record: {
        const QJsonValue v = o.value(QStringLiteral("maxBytes"));
        if (v.isUndefined())
            return true;
        if (!v.isDouble() || v.toDouble() != double(qint64(v.toDouble())) || v.toDouble() < double(MinRecordingBytes)
            || v.toDouble() > double(MaxRecordingBytes))
            return fail(QStringLiteral("\"maxBytes\" must be a whole number from %1 to %2").arg(MinRecordingBytes).arg(MaxRecordingBytes));
        command->maxBytes = qint64(v.toDouble());
        return true;
    }
    case Command::Kind::RecordFetch: {
        const QJsonValue v = o.value(QStringLiteral("offset"));
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > double(MaxRecordingBytes)
            || v.toDouble() != double(qint64(v.toDouble())))
            return fail(QStringLiteral("\"recordFetch\" needs \"offset\": a byte offset into the recording"));
        command->offset = qint64(v.toDouble());
        return true;
    }
    case Command::Kind::Drain: {
        const QJsonValue v = o.value(QStringLiteral("periodMs"));
        if (v.isUndefined())
            return true;
        if (!v.isDouble() || v.toDouble() != double(v.toInt()) || v.toInt() < 0 || v.toInt() > 86400000)
            return fail(QStringLiteral("\"periodMs\" must be a whole number of milliseconds from 0 to 86400000"));
        command->periodMs = v.toInt();
        return true;
    }
    case Command::Kind::List:
    case Command::Kind::Snapshot:
    case Command::Kind::RecordStop:
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
        if (c.binary)
            o.insert(QStringLiteral("binary"), QString::fromLatin1(c.data.toBase64()));
        else
            o.insert(QStringLiteral("text"), c.text);
        if (c.frames != 1)
            o.insert(QStringLiteral("frames"), c.frames);
        break;
    case Command::Kind::Ping:
        o.insert(QStringLiteral("session"), double(c.session));
        o.insert(QStringLiteral("payload"), QString::fromUtf8(c.data));
        break;
    case Command::Kind::Hold:
        o.insert(QStringLiteral("session"), double(c.session));
        o.insert(QStringLiteral("what"), holdName(c.hold));
        o.insert(QStringLiteral("on"), c.on);
        break;
    case Command::Kind::Fault:
        o.insert(QStringLiteral("session"), double(c.session));
        o.insert(QStringLiteral("kind"), faultName(c.fault));
        break;
    case Command::Kind::Handshake:
        o.insert(QStringLiteral("handshake"), double(c.handshake));
        break;
    case Command::Kind::Watch:
    case Command::Kind::Unwatch:
        if (c.session != 0)
            o.insert(QStringLiteral("session"), double(c.session));
        else if (!c.route.isEmpty())
            o.insert(QStringLiteral("route"), c.route);
        break;
    case Command::Kind::LoadPlugin:
        o.insert(QStringLiteral("file"), c.plugin);
        break;
    case Command::Kind::ReloadPlugin:
    case Command::Kind::UnloadPlugin:
        o.insert(QStringLiteral("plugin"), c.plugin);
        break;
    case Command::Kind::Record:
        if (c.maxBytes != DefaultRecordingBytes)
            o.insert(QStringLiteral("maxBytes"), double(c.maxBytes));
        break;
    case Command::Kind::RecordFetch:
        o.insert(QStringLiteral("offset"), double(c.offset));
        break;
    case Command::Kind::Drain:
        if (c.periodMs >= 0)
            o.insert(QStringLiteral("periodMs"), c.periodMs);
        break;
    case Command::Kind::List:
    case Command::Kind::Snapshot:
    case Command::Kind::RecordStop:
        break;
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace WsPlug::Protocol
