package io.fusion4j.api.tensor;

/**
 * Counts floating-point operations performed by backend kernels, so reported FLOPs are counted,
 * not assumed. A multiply-add counts as two. Kernels add from the calling thread only.
 */
public final class FlopCounter {
    private long total;

    /** Adds {@code flops} performed operations. */
    public void add(long flops) {
        total += flops;
    }

    /** Operations counted since creation or the last {@link #reset()}. */
    public long total() {
        return total;
    }

    /** Sets the count to zero and returns what it was. */
    public long reset() {
        long t = total;
        total = 0;
        return t;
    }
}
