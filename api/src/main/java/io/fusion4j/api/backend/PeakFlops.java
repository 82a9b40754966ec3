package io.fusion4j.api.backend;

/**
 * A device's peak rate for model-FLOPs utilisation, and where the figure comes from, so every MFU printed says what
 * it is a share of.
 *
 * @param gigaflops the peak in GFLOP/s (multiply-adds count two)
 * @param source    how it was found, e.g. "measured: fp32 FMA loop, 2 threads, 512-bit vectors"
 */
public record PeakFlops(double gigaflops, String source) {
    public PeakFlops {
        if (!(gigaflops > 0) || Double.isInfinite(gigaflops)) {
            throw new IllegalArgumentException("a peak must be a positive number of GFLOP/s, found " + gigaflops);
        }
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("a peak needs a source");
        }
    }
}
