package io.fusion4j.eval.bench;

import java.util.Arrays;

/**
 * Rates from several timed rounds: median and range, plus the Java heap the calling thread allocated
 * per call in the timed rounds.
 */
public record Measurement(double median, double min, double max, String unit, double heapBytesPerCall) {

    /** Builds a measurement from per-round rates. */
    public static Measurement of(double[] rates, String unit, double heapBytesPerCall) {
        if (rates.length == 0) {
            throw new IllegalArgumentException("a measurement needs at least one round");
        }
        double[] s = rates.clone();
        Arrays.sort(s);
        double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return new Measurement(med, s[0], s[s.length - 1], unit, heapBytesPerCall);
    }

    /** {@code median UNIT (min-max)}, one decimal; ASCII so it survives a terminal without a UTF-8 locale. */
    public String summary() {
        return String.format("%8.1f %s (%.1f-%.1f)", median, unit, min, max);
    }
}
