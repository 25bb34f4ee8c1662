// SPDX-License-Identifier: MIT
#pragma once

#include <core/replay/capturefile.h>

#include <QStringList>

class QIODevice;

namespace OddsTap {
class LineReader;
}

namespace OddsTap::Betfair {

/// Reads Betfair historical stream files (one message per line; plain, .gz or .bz2) as the
/// records of a replay: each line a frame received at its publish time `pt`. Several files (a
/// market and its score stream) are merged on `pt` into one source. The files are read once to
/// count their lines and find their time span, then again as they are replayed.
class HistoricalFileReader : public RecordReader
{
public:
    /// @p sourceId: empty for one made of the first file's name ("bf-BASIC-1.132153978").
    static Result<std::unique_ptr<HistoricalFileReader>> open(const QStringList &paths, const QString &sourceId = {});
    ~HistoricalFileReader() override;

    const CaptureInfo &info() const override { return m_info; }
    Result<void> seek(qint64 wallNs) override;
    bool next(CaptureRecord &out) override;
    const QString &error() const override { return m_error; }
    FeedProfile profile() const override { return FeedProfile::betfair(); }

    /// The source id a file gets by default.
    static QString defaultSourceId(const QString &path);

    /// Blank lines in a row past which a file is refused as damaged.
    static constexpr quint64 kMaxBlankLinesInARow = 1000000;

private:
    struct Input;
    HistoricalFileReader() = default;
    Result<void> openInputs();
    bool advance(Input &in);

    QStringList m_paths;
    QString m_sourceId;
    std::vector<std::unique_ptr<Input>> m_inputs;
    CaptureInfo m_info;
    qint64 m_ord = 0;
    QString m_error;
};

/// The publish time (`"pt":...`) of a line without parsing it; 0 when it has none.
qint64 publishTimeOf(QByteArrayView line);

} // namespace OddsTap::Betfair
