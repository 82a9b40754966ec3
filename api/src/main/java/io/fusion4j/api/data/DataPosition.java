package io.fusion4j.api.data;

/**
 * Where a data order stands: the epoch and the index of the next sample in it. Stored in every checkpoint, so a
 * resumed run continues with exactly the sample an uninterrupted one would have drawn.
 */
public record DataPosition(long epoch, long index) {
    public static final DataPosition START = new DataPosition(0, 0);

    public DataPosition {
        if (epoch < 0 || index < 0) {
            throw new IllegalArgumentException("data position must be non-negative, found epoch=" + epoch + " index="
                    + index);
        }
    }
}
