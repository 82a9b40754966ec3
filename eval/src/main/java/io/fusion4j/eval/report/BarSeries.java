package io.fusion4j.eval.report;

import java.util.Objects;

/** One series of a {@link BarChart}: a value per category (NaN: no bar). The array is copied in and out. */
public record BarSeries(String name, double[] values) {
    public BarSeries {
        Objects.requireNonNull(name, "BarSeries name");
        values = Objects.requireNonNull(values, "BarSeries values").clone();
    }

    @Override
    public double[] values() {
        return values.clone();
    }
}
