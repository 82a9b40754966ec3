package io.fusion4j.api.tensor;

import java.util.Objects;

/**
 * A view of backend-owned storage: dtype, shape, element offset, and an optional transpose flag
 * (consumed by GEMM only). Views are cheap: {@link #reshape}, {@link #slice} along the first dim
 * and {@link #t()} share storage. A tensor allocated from a {@link StepArena} dies when the arena is
 * released; {@link #checkLive()} then fails.
 *
 * <p>Layout is row-major and contiguous. A transposed view's {@link #shape()} is the logical
 * shape with the last two dims swapped; its storage still holds the untransposed row-major data.
 */
public final class Tensor {
    private final Storage storage;
    private final long offset;
    private final Shape shape;
    private final boolean transposed;
    private final StepArena arena;
    private final int epoch;

    /**
     * Creates a view. Backends call this; models obtain tensors from a backend or an arena.
     *
     * @param arena the arena the storage belongs to, or null for a tensor that lives with its owner
     * @param epoch the arena epoch at allocation (ignored when arena is null)
     */
    public Tensor(Storage storage, long offset, Shape shape, boolean transposed, StepArena arena, int epoch) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.shape = Objects.requireNonNull(shape, "shape");
        if (offset < 0 || offset + shape.numel() > storage.capacity()) {
            throw new IllegalArgumentException("view of " + shape.numel() + " elements at offset " + offset
                    + " does not fit a storage of " + storage.capacity() + " elements");
        }
        if (transposed && shape.rank() < 2) {
            throw new IllegalArgumentException("a transposed view needs rank >= 2, shape is " + shape);
        }
        this.offset = offset;
        this.transposed = transposed;
        this.arena = arena;
        this.epoch = epoch;
    }

    public Storage storage() {
        return storage;
    }

    /** Element offset of the first element in the storage. */
    public long offset() {
        return offset;
    }

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public long numel() {
        return shape.numel();
    }

    public int rank() {
        return shape.rank();
    }

    /** Dimension {@code i} of the logical shape (negative counts from the end). */
    public long dim(int i) {
        return shape.dim(i);
    }

    /** True for a view made by {@link #t()}. */
    public boolean isTransposed() {
        return transposed;
    }

    /** The arena this tensor came from, or null. */
    public StepArena arena() {
        return arena;
    }

    /** Throws if this tensor's arena was released after it was allocated. */
    public Tensor checkLive() {
        if (arena != null && arena.epoch() != epoch) {
            throw new IllegalStateException("tensor " + shape + " " + dtype() + " was allocated in arena epoch "
                    + epoch + " and released (arena is at epoch " + arena.epoch() + ")");
        }
        return this;
    }

    /** The same elements with another shape of equal element count. */
    public Tensor reshape(Shape newShape) {
        if (transposed) {
            throw new IllegalStateException("cannot reshape a transposed view " + shape);
        }
        if (newShape.numel() != shape.numel()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.numel() + " elements) to "
                    + newShape + " (" + newShape.numel() + " elements)");
        }
        return new Tensor(storage, offset, newShape, false, arena, epoch);
    }

    /** Reshape to the given dims. */
    public Tensor reshape(long... dims) {
        return reshape(Shape.of(dims));
    }

    /** Elements {@code [start, end)} along the first dim; shares storage. */
    public Tensor slice(long start, long end) {
        if (transposed) {
            throw new IllegalStateException("cannot slice a transposed view " + shape);
        }
        if (shape.rank() == 0) {
            throw new IllegalStateException("cannot slice a rank-0 tensor");
        }
        long n = shape.dim(0);
        if (start < 0 || end < start || end > n) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") of first dim " + n);
        }
        long stride = n == 0 ? 0 : shape.numel() / n;
        return new Tensor(storage, offset + start * stride, shape.withFirst(end - start), false, arena, epoch);
    }

    /** Index {@code i} of the first dim, with that dim dropped. */
    public Tensor select(long i) {
        return slice(i, i + 1).reshape(shape.dropFirst(1));
    }

    /** A view with the last two dims swapped; only GEMM accepts it. {@code t().t()} is this layout again. */
    public Tensor t() {
        return new Tensor(storage, offset, shape.transposeLast2(), !transposed, arena, epoch);
    }

    @Override
    public String toString() {
        return "Tensor" + shape + " " + dtype() + (transposed ? " (transposed view)" : "") + " on "
                + storage.backendName();
    }
}
