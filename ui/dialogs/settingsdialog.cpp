// SPDX-License-Identifier: MIT
#include "settingsdialog.h"

#include <core/session/appcontroller.h>
#include <core/storage/storage.h>
#include <ui/settings.h>

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QUrl>

namespace OddsTap {

void SettingsDialog::ask(QWidget *parent)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Settings"));
    auto *form = new QFormLayout(&dialog);
    auto *storage = new QLineEdit(Settings::storageTarget(), &dialog);
    storage->setPlaceholderText(AppConfig::defaultDatabasePath());
    storage->setToolTip(QObject::tr("A SQLite file, or postgresql://user@host:port/db (the password comes from "
                                    "PGPASSWORD or ~/.pgpass, never from here)"));
    form->addRow(QObject::tr("Storage:"), storage);
    auto *note = new QLabel(
        QObject::tr("Storage changes apply on the next start. Sources are added from the Sources panel."), &dialog);
    note->setWordWrap(true);
    form->addRow(note);
    auto *error = new QLabel(&dialog);
    form->addRow(error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        const QString text = storage->text().trimmed();
        if (!text.isEmpty()) {
            const auto target = StorageTarget::parse(text);
            if (!target) {
                error->setText(target.error().message);
                return;
            }
            if (QUrl(text).password().size() > 0) {
                error->setText(QObject::tr("Leave the password out: use PGPASSWORD or ~/.pgpass."));
                return;
            }
        }
        dialog.accept();
    });
    if (dialog.exec() == QDialog::Accepted) {
        Settings::setStorageTarget(storage->text().trimmed());
    }
}

} // namespace OddsTap
