package io.fusion4j.tensor.cpu;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.SlabArena;
import io.fusion4j.api.tensor.Tensor;

/**
 * Step arena over heap-array slabs. Tensors start at multiples of 16 elements from the slab's first element on a
 * 64-byte line ({@link HeapAlignment}), so a tensor's rows of whole vectors load and store without straddling
 * cache lines (decision 0011). Slabs are large, so the collector places them at region starts and leaves them.
 */
final class CpuArena extends SlabArena<CpuStorage> {
    /** Room for {@link #slabStart} to move the first tensor onto a line. */
    private static final int SPARE = HeapAlignment.BYTES / Float.BYTES - 1;

    CpuArena() {
        super(16);
    }

    @Override
    protected CpuStorage newSlab(DType dtype, long elements) {
        return CpuStorage.allocate(dtype, elements + SPARE);
    }

    @Override
    protected long slabStart(CpuStorage slab) {
        return slab.f != null ? HeapAlignment.alignedStart(slab.f) : 0;
    }

    @Override
    protected void freeSlab(CpuStorage slab) {
        // heap arrays: the garbage collector takes them
    }

    @Override
    protected void zero(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage();
        int from = (int) t.offset();
        int to = from + (int) t.numel();
        switch (t.dtype()) {
            case F32 -> java.util.Arrays.fill(s.f, from, to, 0f);
            case I32 -> java.util.Arrays.fill(s.i, from, to, 0);
            case BF16 -> java.util.Arrays.fill(s.h, from, to, (short) 0);
        }
    }
}
