// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/message.h>

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

#include <optional>

namespace WsPlug {

//! Where a session listens and whether it may publish.
struct Subscription
{
    QString topic;
    bool subscribeOnly = false;
    bool mayPublish = true;   //!< the session holds the "publish" right (see wsplug/sdk/rights.h)
};

/*
 * Who listens to which topic, plus the rules that turn a request path and query
 * into a Subscription. No I/O, so it is unit-tested on its own.
 */
class TopicRegistry
{
public:
    //! Whether \a topic (already decoded) is acceptable; \a why says what is wrong.
    static bool isValidTopic(const QString &topic, int maxLength, QString *why);
    //! The topic named by \a path under \a route ("/broadcast" or "/broadcast/*").
    static bool topicFromPath(const QString &path, const QString &route,
                              const QString &defaultTopic, int maxLength, QString *topic,
                              QString *why);
    //! Reads "mode=subscribe" (subscribe-only) or "mode=publish" from a raw query.
    static bool subscribeOnlyFromQuery(const QString &query, bool *subscribeOnly, QString *why);

    void add(SessionId session, const Subscription &subscription);
    //! False if \a session was not subscribed.
    bool remove(SessionId session);
    std::optional<Subscription> find(SessionId session) const;
    //! The subscribers of \a topic; the list is cached until the topic's membership changes.
    QList<SessionId> subscribers(const QString &topic) const;

    int sessionCount() const { return int(m_sessions.size()); }
    int topicCount() const { return int(m_topics.size()); }

private:
    struct Topic
    {
        QSet<SessionId> members;
        mutable QList<SessionId> list;
        mutable bool listValid = false;
    };

    QHash<SessionId, Subscription> m_sessions;
    QHash<QString, Topic> m_topics;
};

} // namespace WsPlug
