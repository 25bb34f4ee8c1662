// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertrules.h>

#include <QDialog>

#include <functional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace OddsTap {

/// File ▸ Edit alert rules…: the rules as a list, and the selected rule's fields beside it (each
/// type shows only the fields it uses). Saving writes a readable rules file (docs/alerts.md),
/// checked first by the same reader as `--rules`, so the GUI never writes a file the CLI refuses;
/// the file is written off the GUI thread, and rulesSaved() tells the window to run it.
class RulesDialog : public QDialog
{
    Q_OBJECT
public:
    /// Edits @p rules, read from @p path (empty: new rules, saved where the user says).
    RulesDialog(std::vector<AlertRule> rules, const QString &path, QWidget *parent = nullptr);

    const std::vector<AlertRule> &rules() const { return m_rules; }
    QString path() const { return m_path; }
    /// Where Save writes when there is no path yet (a test's file; otherwise a file dialog asks).
    void setPath(const QString &path) { m_path = path; }

    /// Not while the file is being written (the outcome shows here first).
    void reject() override;

signals:
    /// The file is written: run these rules from now on.
    void rulesSaved(const QString &path, const std::vector<OddsTap::AlertRule> &rules);

private:
    void buildForm();
    void addRule(AlertRule rule);
    void showRule(int row);
    /// Applies @p change to the selected rule (not while a rule is being shown).
    void edit(const std::function<void(AlertRule &)> &change);
    void changeKind();
    void updateVisibleFields();
    QString summary(const AlertRule &rule) const;
    void save(bool askForPath);

    std::vector<AlertRule> m_rules;
    QString m_path;
    bool m_showing = false; ///< filling the form from a rule: its change signals are not edits
    bool m_saving = false;

    QListWidget *m_list = nullptr;
    QFormLayout *m_form = nullptr;
    QLineEdit *m_name = nullptr;
    QComboBox *m_kind = nullptr;
    QDoubleSpinBox *m_percent = nullptr;
    QSpinBox *m_ticks = nullptr;
    QComboBox *m_direction = nullptr;
    QDoubleSpinBox *m_window = nullptr;
    QDoubleSpinBox *m_level = nullptr;
    QDoubleSpinBox *m_min = nullptr;
    QDoubleSpinBox *m_max = nullptr;
    QDoubleSpinBox *m_stake = nullptr;
    QDoubleSpinBox *m_cooldown = nullptr;
    QLineEdit *m_source = nullptr;
    QComboBox *m_sport = nullptr;
    QLineEdit *m_fixture = nullptr;
    QLineEdit *m_market = nullptr;
    QLineEdit *m_selection = nullptr;
    QCheckBox *m_watched = nullptr;
    QPushButton *m_remove = nullptr;
    QPushButton *m_duplicate = nullptr;
    QPushButton *m_saveButton = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace OddsTap
