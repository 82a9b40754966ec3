package io.fusion4j.tensor.cpu;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Bump allocator over one slab per dtype. A step that outgrows its slab gets overflow slabs; at
 * release they are merged into one slab of the high-water size, so from the second step on a step
 * of the same shapes allocates no arrays at all.
 */
final class CpuArena implements StepArena {
    private static final int ALIGN = 16; // elements: keeps vector loads of each tensor on 64-byte lines

    private final Map<DType, Pool> pools = new EnumMap<>(DType.class);
    private int epoch;
    private boolean closed;

    private static final class Pool {
        CpuStorage main;
        int used;
        final List<CpuStorage> overflow = new ArrayList<>();
        long overflowUsed;
    }

    @Override
    public Tensor allocate(DType dtype, Shape shape) {
        if (closed) {
            throw new IllegalStateException("arena is closed");
        }
        long n = shape.numel();
        Pool p = pools.computeIfAbsent(dtype, d -> new Pool());
        long padded = (n + ALIGN - 1) / ALIGN * ALIGN;
        if (p.main != null && p.used + padded <= p.main.capacity()) {
            Tensor t = new Tensor(p.main, p.used, shape, false, this, epoch);
            p.used += (int) padded;
            return t;
        }
        CpuStorage s = CpuStorage.allocate(dtype, Math.max(n, 1));
        p.overflow.add(s);
        p.overflowUsed += padded;
        return new Tensor(s, 0, shape, false, this, epoch);
    }

    @Override
    public Tensor allocateZeroed(DType dtype, Shape shape) {
        Tensor t = allocate(dtype, shape);
        CpuStorage s = (CpuStorage) t.storage();
        int from = (int) t.offset();
        int to = from + (int) t.numel();
        switch (dtype) {
            case F32 -> java.util.Arrays.fill(s.f, from, to, 0f);
            case I32 -> java.util.Arrays.fill(s.i, from, to, 0);
            case BF16 -> java.util.Arrays.fill(s.h, from, to, (short) 0);
        }
        return t;
    }

    @Override
    public void release() {
        for (Map.Entry<DType, Pool> e : pools.entrySet()) {
            Pool p = e.getValue();
            if (!p.overflow.isEmpty()) {
                long need = p.used + p.overflowUsed;
                p.main = CpuStorage.allocate(e.getKey(), need + need / 8);
                p.overflow.clear();
                p.overflowUsed = 0;
            }
            p.used = 0;
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
        for (Map.Entry<DType, Pool> e : pools.entrySet()) {
            b += (e.getValue().used + e.getValue().overflowUsed) * (long) e.getKey().byteSize();
        }
        return b;
    }

    @Override
    public long capacityBytes() {
        long b = 0;
        for (Map.Entry<DType, Pool> e : pools.entrySet()) {
            Pool p = e.getValue();
            long elems = p.main == null ? 0 : p.main.capacity();
            for (CpuStorage s : p.overflow) {
                elems += s.capacity();
            }
            b += elems * e.getKey().byteSize();
        }
        return b;
    }

    @Override
    public void close() {
        pools.clear();
        closed = true;
        epoch++;
    }
}
