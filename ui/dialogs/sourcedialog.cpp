// SPDX-License-Identifier: MIT
#include "sourcedialog.h"

#include <ui/delegates/livedelegate.h>
#include <ui/settings.h>

#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace OddsTap {

std::optional<FeedSourceConfig> SourceDialog::ask(QWidget *parent)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Add source"));
    auto *form = new QFormLayout(&dialog);
    auto *url = new QLineEdit(&dialog);
    url->setPlaceholderText(QStringLiteral("wss://feed.example.com/v1"));
    auto *id = new QLineEdit(&dialog);
    id->setPlaceholderText(QObject::tr("book-a"));
    auto *tokenRow = new QHBoxLayout;
    auto *tokenFile = new QLineEdit(&dialog);
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
    auto *error = new QLabel(&dialog);
    error->setStyleSheet(QStringLiteral("color: %1").arg(LiveColours::forPalette(dialog.palette()).bad.name()));
    form->addRow(QObject::tr("URL:"), url);
    form->addRow(QObject::tr("Source id:"), id);
    form->addRow(QObject::tr("Token file:"), tokenRow);
    form->addRow(error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    FeedSourceConfig config;
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        config = FeedSourceConfig {};
        config.sourceId = id->text().trimmed();
        config.url = QUrl(url->text().trimmed());
        if (config.sourceId.isEmpty()) {
            error->setText(QObject::tr("The source id is required."));
            return;
        }
        if (const QString problem = validateSourceConfig(config); !problem.isEmpty()) {
            error->setText(problem);
            return;
        }
        if (!tokenFile->text().isEmpty()) {
            QFile f(tokenFile->text());
            if (!f.open(QIODevice::ReadOnly)) {
                error->setText(QObject::tr("Cannot read the token file: %1").arg(f.errorString()));
                return;
            }
            config.token = f.readAll().trimmed();
        }
        dialog.accept();
    });
    if (dialog.exec() != QDialog::Accepted) {
        return std::nullopt;
    }
    Settings::addSource({ config.sourceId, config.url.toString(), tokenFile->text() });
    return config;
}

} // namespace OddsTap
