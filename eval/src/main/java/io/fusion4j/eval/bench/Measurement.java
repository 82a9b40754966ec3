package io.fusion4j.eval.bench;

import java.util.Arrays;
import java.util.Optional;

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

    /** Heap per call above which a figure is flagged: PERF.md's budget for a whole training step. */
    public static final double SUSPECT_HEAP_BYTES = 1 << 20;

    /**
     * A warning when the measured code allocated more than {@link #SUSPECT_HEAP_BYTES} per call. Kernels allocate
     * (almost) nothing when C2 has compiled them as intended; megabytes per call mean vectors are being boxed
     * (a kernel left to the interpreter or C1, or a C2 compile that kept boxes, decision 0010), and the rate is
     * then not what this build can do.
     */
    public Optional<String> heapWarning() {
        if (heapBytesPerCall <= SUSPECT_HEAP_BYTES) {
            return Optional.empty();
        }
        return Optional.of(String.format("warning: %.1f MB of Java heap per call; the JIT left vector code boxed, "
                + "so this figure is not representative. Run the benchmark again.", heapBytesPerCall / 1e6));
    }

    /** {@code median UNIT (min-max)}, one decimal; ASCII so it survives a terminal without a UTF-8 locale. */
    public String summary() {
        return String.format("%8.1f %s (%.1f-%.1f)", median, unit, min, max);
    }
}
