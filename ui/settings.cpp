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
const QString kSourceProfile = QStringLiteral("profile"); ///< absent: feed protocol v1
const QString kSourceEnabled = QStringLiteral("enabled"); ///< absent (earlier versions): enabled

void writeSources(const std::vector<Settings::Source> &sources)
{
    QSettings s;
    s.remove(kSources);
    s.beginWriteArray(kSources, int(sources.size()));
    for (int i = 0; i < int(sources.size()); ++i) {
        const Settings::Source &source = sources[std::size_t(i)];
        s.setArrayIndex(i);
        s.setValue(kSourceId, source.id);
        s.setValue(kSourceUrl, source.url);
        s.setValue(kSourceTokenFile, source.tokenFile);
        if (!source.profile.isEmpty()) {
            s.setValue(kSourceProfile, source.profile);
        }
        if (!source.enabled) {
            s.setValue(kSourceEnabled, false);
        }
    }
    s.endArray();
}
const QString kStorageTarget = QStringLiteral("storage/target");
const QString kDemoEnabled = QStringLiteral("demo/enabled"); ///< absent: on while no source is enabled
const QString kWindowGeometry = QStringLiteral("window/geometry");
const QString kWindowState = QStringLiteral("window/state");

} // namespace

AppConfig Settings::appConfig()
{
    AppConfig c;
    for (const Settings::Source &saved : sources()) {
        if (!saved.enabled) {
            continue;
        }
        if (auto src = feedConfig(saved)) {
            c.sources.push_back(std::move(*src));
        }
    }
    c.demo = demoEnabled();
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
            { s.value(kSourceId).toString(), s.value(kSourceUrl).toString(), s.value(kSourceTokenFile).toString(),
                s.value(kSourceEnabled, true).toBool(), s.value(kSourceProfile).toString() });
    }
    s.endArray();
    return out;
}

void Settings::addSource(const Source &source)
{
    std::vector<Source> all = sources();
    all.push_back(source);
    writeSources(all);
}

void Settings::updateSource(const Source &source)
{
    std::vector<Source> all = sources();
    for (Source &s : all) {
        if (s.id == source.id) {
            s.url = source.url;
            s.tokenFile = source.tokenFile;
            s.profile = source.profile;
        }
    }
    writeSources(all);
}

std::optional<bool> Settings::demoEnabled()
{
    const QVariant v = QSettings().value(kDemoEnabled);
    return v.isValid() ? std::optional<bool>(v.toBool()) : std::nullopt;
}

void Settings::setDemoEnabled(bool enabled)
{
    QSettings().setValue(kDemoEnabled, enabled);
}

void Settings::setSourceEnabled(const QString &id, bool enabled)
{
    std::vector<Source> all = sources();
    for (Source &s : all) {
        if (s.id == id) {
            s.enabled = enabled;
        }
    }
    writeSources(all);
}

void Settings::removeSource(const QString &id)
{
    std::vector<Source> all = sources();
    std::erase_if(all, [&](const Source &s) { return s.id == id; });
    writeSources(all);
}

std::optional<FeedSourceConfig> Settings::feedConfig(const Source &saved)
{
    FeedSourceConfig src;
    src.sourceId = saved.id;
    src.url = QUrl(saved.url);
    if (!saved.tokenFile.isEmpty()) {
        QFile f(saved.tokenFile);
        if (f.open(QIODevice::ReadOnly)) {
            src.token = f.readAll().trimmed(); // read from the file, never stored in settings
        }
    }
    // The app key identifies the application, not the user: like the CLI, it comes from the
    // environment and is never stored.
    src.appKey = qgetenv("ODDSTAP_BETFAIR_APP_KEY").trimmed();
    if (!saved.profile.isEmpty()) {
        auto profile = parseFeedProfile(saved.profile);
        if (!profile) {
            return std::nullopt;
        }
        src.profile = *profile;
    }
    if (src.sourceId.isEmpty() || !src.url.isValid()) {
        return std::nullopt;
    }
    return src;
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
