// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// One source for all test plugins; each build picks its behaviour and metadata
// with TEST_PLUGIN_* defines.
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>
#include <wsplug/sdk/transportaware.h>

#include <QEventLoop>
#include <QHash>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <stdexcept>

#ifdef TEST_PLUGIN_UNRESOLVED
extern "C" void wsplug_test_symbol_that_does_not_exist();
#endif

class TestPlugin final : public QObject, public WsPlug::MessageHandlerInterface, public WsPlug::TransportAwareInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TEST_PLUGIN_IID FILE TEST_PLUGIN_JSON)
    Q_INTERFACES(WsPlug::MessageHandlerInterface WsPlug::TransportAwareInterface)

public:
    Q_INVOKABLE TestPlugin() = default;

    bool initialize(WsPlug::HostContext *context, QString *errorString) override
    {
        m_context = context;
#ifdef TEST_PLUGIN_UNRESOLVED
        wsplug_test_symbol_that_does_not_exist();
#endif
#ifdef TEST_PLUGIN_INIT_FAILS
        *errorString = QStringLiteral("the database is not reachable");
        return false;
#elif defined(TEST_PLUGIN_INIT_THROWS)
        Q_UNUSED(errorString)
        throw std::runtime_error("boom in initialize");
#else
        Q_UNUSED(errorString)
        return true;
#endif
    }
    void sessionOpened(const WsPlug::SessionInfo &) override {}
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override
    {
        if (message.text == QLatin1String("throw"))
            throw std::runtime_error("handler bug");
        if (message.text == QLatin1String("flood")) {
            // Sends until the host cuts this session off for not reading.
            m_inCall = true;
            const QString chunk(256 * 1024, QLatin1Char('f'));
            for (int i = 0; i < 4096 && m_context->sendText(session, chunk); ++i) {
            }
            m_inCall = false;
            return;
        }
        if (message.text == QLatin1String("reentered?")) {
            m_context->sendText(session, m_reentered ? QStringLiteral("yes") : QStringLiteral("no"));
            return;
        }
        if (message.text == QLatin1String("closed?")) {
            m_context->sendText(session, QString::number(m_closedCount));
            return;
        }
        if (message.text == QLatin1String("thread")) {
            m_context->sendText(session, QThread::currentThread()->objectName());
            return;
        }
        if (message.text == QLatin1String("transport?")) {
            const auto told = m_transports.value(session);
            m_context->sendText(session, told.first + (told.second.isValid() ? QStringLiteral(" upgraded") : QString()));
            return;
        }
        if (message.text == QLatin1String("nested") || message.text == QLatin1String("nested close")) {
            // A nested event loop inside the callback, as a modal dialog would run.
            m_context->sendText(session, QStringLiteral("nested started"));
            QEventLoop loop;
            QTimer::singleShot(300, &loop, &QEventLoop::quit);
            loop.exec();
            if (message.text == QLatin1String("nested close"))
                m_context->closeSession(session, 4000, QStringLiteral("after the loop"));
            else
                m_context->sendText(session, QStringLiteral("nested done"));
            return;
        }
        if (message.text == QLatin1String("settings")) {
            m_context->sendText(session, m_context->settings().value(QStringLiteral("greeting")).toString());
            return;
        }
        m_context->sendText(session, message.text);
    }
    void sessionTransportChanged(WsPlug::SessionId session, const QString &transport, const QDateTime &upgradedAt) override
    {
        m_transports.insert(session, {transport, upgradedAt});
    }
    void sessionClosed(WsPlug::SessionId session, quint16, const QString &) override
    {
        m_transports.remove(session);
        if (m_inCall)
            m_reentered = true;
        ++m_closedCount;
    }
    void aboutToShutdown() override {}

private:
    WsPlug::HostContext *m_context = nullptr;
    QHash<WsPlug::SessionId, std::pair<QString, QDateTime>> m_transports;   // as the host told it
    bool m_inCall = false;
    bool m_reentered = false;
    int m_closedCount = 0;
};
