package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/** Grouped bars: one group per category, one bar per series in each. */
public record BarChart(String title, String yLabel, List<String> categories, List<BarSeries> series) implements ChartSpec {
    public BarChart {
        Objects.requireNonNull(title, "BarChart title");
        Objects.requireNonNull(yLabel, "BarChart yLabel");
        categories = Checks.copy(categories, "BarChart categories");
        series = Checks.copy(series, "BarChart series");
        if (categories.size() != new java.util.HashSet<>(categories).size()) {
            throw new IllegalArgumentException("BarChart '" + title + "' categories repeat a name: " + categories);
        }
        for (BarSeries s : series) {
            if (s.values().length != categories.size()) {
                throw new IllegalArgumentException("BarChart '" + title + "' series '" + s.name() + "' has " + s.values().length
                        + " values but categories has " + categories.size());
            }
        }
    }
}
