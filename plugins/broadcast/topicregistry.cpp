// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "topicregistry.h"

#include "displaytext.h"

#include <QStringDecoder>
#include <QUrlQuery>

namespace WsPlug {

/*!
    A topic is 1 to \a maxLength characters of printable text; '/' separates
    segments, none of which may be empty ("a//b", "a/" would otherwise be topics
    that differ from "a/b" and "a" only by a typo).
*/
bool TopicRegistry::isValidTopic(const QString &topic, int maxLength, QString *why)
{
    if (topic.isEmpty()) {
        *why = QStringLiteral("the topic is empty");
        return false;
    }
    if (topic.size() > maxLength) {
        *why = QStringLiteral("the topic is longer than %1 characters").arg(maxLength);
        return false;
    }
    if (containsControlCharacter(topic)) {
        *why = QStringLiteral("the topic contains a control character");
        return false;
    }
    const QStringList segments = topic.split(QLatin1Char('/'));
    for (const QString &segment : segments) {
        if (segment.isEmpty()) {
            *why = QStringLiteral("the topic has an empty segment");
            return false;
        }
    }
    return true;
}

/*!
    "/broadcast" is \a defaultTopic; "/broadcast/prices" is "prices". The rest of the
    path is percent-decoded as UTF-8, so "/broadcast/caf%C3%A9" is "café".
*/
bool TopicRegistry::topicFromPath(const QString &path, const QString &route,
                                  const QString &defaultTopic, int maxLength, QString *topic,
                                  QString *why)
{
    QString base = route;
    if (base.endsWith(QLatin1String("/*")))
        base.chop(2);
    if (path == base) {
        *topic = defaultTopic;
        return true;
    }
    if (!path.startsWith(base + QLatin1Char('/'))) {
        *why = QStringLiteral("the path is not under %1").arg(base);
        return false;
    }
    const QByteArray decoded = QByteArray::fromPercentEncoding(path.mid(base.size() + 1).toUtf8());
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString name = utf8.decode(decoded);
    if (utf8.hasError()) {
        *why = QStringLiteral("the topic is not valid UTF-8");
        return false;
    }
    if (!isValidTopic(name, maxLength, why))
        return false;
    *topic = name;
    return true;
}

bool TopicRegistry::subscribeOnlyFromQuery(const QString &query, bool *subscribeOnly, QString *why)
{
    // Other keys are the client's own (a cache buster, a token for a proxy) and ignored.
    const QStringList modes = QUrlQuery(query).allQueryItemValues(QStringLiteral("mode"), QUrl::FullyDecoded);
    if (modes.size() > 1) {
        // Which one a client meant is a guess: refused, like an unknown mode.
        *why = QStringLiteral("mode is given %1 times; give it once").arg(modes.size());
        return false;
    }
    const QString mode = modes.value(0);
    if (mode.isEmpty() || mode == QLatin1String("publish")) {
        *subscribeOnly = false;
        return true;
    }
    if (mode == QLatin1String("subscribe")) {
        *subscribeOnly = true;
        return true;
    }
    // Refused rather than ignored, so a typo does not silently make a publisher.
    *why = QStringLiteral("unknown mode \"%1\"; use mode=subscribe or mode=publish").arg(mode.left(32));
    return false;
}

/*!
    Subscribes \a session; a session already subscribed moves to the new topic.
*/
void TopicRegistry::add(SessionId session, const Subscription &subscription)
{
    remove(session);
    m_sessions.insert(session, subscription);
    Topic &topic = m_topics[subscription.topic];
    topic.members.insert(session);
    topic.listValid = false;
}

bool TopicRegistry::remove(SessionId session)
{
    const auto it = m_sessions.find(session);
    if (it == m_sessions.end())
        return false;
    const auto topic = m_topics.find(it->topic);
    if (topic != m_topics.end()) {
        topic->members.remove(session);
        topic->listValid = false;
        if (topic->members.isEmpty())
            m_topics.erase(topic);
    }
    m_sessions.erase(it);
    return true;
}

std::optional<Subscription> TopicRegistry::find(SessionId session) const
{
    const auto it = m_sessions.constFind(session);
    if (it == m_sessions.cend())
        return std::nullopt;
    return *it;
}

QList<SessionId> TopicRegistry::subscribers(const QString &topicName) const
{
    const auto it = m_topics.constFind(topicName);
    if (it == m_topics.cend())
        return {};
    // Rebuilt only when someone joined or left, so a busy topic with stable membership
    // costs one implicitly shared copy per message.
    if (!it->listValid) {
        it->list = QList<SessionId>(it->members.cbegin(), it->members.cend());
        it->listValid = true;
    }
    return it->list;
}

} // namespace WsPlug
