// SPDX-License-Identifier: MIT
#include "rulesdialog.h"

#include <core/common/background.h>
#include <core/common/sports.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace OddsTap {
namespace {

struct KindLabel
{
    AlertKind kind;
    const char *label;
};
constexpr KindLabel kKinds[] = {
    { AlertKind::PriceMove, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Price moved (steamer / drifter)") },
    { AlertKind::PriceCross, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Price crossed a level") },
    { AlertKind::Suspended, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Market suspended") },
    { AlertKind::Reopened, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Market reopened") },
    { AlertKind::InPlay, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Fixture went in play") },
    { AlertKind::Stale, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "No update (stale)") },
    { AlertKind::Overround, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Overround outside a range") },
    { AlertKind::BigBet, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Bet above a stake") },
    { AlertKind::ScoreWithoutPriceMove, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Score changed, price did not") },
    { AlertKind::Arbitrage, QT_TRANSLATE_NOOP("OddsTap::RulesDialog", "Arbitrage across sources") },
};

/// A number to the millisecond or the cent, shown without the zeros after it ("60 s", "2.5 s"),
/// down to @p keep decimals (a price: "2.00").
class TrimmedSpinBox : public QDoubleSpinBox
{
public:
    explicit TrimmedSpinBox(int keep)
        : m_keep(keep)
    { }
    QString textFromValue(double value) const override
    {
        QString text = QDoubleSpinBox::textFromValue(value);
        const QString point = locale().decimalPoint();
        if (const qsizetype at = text.indexOf(point); at >= 0) {
            const qsizetype shortest = m_keep > 0 ? at + point.size() + m_keep : at;
            while (text.size() > shortest && text.endsWith(u'0')) {
                text.chop(1);
            }
            if (text.endsWith(point)) {
                text.chop(point.size());
            }
        }
        return text;
    }

private:
    int m_keep;
};

/// A number field of a rule; @p name is its objectName (the dialog tests find it by that).
QDoubleSpinBox *spin(const char *name, double min, double max, int decimals, const QString &suffix, int keep = 0)
{
    auto *box = new TrimmedSpinBox(keep);
    box->setObjectName(QLatin1String(name));
    box->setRange(min, max);
    box->setDecimals(decimals);
    box->setSuffix(suffix);
    box->setAccelerated(true);
    return box;
}

} // namespace

RulesDialog::RulesDialog(std::vector<AlertRule> rules, const QString &path, QWidget *parent)
    : QDialog(parent)
    , m_path(path)
{
    setObjectName(QStringLiteral("rulesDialog"));
    setWindowTitle(path.isEmpty() ? tr("Alert rules") : tr("Alert rules: %1").arg(QFileInfo(path).fileName()));
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("rulesList"));
    m_list->setMinimumWidth(300);
    auto *add = new QPushButton(tr("&Add"));
    add->setObjectName(QStringLiteral("addRule"));
    m_duplicate = new QPushButton(tr("D&uplicate"));
    m_duplicate->setObjectName(QStringLiteral("duplicateRule"));
    m_remove = new QPushButton(tr("&Remove"));
    m_remove->setObjectName(QStringLiteral("removeRule"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(add);
    listButtons->addWidget(m_duplicate);
    listButtons->addWidget(m_remove);
    listButtons->addStretch();
    auto *left = new QVBoxLayout;
    left->addWidget(m_list, 1);
    left->addLayout(listButtons);

    m_form = new QFormLayout;
    buildForm();
    auto *columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(m_form, 1);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("rulesStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_saveButton = buttons->addButton(tr("&Save and run"), QDialogButtonBox::AcceptRole);
    m_saveButton->setObjectName(QStringLiteral("saveRules"));
    m_saveButton->setToolTip(tr("Write the rules file and run these rules from now on"));
    QPushButton *saveAs = buttons->addButton(tr("Save &as..."), QDialogButtonBox::ActionRole);
    saveAs->setObjectName(QStringLiteral("saveRulesAs"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_saveButton, &QPushButton::clicked, this, [this] { save(m_path.isEmpty()); });
    connect(saveAs, &QPushButton::clicked, this, [this] { save(true); });
    connect(add, &QPushButton::clicked, this, [this] {
        AlertRule rule;
        rule.name = tr("new rule");
        rule.percent = 5;
        rule.windowMs = 10000;
        addRule(std::move(rule));
    });
    connect(m_duplicate, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row >= 0) {
            AlertRule copy = m_rules[std::size_t(row)];
            copy.name += tr(" (copy)");
            addRule(std::move(copy));
        }
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        const int row = m_list->currentRow();
        if (row >= 0) {
            m_rules.erase(m_rules.begin() + row);
            delete m_list->takeItem(row);
            showRule(m_list->currentRow());
        }
    });
    connect(m_list, &QListWidget::currentRowChanged, this, &RulesDialog::showRule);

    m_rules = std::move(rules);
    for (const AlertRule &rule : m_rules) {
        m_list->addItem(summary(rule));
    }
    m_list->setCurrentRow(m_rules.empty() ? -1 : 0);
    showRule(m_list->currentRow());
    updateVisibleFields();
    resize(900, 560);
}

void RulesDialog::buildForm()
{
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("ruleName"));
    m_name->setMaxLength(200); // what the rules reader accepts
    m_kind = new QComboBox;
    m_kind->setObjectName(QStringLiteral("ruleKind"));
    for (const KindLabel &k : kKinds) {
        m_kind->addItem(tr(k.label), int(k.kind));
    }
    m_percent = spin("rulePercent", 0, 1000, 2, QStringLiteral(" %"));
    m_percent->setSpecialValueText(tr("not by percent"));
    m_ticks = new QSpinBox;
    m_ticks->setObjectName(QStringLiteral("ruleTicks"));
    m_ticks->setRange(0, 350);
    m_ticks->setSpecialValueText(tr("not by ticks"));
    m_direction = new QComboBox;
    m_direction->setObjectName(QStringLiteral("ruleDirection"));
    m_direction->addItem(tr("Either way"), int(MoveDirection::Either));
    m_direction->addItem(tr("Shortening (steamer)"), int(MoveDirection::Shorten));
    m_direction->addItem(tr("Drifting (drifter)"), int(MoveDirection::Drift));
    m_window = spin("ruleWindow", 0, 86400, 3, tr(" s"));
    m_level = spin("ruleLevel", 1, 1000, 3, QString(), 2); // a price: 2.00, as alerts write it
    m_min = spin("ruleMin", 0, 1000, 2, QStringLiteral(" %"));
    m_max = spin("ruleMax", 0, 1000, 2, QStringLiteral(" %"));
    m_stake = spin("ruleStake", 0, 1e12, 2, QString());
    m_cooldown = spin("ruleCooldown", 0, 86400, 3, tr(" s"));
    m_cooldown->setToolTip(tr("The rule fires at most once per fixture within this time"));
    m_source = new QLineEdit;
    m_source->setObjectName(QStringLiteral("ruleSource"));
    m_sport = new QComboBox;
    m_sport->setObjectName(QStringLiteral("ruleSport"));
    m_sport->addItem(tr("Any sport"), -1);
    for (const SportInfo &s : knownSports()) {
        m_sport->addItem(sportName(int(s.sport)), int(s.sport));
    }
    m_fixture = new QLineEdit;
    m_fixture->setObjectName(QStringLiteral("ruleFixture"));
    m_market = new QLineEdit;
    m_market->setObjectName(QStringLiteral("ruleMarket"));
    m_selection = new QLineEdit;
    m_selection->setObjectName(QStringLiteral("ruleSelection"));
    for (QLineEdit *scope : { m_source, m_fixture, m_market, m_selection }) {
        scope->setPlaceholderText(tr("any"));
        scope->setMaxLength(200);
    }
    m_watched = new QCheckBox(tr("Only fixtures on the watch list"));
    m_watched->setObjectName(QStringLiteral("ruleWatched"));

    m_form->addRow(tr("Name"), m_name);
    m_form->addRow(tr("Type"), m_kind);
    m_form->addRow(tr("By at least"), m_percent);
    m_form->addRow(tr("Or by ticks"), m_ticks);
    m_form->addRow(tr("Direction"), m_direction);
    m_form->addRow(tr("Within"), m_window);
    m_form->addRow(tr("Level"), m_level);
    m_form->addRow(tr("From"), m_min);
    m_form->addRow(tr("To"), m_max);
    m_form->addRow(tr("Stake above"), m_stake);
    m_form->addRow(tr("Cooldown"), m_cooldown);
    m_form->addRow(tr("Source"), m_source);
    m_form->addRow(tr("Sport"), m_sport);
    m_form->addRow(tr("Fixture id"), m_fixture);
    m_form->addRow(tr("Market"), m_market);
    m_form->addRow(tr("Selection"), m_selection);
    m_form->addRow(QString(), m_watched);

    // Each field changes only its own value: a rule read from a file keeps the rest exactly (a
    // spin box rounds to its decimals, a scope keeps its spaces) until that field is edited.
    const auto onText = [this](QLineEdit *e, QString AlertRule::*field) {
        connect(e, &QLineEdit::textEdited, this,
            [this, field](const QString &t) { edit([&](AlertRule &r) { r.*field = t; }); });
    };
    onText(m_name, &AlertRule::name);
    const auto onScope = [this](QLineEdit *e, QString AlertScope::*field) {
        connect(e, &QLineEdit::textEdited, this,
            [this, field](const QString &t) { edit([&](AlertRule &r) { r.scope.*field = t.trimmed(); }); });
    };
    onScope(m_source, &AlertScope::sourceId);
    onScope(m_fixture, &AlertScope::fixtureId);
    onScope(m_market, &AlertScope::marketType);
    onScope(m_selection, &AlertScope::selection);
    const auto onNumber = [this](QDoubleSpinBox *b, double AlertRule::*field) {
        connect(b, &QDoubleSpinBox::valueChanged, this,
            [this, field](double v) { edit([&](AlertRule &r) { r.*field = v; }); });
    };
    onNumber(m_percent, &AlertRule::percent);
    onNumber(m_level, &AlertRule::level);
    onNumber(m_min, &AlertRule::minPercent);
    onNumber(m_max, &AlertRule::maxPercent);
    onNumber(m_stake, &AlertRule::stake);
    const auto onMs = [this](QDoubleSpinBox *b, qint64 AlertRule::*field) {
        connect(b, &QDoubleSpinBox::valueChanged, this,
            [this, field](double v) { edit([&](AlertRule &r) { r.*field = std::llround(v * 1000); }); });
    };
    onMs(m_window, &AlertRule::windowMs);
    onMs(m_cooldown, &AlertRule::cooldownMs);
    connect(m_ticks, &QSpinBox::valueChanged, this, [this](int v) { edit([&](AlertRule &r) { r.ticks = v; }); });
    connect(m_direction, &QComboBox::currentIndexChanged, this,
        [this] { edit([&](AlertRule &r) { r.direction = MoveDirection(m_direction->currentData().toInt()); }); });
    connect(m_sport, &QComboBox::currentIndexChanged, this, [this] {
        const int sport = m_sport->currentData().toInt();
        edit([&](AlertRule &r) { r.scope.sportId = sport >= 0 ? std::optional<qint64>(sport) : std::nullopt; });
    });
    connect(
        m_watched, &QCheckBox::toggled, this, [this](bool on) { edit([&](AlertRule &r) { r.scope.watched = on; }); });
    connect(m_kind, &QComboBox::currentIndexChanged, this, &RulesDialog::changeKind);
}

void RulesDialog::addRule(AlertRule rule)
{
    m_rules.push_back(std::move(rule));
    m_list->addItem(summary(m_rules.back()));
    m_list->setCurrentRow(m_list->count() - 1);
    m_name->setFocus();
    m_name->selectAll();
}

void RulesDialog::showRule(int row)
{
    const bool any = row >= 0 && std::size_t(row) < m_rules.size();
    m_remove->setEnabled(any);
    m_duplicate->setEnabled(any);
    for (int i = 0; i < m_form->rowCount(); ++i) {
        if (QLayoutItem *field = m_form->itemAt(i, QFormLayout::FieldRole); field && field->widget()) {
            field->widget()->setEnabled(any);
        }
    }
    if (!any) {
        m_status->setText(m_rules.empty() ? tr("No rules: Add one, or save none to run no alerts.") : QString());
        return;
    }
    const AlertRule &r = m_rules[std::size_t(row)];
    m_showing = true;
    m_name->setText(r.name);
    m_kind->setCurrentIndex(m_kind->findData(int(r.kind)));
    m_percent->setValue(r.percent);
    m_ticks->setValue(r.ticks);
    m_direction->setCurrentIndex(m_direction->findData(int(r.direction)));
    m_window->setValue(double(r.windowMs) / 1000);
    m_level->setValue(r.level);
    m_min->setValue(r.minPercent);
    m_max->setValue(r.maxPercent);
    m_stake->setValue(r.stake);
    m_cooldown->setValue(double(r.cooldownMs) / 1000);
    m_source->setText(r.scope.sourceId);
    const int sport = r.scope.sportId ? int(*r.scope.sportId) : -1;
    if (m_sport->findData(sport) < 0) {
        m_sport->addItem(sportName(sport), sport); // a sport the table does not know stays as it was
    }
    m_sport->setCurrentIndex(m_sport->findData(sport));
    m_fixture->setText(r.scope.fixtureId);
    m_market->setText(r.scope.marketType);
    m_selection->setText(r.scope.selection);
    m_watched->setChecked(r.scope.watched);
    m_showing = false;
    updateVisibleFields();
}

void RulesDialog::edit(const std::function<void(AlertRule &)> &change)
{
    const int row = m_list->currentRow();
    if (m_showing || row < 0 || std::size_t(row) >= m_rules.size()) {
        return;
    }
    AlertRule &r = m_rules[std::size_t(row)];
    change(r);
    m_list->item(row)->setText(summary(r));
    m_status->clear();
}

void RulesDialog::changeKind()
{
    const int row = m_list->currentRow();
    const auto kind = AlertKind(m_kind->currentData().toInt());
    if (m_showing || row < 0 || std::size_t(row) >= m_rules.size() || m_rules[std::size_t(row)].kind == kind) {
        return;
    }
    AlertRule &r = m_rules[std::size_t(row)];
    const AlertKind was = r.kind;
    r.kind = kind;
    // A new type starts from values that make a rule the reader takes, not zeros it refuses, nor
    // the last type's values that mean something else here.
    if (r.windowMs == 0 || kind == AlertKind::Arbitrage || was == AlertKind::Arbitrage) {
        r.windowMs = kind == AlertKind::Arbitrage ? 5000 : kind == AlertKind::Stale ? 30000 : 10000;
    }
    if (kind == AlertKind::PriceMove && r.percent <= 0 && r.ticks <= 0) {
        r.percent = 5;
    }
    if (kind == AlertKind::PriceCross && r.level <= 1) {
        r.level = 2;
    }
    if (kind == AlertKind::Overround && r.maxPercent <= r.minPercent) {
        r.minPercent = 100;
        r.maxPercent = 110;
    }
    if (kind == AlertKind::Arbitrage) {
        r.minPercent = 0; // the least margin, not an overround
        // An arbitrage spans sources and selections: those scopes (hidden for it) go.
        r.scope.sourceId.clear();
        r.scope.selection.clear();
    }
    if (kind == AlertKind::BigBet && r.stake <= 0) {
        r.stake = 100;
    }
    m_list->item(row)->setText(summary(r));
    m_status->clear();
    showRule(row);
}

void RulesDialog::updateVisibleFields()
{
    const auto kind = AlertKind(m_kind->currentData().toInt());
    const bool move = kind == AlertKind::PriceMove;
    const bool windowed =
        move || kind == AlertKind::Stale || kind == AlertKind::ScoreWithoutPriceMove || kind == AlertKind::Arbitrage;
    m_form->setRowVisible(m_percent, move);
    m_form->setRowVisible(m_ticks, move);
    m_form->setRowVisible(m_direction, move);
    m_form->setRowVisible(m_window, windowed);
    if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(m_window))) {
        label->setText(kind == AlertKind::Stale ? tr("Silent for")
                : kind == AlertKind::Arbitrage  ? tr("Legs no older than")
                                                : tr("Within"));
    }
    m_form->setRowVisible(m_level, kind == AlertKind::PriceCross);
    m_form->setRowVisible(m_min, kind == AlertKind::Overround || kind == AlertKind::Arbitrage);
    if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(m_min))) {
        label->setText(kind == AlertKind::Arbitrage ? tr("Return at least") : tr("From"));
    }
    m_form->setRowVisible(m_max, kind == AlertKind::Overround);
    m_form->setRowVisible(m_stake, kind == AlertKind::BigBet);
    // An arbitrage spans sources and selections (the reader refuses those scopes for it).
    m_form->setRowVisible(m_source, kind != AlertKind::Arbitrage);
    m_form->setRowVisible(m_selection, kind != AlertKind::Arbitrage);
}

QString RulesDialog::summary(const AlertRule &r) const
{
    QString what;
    switch (r.kind) {
    case AlertKind::PriceMove:
        what = r.percent > 0 ? tr("moves %1 % in %2 s").arg(r.percent).arg(double(r.windowMs) / 1000)
                             : tr("moves %1 ticks in %2 s").arg(r.ticks).arg(double(r.windowMs) / 1000);
        break;
    case AlertKind::PriceCross:
        what = tr("crosses %1").arg(r.level);
        break;
    case AlertKind::Stale:
        what = tr("silent %1 s").arg(double(r.windowMs) / 1000);
        break;
    case AlertKind::Overround:
        what = tr("overround outside %1-%2 %").arg(r.minPercent).arg(r.maxPercent);
        break;
    case AlertKind::BigBet:
        what = tr("stake over %1").arg(r.stake);
        break;
    default:
        for (const KindLabel &k : kKinds) {
            if (k.kind == r.kind) {
                what = tr(k.label).toLower();
            }
        }
        break;
    }
    QStringList scope;
    if (r.scope.sportId) {
        scope << sportName(*r.scope.sportId);
    }
    for (const QString *part : { &r.scope.sourceId, &r.scope.fixtureId, &r.scope.marketType, &r.scope.selection }) {
        if (!part->isEmpty()) {
            scope << *part;
        }
    }
    if (r.scope.watched) {
        scope << tr("watched");
    }
    if (!scope.isEmpty()) {
        what += QStringLiteral(" · ") + scope.join(QStringLiteral(", "));
    }
    return r.name.isEmpty() ? what : tr("%1: %2").arg(r.name, what);
}

void RulesDialog::reject()
{
    if (!m_saving) { // the file is being written: its outcome is shown here first
        QDialog::reject();
    }
}

void RulesDialog::save(bool askForPath)
{
    if (m_saving) {
        return;
    }
    // The reader of `--rules` checks them: what it refuses is not written.
    const QByteArray json = serializeAlertRules(m_rules);
    const auto checked = parseAlertRules(json);
    if (!checked) {
        m_status->setText(tr("Not saved: %1").arg(checked.error().message));
        const QString message = checked.error().message;
        if (message.startsWith(QLatin1String("rule "))) {
            m_list->setCurrentRow(message.section(QLatin1Char(' '), 1, 1).section(QLatin1Char(':'), 0, 0).toInt() - 1);
        }
        return;
    }
    QString path = m_path;
    if (askForPath || path.isEmpty()) {
        path = QFileDialog::getSaveFileName(this, tr("Save alert rules"),
            path.isEmpty() ? QStringLiteral("rules.json") : path, tr("Alert rules (*.json)"));
        if (path.isEmpty()) {
            return;
        }
    }
    m_saving = true;
    setEnabled(false); // no edit is lost behind the rules being written
    m_status->setText(tr("Saving %1...").arg(path));
    runInBackground(
        this, [path, rules = *checked] { return writeAlertRules(path, rules); },
        [this, path, rules = *checked](Result<void> written) {
            m_saving = false;
            setEnabled(true);
            if (!written) {
                m_status->setText(tr("Not saved: %1. Choose another place with Save as.").arg(written.error().message));
                return;
            }
            m_path = path;
            emit rulesSaved(path, rules);
            accept();
        });
}

} // namespace OddsTap
