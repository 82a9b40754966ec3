package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/**
 * A grid of values ({@code values[row][column]}, typically in [0, 1], such as the share of image tokens per layer and
 * expert) coloured on a scale with a legend; grids of at most 16×16 also print each value. NaN cells are left blank.
 * The array is copied in and out.
 */
public record Heatmap(String title, List<String> rowLabels, List<String> columnLabels, double[][] values, String valueLabel)
        implements ChartSpec {
    public Heatmap {
        Objects.requireNonNull(title, "Heatmap title");
        Objects.requireNonNull(valueLabel, "Heatmap valueLabel");
        rowLabels = Checks.copy(rowLabels, "Heatmap rowLabels");
        columnLabels = Checks.copy(columnLabels, "Heatmap columnLabels");
        Objects.requireNonNull(values, "Heatmap values");
        if (rowLabels.isEmpty() || columnLabels.isEmpty()) {
            throw new IllegalArgumentException("Heatmap '" + title + "' needs at least one of rowLabels and of columnLabels, found "
                    + rowLabels.size() + " and " + columnLabels.size());
        }
        if (values.length != rowLabels.size()) {
            throw new IllegalArgumentException("Heatmap '" + title + "' values has " + values.length + " rows but rowLabels has "
                    + rowLabels.size());
        }
        double[][] copy = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            if (values[r] == null || values[r].length != columnLabels.size()) {
                throw new IllegalArgumentException("Heatmap '" + title + "' values[" + r + "] has "
                        + (values[r] == null ? "no array" : values[r].length + " columns") + " but columnLabels has "
                        + columnLabels.size());
            }
            for (int c = 0; c < values[r].length; c++) {
                if (Double.isInfinite(values[r][c])) {
                    throw new IllegalArgumentException("Heatmap '" + title + "' values[" + r + "][" + c + "] is infinite");
                }
            }
            copy[r] = values[r].clone();
        }
        values = copy;
    }

    @Override
    public double[][] values() {
        double[][] out = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            out[r] = values[r].clone();
        }
        return out;
    }
}
