// SPDX-License-Identifier: MIT
#include "settings.h"

#include <core/common/logging.h>
#include <core/common/redact.h>
#include <core/common/secretfile.h>
#include <core/session/sessionsnapshot.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
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

/// A saved URL may carry a token in its query (some feeds take it there): the settings file is
/// its owner's alone, whoever made it (an earlier version, a rewrite by QSettings). A missing one
/// is made empty and private here, before QSettings first writes it: QSettings makes a new file
/// readable to all (umask 022) and keeps the permissions of one that exists, so making it first
/// leaves no moment at which another user could read it.
void keepPrivate(const QString &file)
{
    const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    if (!QFile::exists(file)) {
        QDir().mkpath(QFileInfo(file).absolutePath());
        QFile made(file);
        if (made.open(QIODevice::WriteOnly | QIODevice::NewOnly, ownerOnly)) {
            return;
        }
    }
    QFile::setPermissions(file, ownerOnly);
}

void writeSources(const std::vector<Settings::Source> &sources)
{
    QSettings s;
    keepPrivate(s.fileName());
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
    s.sync();
    keepPrivate(s.fileName());
}
const QString kStorageTarget = QStringLiteral("storage/target");
const QString kDemoEnabled = QStringLiteral("demo/enabled"); ///< absent: on while no source is enabled
const QString kWindowGeometry = QStringLiteral("window/geometry");
const QString kWindowState = QStringLiteral("window/state");
const QString kWatchList = QStringLiteral("view/watchList"); ///< JSON: [[source, fixture], ...]
const QString kTheme = QStringLiteral("view/theme");
const QString kAlertNotifications = QStringLiteral("alerts/notifications");
const QString kAlertSound = QStringLiteral("alerts/sound");
const QString kWorkspaces = QStringLiteral("workspaces");

/// Fixture keys hold a control character (U+001F) that settings files do not keep well: JSON pairs.
QString keysToJson(const QSet<QString> &keys)
{
    QJsonArray list;
    for (const QString &key : keys) {
        const qsizetype split = key.indexOf(QChar(0x1f));
        list.append(QJsonArray { key.left(split), key.mid(split + 1) });
    }
    return QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact));
}

QSet<QString> keysFromJson(const QString &json)
{
    QSet<QString> keys;
    for (const QJsonValue &pair : QJsonDocument::fromJson(json.toUtf8()).array()) {
        const QJsonArray p = pair.toArray();
        if (p.size() == 2 && p[0].isString() && p[1].isString()) {
            keys.insert(p[0].toString() + QChar(0x1f) + p[1].toString());
        }
    }
    return keys;
}

} // namespace

AppConfig Settings::appConfig()
{
    keepPrivate(QSettings().fileName());
    AppConfig c;
    for (const Settings::Source &saved : sources()) {
        if (!saved.enabled) {
            continue;
        }
        if (auto src = feedConfig(saved)) {
            c.sources.push_back(std::move(*src));
        } else {
            c.settingsProblems << src.error().message;
        }
    }
    c.demo = demoEnabled();
    c.watchList = watchList();
    const QString db = storageTarget();
    const auto target = StorageTarget::parse(db.isEmpty() ? AppConfig::defaultDatabasePath() : db);
    if (target) {
        c.storage = *target;
    } else {
        c.settingsProblems << QStringLiteral("the saved database cannot be used, so nothing is stored: %1. Choose "
                                             "another with File ▸ Settings")
                                  .arg(target.error().message);
    }
    if (db.isEmpty()) {
        c.demoDatabase = AppConfig::defaultDemoDatabasePath();
    }
    return c;
}

int Settings::readableCount(int stated, int most, const char *what)
{
    // The file's own "size" is untrusted: one that says two billion made the window allocate
    // until it crashed.
    if (stated > most) {
        qCWarning(lcUi).noquote() << QStringLiteral("the settings file (%1) lists %2 %3: only the first %4 are read")
                                         .arg(QSettings().fileName())
                                         .arg(stated)
                                         .arg(QLatin1String(what))
                                         .arg(most);
        return most;
    }
    return std::max(0, stated);
}

std::vector<Settings::Source> Settings::sources()
{
    QSettings s;
    std::vector<Source> out;
    const int n = readableCount(s.beginReadArray(kSources), kMaxSources, "sources");
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        Source source { s.value(kSourceId).toString(), s.value(kSourceUrl).toString(),
            s.value(kSourceTokenFile).toString(), s.value(kSourceEnabled, true).toBool(),
            s.value(kSourceProfile).toString() };
        if (!source.id.isEmpty() && !source.url.isEmpty()) { // an entry the file lost is no source
            out.push_back(std::move(source));
        }
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

Result<FeedSourceConfig> Settings::feedConfig(const Source &saved)
{
    const auto cannot = [&saved](const QString &why) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("the saved source '%1' (%2) cannot be started: %3; fix it with Sources ▸ Edit")
                .arg(saved.id, redactedUrl(saved.url), why) };
    };
    FeedSourceConfig src;
    src.sourceId = saved.id;
    src.url = QUrl(saved.url);
    if (src.sourceId.isEmpty() || !src.url.isValid()) {
        return cannot(QStringLiteral("its URL is not valid"));
    }
    if (!saved.profile.isEmpty()) {
        auto profile = parseFeedProfile(saved.profile);
        if (!profile) {
            return cannot(QStringLiteral("its profile '%1' is not valid").arg(saved.profile));
        }
        src.profile = *profile;
    }
    if (!saved.tokenFile.isEmpty()) {
        // Read from the file, never stored in settings. On the GUI thread, so a pipe gets no
        // wait: a saved token file is a file.
        auto token = readSecretFile(saved.tokenFile, QStringLiteral("its token file"), 0);
        if (!token) {
            return cannot(token.error().message);
        }
        src.token = std::move(*token);
    }
    // The app key identifies the application, not the user: like the CLI, it comes from the
    // environment and is never stored.
    src.appKey = qgetenv("ODDSTAP_BETFAIR_APP_KEY").trimmed();
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

QSet<QString> Settings::watchList()
{
    return keysFromJson(QSettings().value(kWatchList).toString());
}

void Settings::setWatchList(const QSet<QString> &keys)
{
    QSettings().setValue(kWatchList, keysToJson(keys));
}

bool Settings::alertNotifications()
{
    return QSettings().value(kAlertNotifications, true).toBool();
}

void Settings::setAlertNotifications(bool on)
{
    QSettings().setValue(kAlertNotifications, on);
}

bool Settings::alertSound()
{
    return QSettings().value(kAlertSound, false).toBool();
}

void Settings::setAlertSound(bool on)
{
    QSettings().setValue(kAlertSound, on);
}

QString Settings::theme()
{
    const QString theme = QSettings().value(kTheme).toString();
    return theme == QLatin1String("light") || theme == QLatin1String("dark") ? theme : QStringLiteral("system");
}

void Settings::setTheme(const QString &theme)
{
    QSettings().setValue(kTheme, theme);
}

std::vector<Settings::Workspace> Settings::workspaces()
{
    QSettings s;
    std::vector<Workspace> out;
    const int n = readableCount(s.beginReadArray(kWorkspaces), kMaxWorkspaces, "workspaces");
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        Workspace w;
        w.name = s.value(QStringLiteral("name")).toString();
        w.layout = s.value(QStringLiteral("layout")).toByteArray();
        w.filterText = s.value(QStringLiteral("filterText")).toString();
        w.sport = s.value(QStringLiteral("sport")).toString();
        w.status = s.value(QStringLiteral("status")).toString();
        w.watchedOnly = s.value(QStringLiteral("watchedOnly")).toBool();
        w.watchList = keysFromJson(s.value(QStringLiteral("watchList")).toString());
        w.chartWindow = s.value(QStringLiteral("chartWindow")).toInt();
        w.rulesPath = s.value(QStringLiteral("rules")).toString();
        if (!w.name.isEmpty()) {
            out.push_back(std::move(w));
        }
    }
    s.endArray();
    return out;
}

namespace {

void writeWorkspaces(const std::vector<Settings::Workspace> &all)
{
    QSettings s;
    s.remove(kWorkspaces);
    s.beginWriteArray(kWorkspaces, int(all.size()));
    for (int i = 0; i < int(all.size()); ++i) {
        const Settings::Workspace &w = all[std::size_t(i)];
        s.setArrayIndex(i);
        s.setValue(QStringLiteral("name"), w.name);
        s.setValue(QStringLiteral("layout"), w.layout);
        s.setValue(QStringLiteral("filterText"), w.filterText);
        s.setValue(QStringLiteral("sport"), w.sport);
        s.setValue(QStringLiteral("status"), w.status);
        s.setValue(QStringLiteral("watchedOnly"), w.watchedOnly);
        s.setValue(QStringLiteral("watchList"), keysToJson(w.watchList));
        s.setValue(QStringLiteral("chartWindow"), w.chartWindow);
        s.setValue(QStringLiteral("rules"), w.rulesPath);
    }
    s.endArray();
}

} // namespace

bool Settings::saveWorkspace(const Workspace &workspace)
{
    std::vector<Workspace> all = workspaces();
    const auto it = std::find_if(all.begin(), all.end(), [&](const Workspace &w) { return w.name == workspace.name; });
    if (it == all.end()) {
        if (int(all.size()) >= kMaxWorkspaces) {
            return false; // beyond what is read back: it would be lost at the next start
        }
        all.push_back(workspace);
    } else {
        *it = workspace;
    }
    writeWorkspaces(all);
    return true;
}

void Settings::removeWorkspace(const QString &name)
{
    std::vector<Workspace> all = workspaces();
    std::erase_if(all, [&](const Workspace &w) { return w.name == name; });
    writeWorkspaces(all);
}

} // namespace OddsTap
