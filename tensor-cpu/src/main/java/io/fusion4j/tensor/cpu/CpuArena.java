package io.fusion4j.tensor.cpu;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.SlabArena;
import io.fusion4j.api.tensor.Tensor;

/** Step arena over heap-array slabs; 16-element alignment keeps each tensor's vectors on 64-byte lines. */
final class CpuArena extends SlabArena<CpuStorage> {
    CpuArena() {
        super(16);
    }

    @Override
    protected CpuStorage newSlab(DType dtype, long elements) {
        return CpuStorage.allocate(dtype, elements);
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
