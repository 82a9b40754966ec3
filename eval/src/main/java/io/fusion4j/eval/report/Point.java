package io.fusion4j.eval.report;

/**
 * A point of a {@link Series}; {@code low}/{@code high} bound its band (both NaN: no band here). x and y must be finite,
 * and a band must hold both bounds with {@code low <= high}.
 */
public record Point(double x, double y, double low, double high) {
    public Point {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            throw new IllegalArgumentException("Point x and y must be finite, found x=" + x + ", y=" + y);
        }
        boolean noBand = Double.isNaN(low) && Double.isNaN(high);
        if (!noBand && !(Double.isFinite(low) && Double.isFinite(high) && low <= high)) {
            throw new IllegalArgumentException("Point low/high must both be NaN (no band) or finite with low <= high, found low="
                    + low + ", high=" + high);
        }
    }

    /** A point without a band. */
    public Point(double x, double y) {
        this(x, y, Double.NaN, Double.NaN);
    }

    public boolean hasBand() {
        return !Double.isNaN(low);
    }
}
