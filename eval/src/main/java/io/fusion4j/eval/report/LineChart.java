package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/**
 * Lines with markers, one per series, each with a translucent band of its colour where its points give low/high (the
 * seed spread). {@code logX} draws x on a log scale, so every x must then be positive.
 */
public record LineChart(String title, String xLabel, String yLabel, boolean logX, List<Series> series) implements ChartSpec {
    public LineChart {
        Objects.requireNonNull(title, "LineChart title");
        Objects.requireNonNull(xLabel, "LineChart xLabel");
        Objects.requireNonNull(yLabel, "LineChart yLabel");
        series = Checks.copy(series, "LineChart series");
        if (logX) {
            for (Series s : series) {
                for (int i = 0; i < s.points().size(); i++) {
                    double x = s.points().get(i).x();
                    if (!(x > 0)) {
                        throw new IllegalArgumentException("LineChart '" + title + "' has logX but series '" + s.name()
                                + "' points[" + i + "].x is " + x + " (must be > 0)");
                    }
                }
            }
        }
    }
}
