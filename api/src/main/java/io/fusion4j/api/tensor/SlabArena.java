package io.fusion4j.api.tensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link StepArena} for backends: bump allocation over one slab per dtype. A step that outgrows its
 * slab gets overflow slabs; at release they are merged into one slab of the high-water size plus an
 * eighth, so from the second step on, a step of the same shapes allocates no backend memory.
 *
 * @param <S> the backend's storage type
 */
public abstract class SlabArena<S extends Storage> implements StepArena {
    private final long align;
    private final Map<DType, Pool<S>> pools = new EnumMap<>(DType.class);
    private int epoch;
    private boolean closed;

    private static final class Pool<S> {
        S main;
        long used;
        final List<S> overflow = new ArrayList<>();
        long overflowUsed;
    }

    /** @param align every tensor starts at a multiple of this many elements */
    protected SlabArena(long align) {
        this.align = align;
    }

    /** A new slab of {@code elements} elements. */
    protected abstract S newSlab(DType dtype, long elements);

    /**
     * Where bump allocation starts in a slab: 0 by default. A backend whose allocator cannot align a slab
     * itself returns the first element on its preferred boundary and allocates that much spare in
     * {@link #newSlab}.
     */
    protected long slabStart(S slab) {
        return 0;
    }

    /** Frees a slab; called after {@link #beforeFree()}. */
    protected abstract void freeSlab(S slab);

    /** Sets a tensor's elements to zero. */
    protected abstract void zero(Tensor t);

    /** Called once before slabs are freed (an asynchronous device waits for queued work here). */
    protected void beforeFree() {
    }

    @Override
    public Tensor allocate(DType dtype, Shape shape) {
        if (closed) {
            throw new IllegalStateException("arena is closed");
        }
        long n = shape.numel();
        long padded = (n + align - 1) / align * align;
        Pool<S> p = pools.computeIfAbsent(dtype, d -> new Pool<>());
        if (p.main != null && p.used + padded <= p.main.capacity()) {
            Tensor t = new Tensor(p.main, p.used, shape, false, this, epoch);
            p.used += padded;
            return t;
        }
        S s = newSlab(dtype, Math.max(n, 1));
        p.overflow.add(s);
        p.overflowUsed += padded;
        return new Tensor(s, slabStart(s), shape, false, this, epoch);
    }

    @Override
    public Tensor allocateZeroed(DType dtype, Shape shape) {
        Tensor t = allocate(dtype, shape);
        zero(t);
        return t;
    }

    @Override
    public void release() {
        boolean synced = false;
        for (Map.Entry<DType, Pool<S>> e : pools.entrySet()) {
            Pool<S> p = e.getValue();
            if (!p.overflow.isEmpty()) {
                if (!synced) {
                    beforeFree();
                    synced = true;
                }
                long need = p.used + p.overflowUsed;
                if (p.main != null) {
                    freeSlab(p.main);
                }
                for (S s : p.overflow) {
                    freeSlab(s);
                }
                p.overflow.clear();
                p.overflowUsed = 0;
                p.main = newSlab(e.getKey(), need + need / 8);
            }
            p.used = p.main == null ? 0 : slabStart(p.main);
        }
        epoch++;
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public long bytesInUse() {
        long b = 0;
        for (Map.Entry<DType, Pool<S>> e : pools.entrySet()) {
            b += (e.getValue().used + e.getValue().overflowUsed) * e.getKey().byteSize();
        }
        return b;
    }

    @Override
    public long capacityBytes() {
        long b = 0;
        for (Map.Entry<DType, Pool<S>> e : pools.entrySet()) {
            Pool<S> p = e.getValue();
            long elems = p.main == null ? 0 : p.main.capacity();
            for (S s : p.overflow) {
                elems += s.capacity();
            }
            b += elems * e.getKey().byteSize();
        }
        return b;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        beforeFree();
        for (Pool<S> p : pools.values()) {
            if (p.main != null) {
                freeSlab(p.main);
            }
            for (S s : p.overflow) {
                freeSlab(s);
            }
        }
        pools.clear();
        closed = true;
        epoch++;
    }
}
