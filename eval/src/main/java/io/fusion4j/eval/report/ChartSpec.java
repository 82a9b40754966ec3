package io.fusion4j.eval.report;

/** What to draw: lines over a numeric x, a heatmap of a grid, or grouped bars. */
public sealed interface ChartSpec permits LineChart, Heatmap, BarChart {
    String title();
}
