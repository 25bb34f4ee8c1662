// SPDX-License-Identifier: MIT
#pragma once

class QChart;
class QPalette;

namespace OddsTap {

/// Colours a chart from the widget palette (light, dark or the system's): Qt Charts keep their own
/// light theme otherwise, white plots in a dark window. Series colours stay as they are.
void applyChartPalette(QChart *chart, const QPalette &palette);

} // namespace OddsTap
