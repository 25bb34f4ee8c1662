// SPDX-License-Identifier: MIT
#include "appcontroller.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QSettings>
#include <QStandardPaths>
#include <QThreadPool>

#include <atomic>

namespace OddsTap {
namespace {
std::atomic<int> g_readerCounter { 0 };
constexpr qint64 kHistoryLimit = 2000000; ///< newest points of one market read for the chart
} // namespace

QString AppConfig::defaultDatabasePath()
{
    return StorageTarget::defaultSqlitePath(); // the same file as oddstap-cli's default
}

AppConfig AppConfig::fromSettings()
{
    AppConfig c;
    QSettings s;
    const int n = s.beginReadArray(QStringLiteral("sources"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        FeedSourceConfig src;
        src.sourceId = s.value(QStringLiteral("id")).toString();
        src.url = QUrl(s.value(QStringLiteral("url")).toString());
        const QString tokenFile = s.value(QStringLiteral("tokenFile")).toString();
        if (!tokenFile.isEmpty()) {
            QFile f(tokenFile);
            if (f.open(QIODevice::ReadOnly)) {
                src.token = f.readAll().trimmed(); // read from the file, never stored in settings
            }
        }
        if (!src.sourceId.isEmpty() && src.url.isValid()) {
            c.sources.push_back(std::move(src));
        }
    }
    s.endArray();
    const QString db = s.value(QStringLiteral("storage/target")).toString();
    const auto target = StorageTarget::parse(db.isEmpty() ? defaultDatabasePath() : db);
    if (target) {
        c.storage = *target;
    }
    return c;
}

AppController::AppController(AppConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    qRegisterMetaType<std::vector<PriceRow>>();
    m_simThread.setObjectName(QStringLiteral("sim"));
    m_pipelineThread.setObjectName(QStringLiteral("pipeline"));
}

AppController::~AppController()
{
    if (m_session) {
        QMetaObject::invokeMethod(m_session, &QObject::deleteLater);
        m_session = nullptr;
    }
    m_pipelineThread.quit();
    m_pipelineThread.wait();
    if (m_sim) {
        SimServer *sim = m_sim;
        QMetaObject::invokeMethod(sim, [sim] { delete sim; });
        m_sim = nullptr;
    }
    m_simThread.quit();
    m_simThread.wait();
    QThreadPool::globalInstance()->waitForDone();
}

QString AppController::storageDescription() const
{
    return m_config.storage ? m_config.storage->display() : tr("nowhere (not stored)");
}

void AppController::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!isDemo()) {
        startSession(m_config.sources);
        return;
    }
    // The demo: the built-in simulator on a free loopback port, in process.
    SimServerConfig sc;
    sc.rate = m_config.demoRate;
    sc.generator.fixtures = m_config.demoFixtures;
    sc.generator.seed = quint64(QDateTime::currentMSecsSinceEpoch());
    sc.retain = 200000;
    sc.faults = m_config.demoFaults;
    m_sim = new SimServer(sc);
    m_sim->moveToThread(&m_simThread);
    m_simThread.start();
    QPointer<AppController> self(this);
    SimServer *sim = m_sim;
    QMetaObject::invokeMethod(sim, [sim, self] {
        const Result<quint16> port = sim->start();
        QMetaObject::invokeMethod(self.get(), [self, port] {
            if (!self) {
                return;
            }
            if (!port) {
                emit self->problem(tr("the demo simulator could not start: %1").arg(port.error().message));
                return;
            }
            FeedSourceConfig demo;
            // A new simulator starts at seq 1: a fresh id per run keeps resume honest.
            demo.sourceId = QStringLiteral("demo-%1").arg(QDateTime::currentSecsSinceEpoch());
            demo.url = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(*port));
            demo.resumeFromSeq = 0;
            self->startSession({ demo });
        });
    });
}

void AppController::startSession(std::vector<FeedSourceConfig> sources)
{
    CaptureConfig cc;
    cc.sources = std::move(sources);
    cc.storage = m_config.storage;
    cc.snapshotIntervalMs = m_config.snapshotIntervalMs;
    if (cc.storage) {
        cc.spool.directory = cc.storage->defaultSpoolDirectory();
        if (cc.storage->kind == StorageTarget::Kind::Sqlite) {
            QDir().mkpath(QFileInfo(cc.storage->path).absolutePath());
        }
    }
    m_session = new CaptureSession(cc);
    m_session->moveToThread(&m_pipelineThread);
    connect(m_session, &CaptureSession::snapshotReady, this, &AppController::snapshotReady);
    connect(m_session, &CaptureSession::finished, this, [this](const QString &reason) {
        if (!m_stopping) {
            emit problem(tr("the capture stopped: %1").arg(reason));
        }
        emit stopped(reason);
    });
    connect(&m_pipelineThread, &QThread::finished, m_session, &QObject::deleteLater);
    m_pipelineThread.start();
    QMetaObject::invokeMethod(m_session, &CaptureSession::start);
    QStringList names;
    for (const FeedSourceConfig &s : cc.sources) {
        names << s.sourceId;
    }
    emit started(tr("%1 into %2").arg(names.join(QStringLiteral(", ")), storageDescription()));
}

void AppController::stop()
{
    m_stopping = true;
    if (!m_session) {
        emit stopped(tr("not running"));
        return;
    }
    CaptureSession *session = m_session;
    QMetaObject::invokeMethod(session, [session] { session->stop(QStringLiteral("closed by the user")); });
}

void AppController::watchFixture(const QString &sourceId, const QString &fixtureId)
{
    if (CaptureSession *session = m_session) {
        QMetaObject::invokeMethod(
            session, [session, sourceId, fixtureId] { session->watchFixture(sourceId, fixtureId); });
    }
}

void AppController::disconnectSource(const QString &sourceId)
{
    if (CaptureSession *session = m_session) {
        QMetaObject::invokeMethod(session, [session, sourceId] { session->disconnectSource(sourceId); });
    }
}

void AppController::connectSource(const QString &sourceId)
{
    if (CaptureSession *session = m_session) {
        QMetaObject::invokeMethod(session, [session, sourceId] { session->connectSource(sourceId); });
    }
}

void AppController::addSource(const FeedSourceConfig &source)
{
    if (CaptureSession *session = m_session) {
        QMetaObject::invokeMethod(session, [session, source] { session->addSource(source); });
    }
}

void AppController::loadPriceHistory(const QString &sourceId, const QString &fixtureId, const QString &marketType)
{
    const quint64 generation = ++m_historyGeneration;
    if (!m_config.storage) {
        emit historyLoaded(generation, fixtureId, marketType, {}, {});
        return;
    }
    const StorageTarget target = *m_config.storage;
    QPointer<AppController> self(this);
    QThreadPool::globalInstance()->start([self, target, sourceId, fixtureId, marketType, generation] {
        std::vector<PriceRow> rows;
        QString error;
        {
            auto storage = Storage::open(target, QStringLiteral("oddstap-reader-%1").arg(++g_readerCounter));
            if (!storage) {
                error = storage.error().message;
            } else if (auto r = (*storage)->priceHistory(sourceId, fixtureId, marketType, kHistoryLimit); r) {
                rows = std::move(*r);
            } else {
                error = r.error().message;
            }
        }
        QMetaObject::invokeMethod(self.get(), [self, generation, fixtureId, marketType, rows = std::move(rows), error] {
            // Stale answers (the user moved on) are dropped by the receiver using the generation.
            if (self) {
                emit self->historyLoaded(generation, fixtureId, marketType, rows, error);
            }
        });
    });
}

} // namespace OddsTap
