// SPDX-License-Identifier: MIT
#include "settings.h"

#include <QFile>
#include <QSettings>
#include <QUrl>

namespace OddsTap {
namespace {

const QString kSources = QStringLiteral("sources");
const QString kSourceId = QStringLiteral("id");
const QString kSourceUrl = QStringLiteral("url");
const QString kSourceTokenFile = QStringLiteral("tokenFile");
const QString kStorageTarget = QStringLiteral("storage/target");
const QString kWindowGeometry = QStringLiteral("window/geometry");
const QString kWindowState = QStringLiteral("window/state");

} // namespace

AppConfig Settings::appConfig()
{
    AppConfig c;
    for (const Settings::Source &saved : sources()) {
        FeedSourceConfig src;
        src.sourceId = saved.id;
        src.url = QUrl(saved.url);
        if (!saved.tokenFile.isEmpty()) {
            QFile f(saved.tokenFile);
            if (f.open(QIODevice::ReadOnly)) {
                src.token = f.readAll().trimmed(); // read from the file, never stored in settings
            }
        }
        if (!src.sourceId.isEmpty() && src.url.isValid()) {
            c.sources.push_back(std::move(src));
        }
    }
    const QString db = storageTarget();
    const auto target = StorageTarget::parse(db.isEmpty() ? AppConfig::defaultDatabasePath() : db);
    if (target) {
        c.storage = *target;
    }
    if (db.isEmpty()) {
        c.demoDatabase = AppConfig::defaultDemoDatabasePath();
    }
    return c;
}

std::vector<Settings::Source> Settings::sources()
{
    QSettings s;
    std::vector<Source> out;
    const int n = s.beginReadArray(kSources);
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        out.push_back(
            { s.value(kSourceId).toString(), s.value(kSourceUrl).toString(), s.value(kSourceTokenFile).toString() });
    }
    s.endArray();
    return out;
}

void Settings::addSource(const Source &source)
{
    QSettings s;
    const int n = s.beginReadArray(kSources);
    s.endArray();
    s.beginWriteArray(kSources);
    s.setArrayIndex(n);
    s.setValue(kSourceId, source.id);
    s.setValue(kSourceUrl, source.url);
    s.setValue(kSourceTokenFile, source.tokenFile);
    s.endArray();
}

QString Settings::storageTarget()
{
    return QSettings().value(kStorageTarget).toString();
}

void Settings::setStorageTarget(const QString &target)
{
    QSettings().setValue(kStorageTarget, target);
}

QByteArray Settings::windowGeometry()
{
    return QSettings().value(kWindowGeometry).toByteArray();
}

QByteArray Settings::windowState()
{
    return QSettings().value(kWindowState).toByteArray();
}

void Settings::setWindowLayout(const QByteArray &geometry, const QByteArray &state)
{
    QSettings s;
    s.setValue(kWindowGeometry, geometry);
    s.setValue(kWindowState, state);
}

void Settings::forgetWindowState()
{
    QSettings().remove(kWindowState);
}

} // namespace OddsTap
