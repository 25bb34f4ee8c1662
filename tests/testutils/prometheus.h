// SPDX-License-Identifier: MIT
// Reading /metrics as Prometheus does: fetched over HTTP and parsed by Prometheus' own Python
// parser (Debian's python3-prometheus-client).
#pragma once

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>

namespace OddsTap::Testing {

/// Debian's interpreter, where python3-prometheus-client installs (a python3 earlier on PATH may
/// be another installation without it).
inline const QString kPython = QStringLiteral("/usr/bin/python3");

/// Every sample the official parser finds in `text`, as {"name", "labels": {..}, "value", "type"};
/// empty (with a warning saying why) when it refuses the text or cannot run.
inline QJsonArray parsePrometheusText(const QByteArray &text)
{
    static const char *kParse = R"(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append({"name": s.name, "labels": s.labels, "value": s.value, "type": family.type})
print(json.dumps(out))
)";
    QProcess python;
    python.start(kPython, { QStringLiteral("-c"), QString::fromLatin1(kParse) });
    if (!python.waitForStarted(10000)) {
        qWarning("%s cannot be started: scripts/test installs python3-prometheus-client", qPrintable(kPython));
        return {};
    }
    python.write(text);
    python.closeWriteChannel();
    python.waitForFinished(30000);
    const QByteArray out = python.readAllStandardOutput();
    if (python.exitCode() != 0) {
        qWarning("the Prometheus parser refused the text: %s", python.readAllStandardError().constData());
        return {};
    }
    return QJsonDocument::fromJson(out).array();
}

/// The first sample named `name` whose labels include `labels`; -1 when there is none.
inline double sampleValue(const QJsonArray &samples, const QString &name, const QJsonObject &labels = {})
{
    for (const QJsonValue &v : samples) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("name")).toString() != name) {
            continue;
        }
        const QJsonObject have = s.value(QStringLiteral("labels")).toObject();
        bool match = true;
        for (auto it = labels.begin(); it != labels.end(); ++it) {
            match = match && have.value(it.key()) == it.value();
        }
        if (match) {
            return s.value(QStringLiteral("value")).toDouble();
        }
    }
    return -1;
}

/// GET `url`; the body, and the HTTP status in `status`. Gives up after 5 s.
inline QByteArray httpGet(const QString &url, int *status = nullptr)
{
    QNetworkAccessManager net;
    QNetworkRequest request { QUrl(url) };
    request.setTransferTimeout(5000); // a server that never answers fails the test, not the ctest timeout
    QNetworkReply *reply = net.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    if (status) {
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return body;
}

} // namespace OddsTap::Testing
