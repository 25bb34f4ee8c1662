// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>
#include <core/session/appcontroller.h>

#include <QByteArray>
#include <QSet>
#include <QString>

#include <optional>
#include <vector>

namespace OddsTap {

/// Everything the GUI keeps between runs, with its key: the one place QSettings is opened. The
/// keys are the ones earlier versions wrote, so that a user's layout and sources survive an upgrade
/// (tst_mainwindow loads a file written by an earlier version).
class Settings
{
public:
    /// A source the user added. Only the token file's path is kept, never the token.
    struct Source
    {
        QString id;
        QString url;
        QString tokenFile;
        bool enabled = true; ///< a disabled source is kept but not started
        /// How its messages map onto events, as parseFeedProfile() reads it ("mapping:FILE");
        /// empty: feed protocol v1 (a betfair:// URL is a Betfair stream by itself).
        QString profile {};
    };

    /// What the GUI runs: the enabled saved sources, the demo feed's switch and the storage target.
    static AppConfig appConfig();

    static std::vector<Source> sources();
    static void addSource(const Source &source);
    /// Sources ▸ Edit: the source with this id gets the new URL and token file.
    static void updateSource(const Source &source);
    /// Sources ▸ Disable/Enable: kept in the list either way; only enabled ones start.
    static void setSourceEnabled(const QString &id, bool enabled);
    /// Sources ▸ Remove: gone from the list (what it stored stays in the database).
    static void removeSource(const QString &id);
    /// What a saved source runs as: its token read from its file now (never stored); or why it
    /// cannot run (its id, URL or profile unusable, its token file unreadable).
    static Result<FeedSourceConfig> feedConfig(const Source &source);

    /// The demo feed: switched on, off, or never touched (unset: it runs while no source is enabled).
    static std::optional<bool> demoEnabled();
    static void setDemoEnabled(bool enabled);

    /// The --db text chosen in Settings ("" for the default SQLite file).
    static QString storageTarget();
    static void setStorageTarget(const QString &target);

    /// The main window's geometry and dock layout (QMainWindow::saveGeometry/saveState).
    static QByteArray windowGeometry();
    static QByteArray windowState();
    static void setWindowLayout(const QByteArray &geometry, const QByteArray &state);
    /// View ▸ Reset layout: the next start lays the docks out as new.
    static void forgetWindowState();

    /// The fixtures the user watches (fixtureKey()s), kept between runs.
    static QSet<QString> watchList();
    static void setWatchList(const QSet<QString> &keys);

    /// View ▸ Alerts: desktop notifications (on unless switched off) and a beep (off unless on).
    static bool alertNotifications();
    static void setAlertNotifications(bool on);
    static bool alertSound();
    static void setAlertSound(bool on);

    /// View ▸ Theme: "system", "light" or "dark".
    static QString theme();
    static void setTheme(const QString &theme);

    /// A named set of what the user arranged, switched together (View ▸ Workspaces).
    struct Workspace
    {
        QString name;
        QByteArray layout; ///< QMainWindow::saveState
        QString filterText;
        QString sport;
        QString status;
        bool watchedOnly = false;
        QSet<QString> watchList;
        int chartWindow = 0; ///< ChartPanel::timeWindow()
        QString rulesPath; ///< alert rules loaded with it; empty: none
    };
    static std::vector<Workspace> workspaces();
    /// Saves @p workspace, replacing one of the same name.
    static constexpr int kMaxWorkspaces = 200; ///< read back at most (a settings file is untrusted)
    /// False, saving nothing, for a new workspace beyond the most kept (kMaxWorkspaces).
    static bool saveWorkspace(const Workspace &workspace);
    static void removeWorkspace(const QString &name);

private:
    /// Entries read of a list the file says holds @p stated: at most @p most.
    static int readableCount(int stated, int most, const char *what);
    static constexpr int kMaxSources = 1000;
};

} // namespace OddsTap
