package io.fusion4j.tensor.cuda;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Bump allocation over one device slab per dtype; overflow slabs are merged at release (as on CPU). */
final class CudaArena implements StepArena {
    private static final long ALIGN = 64; // elements: 256-byte aligned tensors

    private final CudaBackend backend;
    private final Map<DType, Pool> pools = new EnumMap<>(DType.class);
    private int epoch;
    private boolean closed;

    private static final class Pool {
        CudaStorage main;
        long used;
        final List<CudaStorage> overflow = new ArrayList<>();
        long overflowUsed;
    }

    CudaArena(CudaBackend backend) {
        this.backend = backend;
    }

    @Override
    public Tensor allocate(DType dtype, Shape shape) {
        if (closed) {
            throw new IllegalStateException("arena is closed");
        }
        long n = shape.numel();
        long padded = (n + ALIGN - 1) / ALIGN * ALIGN;
        Pool p = pools.computeIfAbsent(dtype, d -> new Pool());
        if (p.main != null && p.used + padded <= p.main.capacity()) {
            Tensor t = new Tensor(p.main, p.used, shape, false, this, epoch);
            p.used += padded;
            return t;
        }
        CudaStorage s = backend.newStorage(dtype, Math.max(n, 1));
        p.overflow.add(s);
        p.overflowUsed += padded;
        return new Tensor(s, 0, shape, false, this, epoch);
    }

    @Override
    public Tensor allocateZeroed(DType dtype, Shape shape) {
        Tensor t = allocate(dtype, shape);
        backend.zero(t);
        return t;
    }

    @Override
    public void release() {
        for (Map.Entry<DType, Pool> e : pools.entrySet()) {
            Pool p = e.getValue();
            if (!p.overflow.isEmpty()) {
                long need = p.used + p.overflowUsed;
                backend.synchronize(); // kernels may still read the slabs being freed
                if (p.main != null) {
                    p.main.buffer.close();
                }
                for (CudaStorage s : p.overflow) {
                    s.buffer.close();
                }
                p.overflow.clear();
                p.overflowUsed = 0;
                p.main = backend.newStorage(e.getKey(), need + need / 8);
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
            b += (e.getValue().used + e.getValue().overflowUsed) * e.getKey().byteSize();
        }
        return b;
    }

    @Override
    public long capacityBytes() {
        long b = 0;
        for (Map.Entry<DType, Pool> e : pools.entrySet()) {
            Pool p = e.getValue();
            long elems = p.main == null ? 0 : p.main.capacity();
            for (CudaStorage s : p.overflow) {
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
        backend.synchronize();
        for (Pool p : pools.values()) {
            if (p.main != null) {
                p.main.buffer.close();
            }
            for (CudaStorage s : p.overflow) {
                s.buffer.close();
            }
        }
        pools.clear();
        closed = true;
        epoch++;
    }
}
