package io.fusion4j.api.tensor;

/**
 * Memory for tensors that live for one training step (activations, temporary gradients).
 * Allocation bumps a pointer; {@link #release()} frees every tensor of the step in one call and
 * starts a new epoch. A tensor allocated in an earlier epoch is dead: kernels reject it with an
 * error rather than reading memory that now belongs to another tensor.
 *
 * <p>Contract for implementations: after a warm-up step the arena reaches its high-water mark and
 * further steps of the same shapes allocate no backend memory; contents of new tensors are
 * unspecified (use {@link #allocateZeroed}); an arena is used from one thread.
 */
public interface StepArena extends AutoCloseable {
    /** A tensor whose contents are unspecified. */
    Tensor allocate(DType dtype, Shape shape);

    /** A tensor filled with zeros. */
    Tensor allocateZeroed(DType dtype, Shape shape);

    /** Releases every tensor allocated since the last release; they become dead. */
    void release();

    /** The current epoch; increments on every {@link #release()}. */
    int epoch();

    /** Bytes handed out in the current epoch. */
    long bytesInUse();

    /** Bytes of backend memory the arena holds. */
    long capacityBytes();

    /** Frees the arena's backend memory; the arena cannot be used afterwards. */
    @Override
    void close();
}
