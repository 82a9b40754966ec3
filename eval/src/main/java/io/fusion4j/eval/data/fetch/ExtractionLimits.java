package io.fusion4j.eval.data.fetch;

/**
 * How much one archive may unpack to: a bound on each member, on all members together and on their number, so a
 * crafted archive (a gzip bomb, millions of empty files) fails with a name instead of filling the disk.
 *
 * @param maxEntryBytes the largest member
 * @param maxTotalBytes all members together
 * @param maxEntries    members of any kind
 */
public record ExtractionLimits(long maxEntryBytes, long maxTotalBytes, int maxEntries) {
    /**
     * Room for the pinned datasets with a margin (largest member today: mnist's 21 MB {@code dist/mnist.js}; largest
     * total: emoji's 65 MB in 3,809 members), and still small next to a disk.
     */
    public static final ExtractionLimits DEFAULT = new ExtractionLimits(64L << 20, 512L << 20, 20_000);

    /** Checks that every bound is positive. */
    public ExtractionLimits {
        if (maxEntryBytes <= 0 || maxTotalBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxEntryBytes + ", " + maxTotalBytes + ", "
                    + maxEntries);
        }
    }
}
