package io.fusion4j.api.data;

/**
 * What the trainer needs of any batch type: how many real tokens it holds (padding excluded), where the data order
 * stands after it, and how to cut it into micro-batches for gradient accumulation.
 *
 * @param <B> the batch type itself, so that {@link #microBatch} returns the same type
 */
public interface Batch<B extends Batch<B>> {
    /** Sequences in the batch. */
    int rows();

    /** Positions that hold data, padding excluded. */
    long tokenCount();

    /** The data position just after this batch (what a checkpoint taken after it resumes from). */
    DataPosition position();

    /**
     * Micro-batch {@code k} of {@code n}: rows {@code [k·rows/n, (k+1)·rows/n)}. {@code n} must divide {@link #rows()}.
     */
    B microBatch(int k, int n);
}
