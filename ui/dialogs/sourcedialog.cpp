// SPDX-License-Identifier: MIT
#include "sourcedialog.h"

#include <core/common/secretfile.h>
#include <ui/delegates/livedelegate.h>
#include <ui/settings.h>

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace OddsTap {

namespace {

/// Add (no @p existing) or edit; saves on OK.
std::optional<FeedSourceConfig> run(QWidget *parent, const std::optional<Settings::Source> &existing)
{
    QDialog dialog(parent);
    dialog.setObjectName(QStringLiteral("sourceDialog"));
    dialog.setWindowTitle(existing ? QObject::tr("Edit source %1").arg(existing->id) : QObject::tr("Add source"));
    auto *form = new QFormLayout(&dialog);
    auto *url = new QLineEdit(&dialog);
    url->setObjectName(QStringLiteral("sourceUrl"));
    url->setPlaceholderText(QStringLiteral("wss://feed.example.com/v1"));
    url->setToolTip(QObject::tr("A feed: ws:// or wss://. To watch what collectors publish to RabbitMQ: "
                                "amqp://user@host:port/vhost, with ?redis=redis://host:port to start from the "
                                "live cache (docs/broker.md)"));
    auto *id = new QLineEdit(&dialog);
    id->setObjectName(QStringLiteral("sourceId"));
    id->setPlaceholderText(QObject::tr("book-a"));
    auto *tokenRow = new QHBoxLayout;
    auto *tokenFile = new QLineEdit(&dialog);
    tokenFile->setObjectName(QStringLiteral("sourceTokenFile"));
    tokenFile->setPlaceholderText(QObject::tr("optional: a file holding the bearer token"));
    tokenFile->setToolTip(
        QObject::tr("Only the file's path is saved; the token is read from it and never shown or stored"));
    auto *browse = new QToolButton(&dialog);
    browse->setText(QStringLiteral("…"));
    QObject::connect(browse, &QToolButton::clicked, &dialog, [&] {
        const QString f = QFileDialog::getOpenFileName(&dialog, QObject::tr("Token file"));
        if (!f.isEmpty()) {
            tokenFile->setText(f);
        }
    });
    tokenRow->addWidget(tokenFile, 1);
    tokenRow->addWidget(browse);
    // The profile: how the feed's messages map onto events. A betfair:// URL is a Betfair stream
    // by itself, so the choice is between feed protocol v1 and a mapping file.
    auto *profileRow = new QHBoxLayout;
    auto *profile = new QComboBox(&dialog);
    profile->setObjectName(QStringLiteral("sourceProfile"));
    profile->addItem(QObject::tr("Feed protocol v1"));
    profile->addItem(QObject::tr("JSON mapping file"));
    profile->setToolTip(QObject::tr("How the feed's messages become events. A betfair:// URL is a Betfair "
                                    "Exchange Stream whatever is chosen here (docs/providers.md)"));
    auto *mappingFile = new QLineEdit(&dialog);
    mappingFile->setObjectName(QStringLiteral("sourceMappingFile"));
    mappingFile->setPlaceholderText(QObject::tr("the mapping file (.json)"));
    auto *browseMapping = new QToolButton(&dialog);
    browseMapping->setText(QStringLiteral("…"));
    QObject::connect(browseMapping, &QToolButton::clicked, &dialog, [&] {
        const QString f =
            QFileDialog::getOpenFileName(&dialog, QObject::tr("Mapping file"), QString(), QStringLiteral("*.json"));
        if (!f.isEmpty()) {
            mappingFile->setText(f);
        }
    });
    const auto showMapping = [mappingFile, browseMapping](int index) {
        mappingFile->setEnabled(index == 1);
        browseMapping->setEnabled(index == 1);
    };
    QObject::connect(profile, &QComboBox::currentIndexChanged, &dialog, showMapping);
    profileRow->addWidget(profile);
    profileRow->addWidget(mappingFile, 1);
    profileRow->addWidget(browseMapping);
    if (existing) {
        url->setText(existing->url);
        id->setText(existing->id);
        id->setReadOnly(true);
        id->setToolTip(QObject::tr("The id names this source's stream in the database; for another id, add a source"));
        tokenFile->setText(existing->tokenFile);
        if (existing->profile.startsWith(QLatin1String("mapping:"))) {
            profile->setCurrentIndex(1);
            mappingFile->setText(existing->profile.mid(8));
        }
    }
    showMapping(profile->currentIndex());
    auto *error = new QLabel(&dialog);
    error->setObjectName(QStringLiteral("sourceError"));
    error->setStyleSheet(QStringLiteral("color: %1").arg(LiveColours::forPalette(dialog.palette()).bad.name()));
    form->addRow(QObject::tr("URL:"), url);
    form->addRow(QObject::tr("Source id:"), id);
    form->addRow(QObject::tr("Token file:"), tokenRow);
    form->addRow(QObject::tr("Profile:"), profileRow);
    form->addRow(error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    FeedSourceConfig config;
    QString profileName;
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        config = FeedSourceConfig {};
        config.sourceId = id->text().trimmed();
        config.url = QUrl(url->text().trimmed());
        if (config.sourceId.isEmpty()) {
            error->setText(QObject::tr("The source id is required."));
            return;
        }
        if (!existing && config.sourceId.startsWith(QLatin1String("demo"))) {
            error->setText(QObject::tr("Ids starting with 'demo' belong to the demo feed: choose another id."));
            return;
        }
        if (!existing) {
            for (const Settings::Source &saved : Settings::sources()) {
                if (saved.id == config.sourceId) {
                    error->setText(
                        QObject::tr("A source '%1' is saved already: edit it, or choose another id.").arg(saved.id));
                    return;
                }
            }
        }
        profileName.clear();
        if (profile->currentIndex() == 1) {
            profileName = QStringLiteral("mapping:") + mappingFile->text().trimmed();
            auto parsed = parseFeedProfile(profileName);
            if (!parsed) {
                error->setText(parsed.error().message);
                return;
            }
            config.profile = *parsed;
        }
        config.appKey = qgetenv("ODDSTAP_BETFAIR_APP_KEY").trimmed();
        // The token first: a Betfair stream is checked for one.
        if (!tokenFile->text().isEmpty()) {
            // Bounded, and without waiting: this is the GUI thread (a FIFO or /dev/zero hung it).
            auto token = readSecretFile(tokenFile->text(), QObject::tr("The token file"), 0);
            if (!token) {
                error->setText(token.error().message);
                return;
            }
            config.token = std::move(*token);
        }
        if (const QString problem = validateSourceConfig(config); !problem.isEmpty()) {
            error->setText(problem);
            return;
        }
        dialog.accept();
    });
    if (dialog.exec() != QDialog::Accepted) {
        return std::nullopt;
    }
    const Settings::Source saved { config.sourceId, config.url.toString(), tokenFile->text(), true, profileName };
    if (existing) {
        Settings::updateSource(saved);
    } else {
        Settings::addSource(saved);
    }
    return config;
}

} // namespace

std::optional<FeedSourceConfig> SourceDialog::ask(QWidget *parent)
{
    return run(parent, std::nullopt);
}

std::optional<FeedSourceConfig> SourceDialog::edit(QWidget *parent, const Settings::Source &source)
{
    return run(parent, source);
}

} // namespace OddsTap
